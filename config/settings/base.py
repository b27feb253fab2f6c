"""Settings shared by every environment; values come from the environment (12-factor)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.storage import s3_document_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dockhand-insecure-development-key-change-me-in-production-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    # Layered apps, lowest first: each imports only from those above it in this list.
    "core",
    "warehouses",
    "inventory",
    "orders",
    "shipping",
    "returns",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Let concurrent writers (web + eager tasks + simulator) wait instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Generated documents (pick lists, labels, packing slips, manifests, return labels) and client logos are private:
# stored through STORAGES["default"] and served only by access-checked views (config.documents); no URL serves
# this folder or the bucket. DOCKHAND_STORAGE=s3 keeps them in an S3-compatible bucket that every web node and
# worker shares; the local folder only works when they all run on one machine.
MEDIA_URL = ""
MEDIA_ROOT = Path(env("DOCKHAND_DOCUMENTS_ROOT", default=str(BASE_DIR / "private")))
DOCKHAND_STORAGE = env("DOCKHAND_STORAGE", default="local")
if DOCKHAND_STORAGE == "s3":
    DOCUMENT_STORAGE = s3_document_storage(
        bucket=env("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env("AWS_S3_ENDPOINT_URL", default=""),
        region=env("AWS_S3_REGION_NAME", default=""),
        access_key=env("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env("AWS_SECRET_ACCESS_KEY", default=""),
        location=env("AWS_LOCATION", default=""),
        addressing_style=env("AWS_S3_ADDRESSING_STYLE", default=""),
    )
elif DOCKHAND_STORAGE == "local":
    DOCUMENT_STORAGE = {"BACKEND": "config.storage.PrivateFileSystemStorage"}
else:
    raise ImproperlyConfigured(f"DOCKHAND_STORAGE must be 'local' or 's3', not {DOCKHAND_STORAGE!r}.")
STORAGES = {
    "default": DOCUMENT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Dockhand <no-reply@dockhand.local>")

# --- Celery -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker (a laptop running the demo) tasks run inline, right after commit.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2, "max_retries": 1}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_IMPORTS = ["core.tasks", "orders.intake.tasks"]
# Durable work (core.work): every task is a database row first; Celery is the fast path. A message that a
# dead worker left unacknowledged comes back after the visibility timeout; the sweep takes the job back
# sooner (its lease), so the timeout only has to outlast the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
DOCKHAND_WORK_BATCH_SIZE = env.int("DOCKHAND_WORK_BATCH_SIZE", default=50)
DOCKHAND_WORK_LEASE_SECONDS = env.int("DOCKHAND_WORK_LEASE_SECONDS", default=300)
DOCKHAND_WORK_SWEEP_GRACE_SECONDS = env.int("DOCKHAND_WORK_SWEEP_GRACE_SECONDS", default=10)
DOCKHAND_WORK_SWEEP_BUDGET_SECONDS = env.int("DOCKHAND_WORK_SWEEP_BUDGET_SECONDS", default=45)
DOCKHAND_BACKLOG_MAX_AGE_SECONDS = env.int("DOCKHAND_BACKLOG_MAX_AGE_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["core-jobs-sweep"] = {
    "task": "core.jobs_sweep", "schedule": env.float("DOCKHAND_SWEEP_SECONDS", default=60.0),
}
# Order intake: stored deliveries are durable work (core.jobs_sweep runs what a broker outage left behind);
# polling restores orders whose webhooks never came.
CELERY_BEAT_SCHEDULE["intake-sync-channels"] = {
    "task": "orders.intake.sync_channels", "schedule": env.float("INTAKE_SYNC_SECONDS", default=600.0),
}
INTAKE_WEBHOOK_MAX_BYTES = env.int("INTAKE_WEBHOOK_MAX_BYTES", default=2 * 1024 * 1024)
_ = crontab  # apps add crontab-based entries to CELERY_BEAT_SCHEDULE below
CELERY_BEAT_SCHEDULE["holds-release-due"] = {  # hold-until-date holds end on their date
    "task": "orders.tasks.holds_release_due_task",
    "schedule": crontab(minute=5),
}
# Stock figures (inventory.figures): queued changes every minute, what the calendar aged every hour, and
# every row once a night, before the digest.
CELERY_BEAT_SCHEDULE["stock-figures-refresh"] = {
    "task": "inventory.tasks.stock_summary_refresh_task", "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["stock-figures-queue-aged"] = {  # sales leaving the 30/90-day windows, hourly
    "task": "inventory.tasks.stock_summary_queue_aged_task", "schedule": crontab(minute=0),
}
CELERY_BEAT_SCHEDULE["stock-figures-rebuild-nightly"] = {
    "task": "inventory.tasks.stock_summary_rebuild_task",
    "schedule": crontab(hour=3, minute=30),
}
CELERY_BEAT_SCHEDULE["stock-digest-daily"] = {
    "task": "inventory.tasks.stock_digest_send",
    "schedule": crontab(hour=6, minute=0),
}

# --- Returns and follow-up --------------------------------------------------
# Absolute base of links in customer emails (survey, return label, return status).
DOCKHAND_PUBLIC_URL = env("DOCKHAND_PUBLIC_URL", default="http://127.0.0.1:8000")
RETURNS_SURVEY_LINK_DAYS = env.int("RETURNS_SURVEY_LINK_DAYS", default=14)
CELERY_BEAT_SCHEDULE["returns-survey-send-due"] = {
    "task": "returns.survey_send_due",
    "schedule": crontab(minute=15),  # hourly; each order is surveyed at most once
}
# Tracking to the door: carriers' webhooks arrive any time; the poll catches what webhooks missed.
CELERY_BEAT_SCHEDULE["shipping-tracking-poll"] = {
    "task": "shipping.tracking_poll_all",
    "schedule": crontab(minute="*/30"),
}

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.IsStaffOrClientUser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dockhand API",
    "DESCRIPTION": "Orders, stock and fulfilment for merchants, storefronts and warehouse staff.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One stable name per choice set, so that "status" and "kind" fields of different models don't collide.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.choices.OrderStatus",
        "ChannelKindEnum": "orders.choices.ChannelKind",
        "ServiceLevelEnum": "orders.choices.ServiceLevel",
        "PaymentStatusEnum": "orders.choices.PaymentStatus",
        "DeliverySourceEnum": "orders.choices.DeliverySource",
        "DeliveryStateEnum": "orders.choices.DeliveryState",
        "HoldKindEnum": "orders.holds.choices.HoldKind",
        "RuleRunStatusEnum": "orders.rules.choices.RuleRunStatus",
        "LocationKindEnum": "warehouses.choices.LocationKind",
        "PickListKindEnum": "shipping.choices.PickListKind",
        "PickListStatusEnum": "shipping.choices.PickListStatus",
        "ShipmentStatusEnum": "shipping.choices.ShipmentStatus",
        "ScanResultEnum": "shipping.choices.ScanResult",
        "NotificationKindEnum": "shipping.choices.NotificationKind",
        "NotificationStatusEnum": "shipping.choices.NotificationStatus",
        "MovementKindEnum": "inventory.choices.MovementKind",
        "RoleEnum": "inventory.choices.Role",
        "StockStatusEnum": "inventory.choices.StockStatus",
        "InboundStatusEnum": "inventory.choices.InboundStatus",
        "DifferenceKindEnum": "inventory.choices.DifferenceKind",
        "CountStatusEnum": "inventory.choices.CountStatus",
        "CountLineStatusEnum": "inventory.choices.CountLineStatus",
        "TransferStatusEnum": "inventory.choices.TransferStatus",
        "ReturnStatusEnum": "returns.choices.ReturnStatus",
        "ReturnReasonEnum": "returns.choices.ReturnReason",
        "ReturnSourceEnum": "returns.choices.ReturnSource",
        "ReturnResolutionEnum": "returns.choices.Resolution",
        "DispositionEnum": "returns.choices.Disposition",
        "RefundStatusEnum": "returns.choices.RefundStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Picking (shipping) -------------------------------------------------------
DOCKHAND_PICKING = {
    "cart_size": env.int("DOCKHAND_PICK_CART_SIZE", default=8),  # totes per batch cart, orders per wave list
    "batch_max_units": env.int("DOCKHAND_PICK_BATCH_MAX_UNITS", default=6),  # "small order" for batching
    "auto_release": env.bool("DOCKHAND_PICK_AUTO_RELEASE", default=True),
}
CELERY_BEAT_SCHEDULE["shipping-release-pick-lists"] = {
    "task": "shipping.tasks.pick_lists_release_all_task",
    "schedule": crontab(minute="*/10"),  # one release task per active warehouse
}
