"""Production: every value that must not be guessed comes from the environment, checked before anything starts.

A missing or unsafe value stops the process with one ImproperlyConfigured that lists every problem, so a
deploy fails at its release step instead of serving with a development secret, on SQLite, or with emails that
go nowhere.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from core.email import NON_DELIVERING_EMAIL_BACKENDS

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, LOGGING, SECRET_KEY_DEVELOPMENT, env

_problems: list[str] = []

DEBUG = False
if env.bool("DJANGO_DEBUG", default=False):
    _problems.append("DJANGO_DEBUG is on: production never runs with DEBUG (it shows settings and code to anyone).")

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    _problems.append("DJANGO_SECRET_KEY is not set: use 50 or more random characters, kept secret.")
elif SECRET_KEY == SECRET_KEY_DEVELOPMENT or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    _problems.append("DJANGO_SECRET_KEY is too weak: use 50 or more random characters (not the development key).")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    _problems.append("DJANGO_ALLOWED_HOSTS is not set: list the host names Dockhand answers to, comma-separated.")

if not env("DATABASE_URL", default=""):
    _problems.append("DATABASE_URL is not set: production runs on PostgreSQL (postgres://user:pass@host:5432/db).")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _problems.append("DATABASE_URL points at SQLite: production runs on PostgreSQL (row locks, concurrent writers).")

if not env("REDIS_URL", default=""):
    _problems.append("REDIS_URL is not set: the worker and beat need a broker (redis://host:6379/0).")

# An email backend that only writes to the log is allowed on purpose only (a staging site); then no email is
# ever recorded as sent.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="")
_not_delivering = NON_DELIVERING_EMAIL_BACKENDS | {"django.core.mail.backends.locmem.EmailBackend"}
if env.bool("DOCKHAND_ALLOW_CONSOLE_EMAIL", default=False):
    EMAIL_BACKEND = EMAIL_BACKEND or "django.core.mail.backends.console.EmailBackend"
    EMAIL_DELIVERS = EMAIL_BACKEND not in _not_delivering
elif not EMAIL_BACKEND or EMAIL_BACKEND in _not_delivering:
    _problems.append(
        "DJANGO_EMAIL_BACKEND is not a delivering backend: set django.core.mail.backends.smtp.EmailBackend with "
        "EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD (or set DOCKHAND_ALLOW_CONSOLE_EMAIL=true to "
        "run without email on purpose: emails are then logged and marked not sent)."
    )
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
SERVER_EMAIL = env("DJANGO_SERVER_EMAIL", default=env("DJANGO_DEFAULT_FROM_EMAIL", default="root@localhost"))

# Links in customer emails (surveys, return labels) must point at the real site, not at a laptop.
DOCKHAND_PUBLIC_URL = env("DOCKHAND_PUBLIC_URL", default="").rstrip("/")
_public = urlsplit(DOCKHAND_PUBLIC_URL)
if not DOCKHAND_PUBLIC_URL:
    _problems.append("DOCKHAND_PUBLIC_URL is not set: the site's public address, e.g. https://dockhand.example.com "
                     "(links in customer emails start with it).")
elif _public.scheme not in ("http", "https") or not _public.hostname:
    _problems.append(f"DOCKHAND_PUBLIC_URL={DOCKHAND_PUBLIC_URL!r} is not an http(s) address.")
elif _public.hostname in ("localhost", "0.0.0.0", "::1") or _public.hostname.startswith("127."):
    _problems.append(f"DOCKHAND_PUBLIC_URL={DOCKHAND_PUBLIC_URL!r} is a local address: customers cannot open it.")

if _problems:
    raise ImproperlyConfigured(
        "Dockhand's production settings refuse to start:\n" + "\n".join(f"  - {p}" for p in _problems)
        + "\nSee the README's Production section for every variable."
    )

# The demo loader creates users with a known password: never here, even if base.py ever lists it.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The load balancer's probes come over plain HTTP from inside; they must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^livez/$", r"^readyz/$", r"^healthz/$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": DOCUMENT_STORAGE,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line on stderr, for the log collector; the worker and beat use it too (config/celery.py).
LOGGING = {**LOGGING, "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                                 "filters": ["request_context"]}}}
