"""Settings shared by every environment; values come from the environment (12-factor)."""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.storage import s3_document_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Development only: production.py refuses to start with it (or without DJANGO_SECRET_KEY).
SECRET_KEY_DEVELOPMENT = "dockhand-insecure-development-key-change-me-in-production-0123456789"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=SECRET_KEY_DEVELOPMENT)
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
    "axes",
    "csp",
    "django_prometheus",
    # Layered apps, lowest first: each imports only from those above it in this list.
    "core",
    "warehouses",
    "inventory",
    "orders",
    "shipping",
    "returns",
    "billing",
    "reports",
    # "demo" (seed_demo: demo users with a known password) is added by local.py and test.py only.
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into the lockout response.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The storefronts' webhooks (signed with HMAC, answered with JSON) take only these (core/handlers.py):
# metrics, the request id in the logs, the HTTPS redirect and headers, and the Host check (ALLOWED_HOSTS).
LEAN_URL_PREFIXES = ["/webhooks/shopify/", "/webhooks/woocommerce/"]
LEAN_MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.navigation",
            ],
            # Every template may translate and ask whether a link's page lets the user in.
            "builtins": ["django.templatetags.i18n", "core.templatetags.access_tags"],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL counts as unset (production.py then refuses to start).
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Let concurrent writers (web + eager tasks + simulator) wait instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
# The webhook's INSERT runs as a prepared statement (core.db.prepared_cursor). Turn this off behind a pooler in
# transaction mode that does not carry prepared statements (PgBouncer before 1.21, or without
# max_prepared_statements).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
# Each user picks one (core.UserProfile.language, in the user menu); many US warehouse teams work in Spanish.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Generated documents (pick lists, labels, packing slips, manifests, return labels) and client logos are private:
# stored through STORAGES["default"] and served only by access-checked views (core.documents); no URL serves
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
    DOCUMENT_STORAGE = {"BACKEND": "core.storage.PrivateFileSystemStorage"}
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
# Whether the backend reaches anyone; unset, core.email judges by the backend (console, file, dummy: no).
EMAIL_DELIVERS = env.bool("DJANGO_EMAIL_DELIVERS", default=None)
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
# One beat sends, however many are started: the others wait on a Redis lock (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat.LockedPersistentScheduler"
CELERY_BEAT_LOCK_SECONDS = env.int("CELERY_BEAT_LOCK_SECONDS", default=60)
CELERY_IMPORTS = ["core.tasks", "orders.intake.tasks", "orders.stock_sync.tasks"]
# Durable work (core.work): every task is a database row first; Celery is the fast path. A message that a
# dead worker left unacknowledged comes back after the visibility timeout; the sweep takes the job back
# sooner (its lease), so the timeout only has to outlast the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
DOCKHAND_WORK_BATCH_SIZE = env.int("DOCKHAND_WORK_BATCH_SIZE", default=100)
DOCKHAND_WORK_PUBLISH_LINGER_MS = env.int("DOCKHAND_WORK_PUBLISH_LINGER_MS", default=250)
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
# Stock sync to the storefronts (orders.stock_sync): a push waits this long after the first change, so that a
# burst becomes one push per channel; every night the storefronts' figures are read and corrected.
DOCKHAND_STOCK_SYNC_DEBOUNCE_SECONDS = env.int("DOCKHAND_STOCK_SYNC_DEBOUNCE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["stock-sync-reconcile-nightly"] = {
    "task": "orders.stock_sync.reconcile_all", "schedule": crontab(hour=2, minute=40),
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
# Billing: last night's storage (and any missed night, from the ledger), and every client's draft invoice on
# the 1st; both run through durable work (core.work) and are safe to run twice.
CELERY_BEAT_SCHEDULE["billing-storage-snapshot"] = {
    "task": "billing.tasks.storage_snapshot_nightly_task", "schedule": crontab(hour=0, minute=20),
}
CELERY_BEAT_SCHEDULE["billing-invoices-draft-monthly"] = {
    "task": "billing.tasks.invoices_draft_monthly_task", "schedule": crontab(day_of_month=1, hour=2, minute=0),
}
CELERY_BEAT_SCHEDULE["shipping-tracking-poll"] = {
    "task": "shipping.tracking_poll_all",
    "schedule": crontab(minute="*/30"),
}

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.token_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.IsStaffOrClientUser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Nesting bounded, NUL and lone surrogates refused: a 400, never a 500 (core/json_input.py).
    "DEFAULT_PARSER_CLASSES": ["core.json_input.CheckedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.AnonRateThrottle", "core.throttles.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("DOCKHAND_API_ANON_RATE", default="30/minute"),
        "user": env("DOCKHAND_API_USER_RATE", default="600/minute"),
    },
}
DOCKHAND_JSON_MAX_DEPTH = env.int("DOCKHAND_JSON_MAX_DEPTH", default=64)
# API tokens stop working this long after they were issued; a new POST to /api/v1/auth/token/ issues a new one.
DOCKHAND_API_TOKEN_HOURS = env.float("DOCKHAND_API_TOKEN_HOURS", default=24 * 7)
# true: the OpenAPI schema and the docs pages need a login (session or token).
DOCKHAND_API_DOCS_REQUIRE_LOGIN = env.bool("DOCKHAND_API_DOCS_REQUIRE_LOGIN", default=False)
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
        "HoldKindEnum": "orders.choices.HoldKind",
        "RuleRunStatusEnum": "orders.choices.RuleRunStatus",
        "LocationKindEnum": "warehouses.choices.LocationKind",
        "PickListKindEnum": "shipping.choices.PickListKind",
        "PickListStatusEnum": "shipping.choices.PickListStatus",
        "ShipmentStatusEnum": "shipping.choices.ShipmentStatus",
        "ScanResultEnum": "shipping.choices.ScanResult",
        "NotificationKindEnum": "shipping.choices.NotificationKind",
        "NotificationStatusEnum": "shipping.choices.NotificationStatus",
        "MovementKindEnum": "inventory.choices.MovementKind",
        "RoleEnum": "core.choices.Role",
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
        "CaseStatusEnum": "returns.choices.CaseStatus",
        "TrackingStatusEnum": "shipping.choices.TrackingStatus",
        "PrintJobStatusEnum": "shipping.choices.PrintJobStatus",
        "InvoiceStatusEnum": "billing.choices.InvoiceStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.log_context.RequestContextFilter"},
                "refusal_without_traceback": {"()": "core.log_context.RefusalWithoutTraceback"}},
    "formatters": {"json": {"()": "core.log_context.JsonFormatter"}},
    # DJANGO_LOG_FORMAT=json gives JSON lines here too; production.py always logs JSON.
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_context"],
                             **({"formatter": "json"} if env("DJANGO_LOG_FORMAT", default="") == "json" else {})}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # Django's own console handler (DEBUG only) would print every django.* line a second time through the root.
    "loggers": {"django": {"handlers": [], "propagate": True},
                "django.request": {"filters": ["refusal_without_traceback"]}},
}

