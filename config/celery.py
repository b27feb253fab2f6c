import os

from celery import Celery

# The worker and beat of a deployment run on production settings unless told otherwise; `make worker` and
# `make beat` set config.settings.local for a laptop.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("dockhand")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
