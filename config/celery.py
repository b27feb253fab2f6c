import os

from celery import Celery
from celery.signals import setup_logging

# The worker and beat of a deployment run on production settings unless told otherwise; `make worker` and
# `make beat` set config.settings.local for a laptop.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("dockhand")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Log the worker and beat through the Django settings' LOGGING (JSON lines in production), not Celery's."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