# --- Caches (API throttle counters) ------------------------------------------------------------------------
# Shared across processes through Redis when there is one; a Redis outage lets requests through unthrottled
# (core/throttles.py) rather than failing them.
CACHE_URL = env("DJANGO_CACHE_URL", default=REDIS_URL)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "dockhand",
        # One try, half a second at most: the cache holds only throttle counters, and a request must not wait
        # on a frozen Redis through the client's default retries.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)},
    }

# --- Login protection (django-axes) -------------------------------------------------------------------------
# /login/, /admin/login/ and /api/v1/auth/token/ all authenticate through these backends, so one count covers all.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DOCKHAND_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("DOCKHAND_LOGIN_COOLOFF_MINUTES", default=15))
# A username is locked from the address that failed, not everywhere: an attacker cannot lock a packer out
# of the warehouse floor by guessing from elsewhere. The API throttles bound guessing across many usernames.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.lockout.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # keep failures and lockouts only, not a row per successful login
# How many proxies (load balancer, nginx) put their address in X-Forwarded-For in front of Dockhand.
DOCKHAND_TRUSTED_PROXY_COUNT = env.int("DOCKHAND_TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = DOCKHAND_TRUSTED_PROXY_COUNT  # the throttles read the client address the same way

# --- Content-Security-Policy (django-csp) --------------------------------------------------------------------
# Scripts only from our own static files: no inline script, no handlers in attributes. Inline styles stay
# allowed (style attributes in pages, and Swagger UI's and htmx's own); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Metrics and error reporting ------------------------------------------------------------------------------
# /metrics (Prometheus): set a token to require `Authorization: Bearer <token>`, or keep it off the internet.
DOCKHAND_METRICS_TOKEN = env("DOCKHAND_METRICS_TOKEN", default="")
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core.error_reporting import error_reporting_init

    error_reporting_init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"),
                         release=env("DOCKHAND_RELEASE", default="") or None,
                         traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))

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
