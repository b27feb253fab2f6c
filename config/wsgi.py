"""WSGI entry point for gunicorn. Production settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
_full = get_wsgi_application()

from core.handlers import LeanWSGIHandler, warm_up, wsgi_application  # noqa: E402 - needs the settings set up above

# The storefronts' signed webhooks skip the page middleware (core/handlers.py); every other path takes all.
application = wsgi_application(_full, LeanWSGIHandler(), tuple(settings.LEAN_URL_PREFIXES))

# Import the views and the tasks now, at the worker's start, not in its first requests: otherwise a fresh
# worker (at a deploy, or after max_requests) holds its first burst of webhooks for a second or more.
warm_up()
