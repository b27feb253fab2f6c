"""A Celery worker keeps its database connection from task to task, as a web worker keeps it from request to
request, and still drops one that is broken."""

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from config.celery import app
from tests.conftest import postgres_only

pytestmark = pytest.mark.django_db(transaction=True)


class _WorkerTask:
    """A task as a pool process runs it (not eagerly); a class, as signal senders must be hashable."""

    request = SimpleNamespace(is_eager=False)


def _run_a_task(fixup: DjangoWorkerFixup, task: _WorkerTask) -> None:
    # what a pool process does around each task: the fixup's hooks and every receiver of the signals
    fixup.on_task_prerun(sender=task)
    task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")
    fixup.on_task_postrun(sender=task)


def test_the_connection_outlives_a_task():
    fixup = DjangoWorkerFixup(app)
    # A fresh connection: one left open by earlier tests may be older than CONN_MAX_AGE, and rightly closed.
    connection.close()
    connection.ensure_connection()
    opened = connection.connection

    for _ in range(3):
        _run_a_task(fixup, _WorkerTask())
        connection.ensure_connection()

    assert connection.connection is opened


@postgres_only  # Django never closes the in-memory SQLite database of the tests
def test_a_broken_connection_is_dropped_after_the_task():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    opened = connection.connection
    connection.errors_occurred = True
    connection.is_usable = lambda: False  # what a restarted database server leaves behind

    try:
        _run_a_task(fixup, _WorkerTask())
    finally:
        del connection.is_usable

    assert connection.connection is None
    connection.ensure_connection()
    assert connection.connection is not opened
