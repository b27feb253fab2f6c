import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init
from django.conf import settings
from django.db import close_old_connections

# The worker and beat of a deployment run on production settings unless told otherwise; `make worker` and
# `make beat` set config.settings.local for a laptop.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("dockhand")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes the database connection after every task unless told to reuse it, and a new
# PostgreSQL connection costs both sides more CPU than most tasks do. Connections are kept as a web worker
# keeps them instead: closed when older than CONN_MAX_AGE or broken (close_old_connections, around each
# task). The fixup still closes them after this many tasks.
app.conf.CELERY_DB_REUSE_MAX = 1000


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Log the worker and beat through the Django settings' LOGGING (JSON lines in production), not Celery's."""
    dictConfig(settings.LOGGING)


@worker_process_init.connect
def pool_process_ready(**kwargs) -> None:
    """Load the offline ZIP table when a pool process starts (a third of a second or more), so that the first
    orders it routes do not wait for it; then set start-up's objects aside from the garbage collector."""
    from core.handlers import collector_settle  # noqa: PLC0415 - app code loads after Django is set up in the worker
    from warehouses.geo import geodata_load  # noqa: PLC0415 - as above

    geodata_load()
    collector_settle()


@task_prerun.connect
@task_postrun.connect
def database_connections_recycle(sender=None, **kwargs) -> None:
    """Close a connection that is broken or older than CONN_MAX_AGE, as Django does around a request."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside its caller's request or transaction
    close_old_connections()
