"""A Celery app for the beat-lock test: no Django, one entry due every 0.2 s whose argument names the beat.

    BEAT_TEST_BROKER=redis://127.0.0.1:PORT/0 BEAT_NAME=a celery -A tests.fakes.beat_app beat \
        -S config.beat.LockedPersistentScheduler -s /tmp/schedule-a
"""

import os

from celery import Celery

app = Celery("beat-lock-test", broker=os.environ["BEAT_TEST_BROKER"], set_as_current=True)
app.conf.update(
    beat_schedule={"ping": {"task": "beat_lock_test.ping", "schedule": 0.2, "args": [os.environ["BEAT_NAME"]]}},
    beat_lock_seconds=float(os.environ.get("BEAT_LOCK_SECONDS", "2")),
    beat_max_loop_interval=1,
    broker_connection_retry_on_startup=True,
)
