"""Production settings whose collectstatic skips compression: the same hashed names and manifest, written in a
fraction of the time (tests/config/test_processes.py; the served files are the same)."""

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
