from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

# The demo shows the site's own error pages, as people will see them; DJANGO_DEBUG=true brings Django's debug
# pages back for development.
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# The demo loader (seed_demo) exists only here and in the tests: it creates users with a known password.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

# Serve static files straight from the apps and static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo's emails as one summary line each (the full text, base64 attachments and all, would flood `make run`).
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="core.email.SummaryConsoleEmailBackend")
