import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging, worker_process_init
from django.conf import settings

# The worker and beat of a deployment run on production settings unless told otherwise; `make worker` and
# `make beat` set config.settings.local for a laptop.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("dockhand")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Log the worker and beat through the Django settings' LOGGING (JSON lines in production), not Celery's."""
    dictConfig(settings.LOGGING)


@worker_process_init.connect
def load_geodata(**kwargs) -> None:
    """Load the offline ZIP table when a pool process starts (a third of a second or more), so that the first
    orders it routes do not wait for it."""
    from warehouses.geo import geodata_load  # noqa: PLC0415 - app code loads after Django is set up in the worker

    geodata_load()
