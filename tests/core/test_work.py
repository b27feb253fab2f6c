"""Durable work (core.work): the job row is the record, Celery only the fast path."""

import datetime
import threading

import pytest
from celery import shared_task
from django.db import DataError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.celery import app as celery_app
from core import work
from core.choices import JobState
from core.exceptions import DomainError
from core.models import Job
from core.tasks import job_run_task
from core.work import (
    MAX_ATTEMPTS,
    backlog_problems,
    job_retry,
    job_run,
    jobs_sweep,
    wait_for_dispatches,
    work_attempt_is_final,
    work_backlog,
    work_enqueue,
    work_register,
)
from tests.concurrency import run_together
from tests.conftest import postgres_only

pytestmark = pytest.mark.django_db

CALLS: list[int] = []
OUTCOMES: dict[int, BaseException | None] = {}
FINAL_SEEN: list[bool] = []
RECORDED_FAILURES: list[tuple[int, str]] = []
BATCHES: list[list[int]] = []


@shared_task(name="tests.core.record")
def record_task(object_id: int) -> None:
    CALLS.append(object_id)
    FINAL_SEEN.append(work_attempt_is_final())
    outcome = OUTCOMES.get(object_id)
    if outcome is not None:
        raise outcome


@shared_task(name="tests.core.batch")
def batch_task(object_id: int) -> None:  # never called: the batch handler does the work
    raise AssertionError("the batch handler should have run")


def _batch(ids: list[int]) -> dict[int, BaseException]:
    BATCHES.append(list(ids))
    return {i: OUTCOMES[i] for i in ids if OUTCOMES.get(i) is not None}


def _recorded(object_id: int, message: str) -> bool:
    RECORDED_FAILURES.append((object_id, message))
    return True


@shared_task(name="tests.core.owned")
def owned_task(object_id: int) -> None:
    raise DomainError("That cannot be done.")


work_register(record_task, label="Recorded work")
work_register(batch_task, label="Batched work", batch=_batch)
work_register(owned_task, label="Owned failures", on_failure=_recorded)


@pytest.fixture(autouse=True)
def _clean():
    for store in (CALLS, FINAL_SEEN, RECORDED_FAILURES, BATCHES):
        store.clear()
    OUTCOMES.clear()


@pytest.fixture
def published(monkeypatch) -> list:
    """The messages the fast path hands to the broker (recorded, not sent), with tasks no longer eager."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    messages = []
    monkeypatch.setattr(job_run_task, "apply_async", lambda args, **kwargs: messages.append(args))
    return messages


def later(minutes: int = 60 * 24) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_work_runs_after_commit_and_its_row_is_gone(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            work_enqueue(record_task, 7)
            assert Job.objects.get().state == JobState.PENDING  # written with the change that needs it
            assert CALLS == []

    assert CALLS == [7]
    assert not Job.objects.exists()


def test_work_of_a_rolled_back_transaction_never_exists(django_capture_on_commit_callbacks):
    def failing_change():
        with transaction.atomic():
            work_enqueue(record_task, 7)
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_change()

    assert callbacks == []
    assert not Job.objects.exists()
    assert CALLS == []


def test_asking_twice_before_it_runs_is_one_job():
    work_enqueue(record_task, 7)
    work_enqueue(record_task, 7)
    work_enqueue(record_task, 8)

    assert sorted(Job.objects.values_list("object_id", flat=True)) == [7, 8]


def test_a_passing_fault_is_retried_with_growing_delays_then_fails():
    OUTCOMES[7] = OperationalError("server closed the connection")
    work_enqueue(record_task, 7)

    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = timezone.now()
        assert job_run("tests.core.record", 7, now=later()) == 1
        job = Job.objects.get()
        assert job.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert job.state == JobState.PENDING
            delays.append(job.run_after - before)
    assert job.state == JobState.FAILED
    assert job.last_error == "OperationalError: server closed the connection"
    assert delays == sorted(delays)
    assert delays[0] >= datetime.timedelta(seconds=59)
    assert FINAL_SEEN == [False] * (MAX_ATTEMPTS - 1) + [True]


@pytest.mark.parametrize("error", [DataError("integer out of range"), ValueError("NUL"),
                                   DomainError("Unknown SKU")])
def test_bad_data_fails_at_once_and_is_not_retried(error):
    OUTCOMES[7] = error
    work_enqueue(record_task, 7)

    job_run("tests.core.record", 7)

    job = Job.objects.get()
    assert (job.state, job.attempts) == (JobState.FAILED, 1)
    assert job_run("tests.core.record", 7, now=later()) == 0
    assert CALLS == [7]


def test_a_task_that_records_its_own_failure_leaves_no_failed_job():
    work_enqueue(owned_task, 3)

    job_run("tests.core.owned", 3)

    assert RECORDED_FAILURES == [(3, "That cannot be done.")]
    assert not Job.objects.exists()


def test_a_manager_retries_a_failed_job(django_capture_on_commit_callbacks):
    OUTCOMES[7] = ValueError("bad")
    work_enqueue(record_task, 7)
    job_run("tests.core.record", 7)
    job = Job.objects.get()
    OUTCOMES.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert job_retry(job_id=job.pk)

    assert CALLS == [7, 7]
    assert not Job.objects.exists()
    assert not job_retry(job_id=job.pk)


def test_a_batch_task_takes_the_oldest_due_jobs_together_and_keeps_the_failures():
    for i in range(1, 6):
        work_enqueue(batch_task, i)
    OUTCOMES[3] = OperationalError("deadlock detected")

    assert job_run("tests.core.batch", 1, limit=4) == 4

    assert BATCHES == [[1, 2, 3, 4]]
    left = dict(Job.objects.values_list("object_id", "state"))
    assert left == {3: JobState.PENDING, 5: JobState.PENDING}
    assert Job.objects.get(object_id=3).run_after > timezone.now()


def test_the_sweep_takes_back_the_job_of_a_dead_worker():
    work_enqueue(record_task, 7)
    Job.objects.update(state=JobState.RUNNING, lease_expires_at=timezone.now() - datetime.timedelta(seconds=1),
                       attempts=1)  # claimed by a worker that was killed before it finished

    ran = jobs_sweep(now=timezone.now() + datetime.timedelta(minutes=1))

    assert ran == 1
    assert CALLS == [7]
    assert not Job.objects.exists()


def test_the_sweep_leaves_a_job_whose_lease_is_still_running():
    work_enqueue(record_task, 7)
    Job.objects.update(state=JobState.RUNNING, lease_expires_at=timezone.now() + datetime.timedelta(minutes=5))

    assert jobs_sweep(now=timezone.now()) == 0
    assert CALLS == []


def test_the_sweep_gives_the_fast_path_its_grace_first():
    work_enqueue(record_task, 7)

    assert jobs_sweep(now=timezone.now()) == 0
    assert jobs_sweep(now=timezone.now() + work.sweep_grace() + datetime.timedelta(seconds=1)) == 1


def test_the_backlog_counts_each_kind_and_the_age_of_the_oldest_due_job():
    for i in range(3):
        work_enqueue(record_task, i)
    now = timezone.now()
    Job.objects.filter(object_id=0).update(run_after=now - datetime.timedelta(minutes=20))
    work_enqueue(batch_task, 1, delay=datetime.timedelta(hours=1))  # waiting for a retry: not due
    Job.objects.create(task="tests.core.owned", object_id=9, state=JobState.FAILED, last_error="x")

    rows = {row.task: row for row in work_backlog(now=now)}

    recorded = rows["tests.core.record"]
    assert (recorded.label, recorded.pending, recorded.due, recorded.failed) == ("Recorded work", 3, 3, 0)
    assert recorded.oldest_due_seconds(now) == pytest.approx(20 * 60, abs=1)
    assert (rows["tests.core.batch"].pending, rows["tests.core.batch"].due) == (1, 0)
    assert rows["tests.core.owned"].failed == 1
    problems = backlog_problems(now=now, max_age=datetime.timedelta(minutes=10))
    assert len(problems) == 1
    assert problems == ["Recorded work: 3 job(s) due, the oldest waiting 20 min"]
    assert backlog_problems(now=now, max_age=datetime.timedelta(minutes=30)) == []


def test_a_broker_that_refuses_never_fails_the_commit(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    def refused(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(job_run_task, "apply_async", refused)
    with django_capture_on_commit_callbacks(execute=True):
        work_enqueue(record_task, 7)
    assert wait_for_dispatches()

    assert Job.objects.get().state == JobState.PENDING
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    assert jobs_sweep(now=later(1)) == 1
    assert CALLS == [7]


def test_a_frozen_broker_never_delays_the_commit(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    unfrozen = threading.Event()
    published = []

    def frozen(args, **kwargs):
        published.append(args)
        unfrozen.wait(10)

    monkeypatch.setattr(job_run_task, "apply_async", frozen)
    with django_capture_on_commit_callbacks(execute=True):
        work_enqueue(record_task, 7)
    assert not wait_for_dispatches(timeout=0.2)  # still stuck in the background
    unfrozen.set()
    assert wait_for_dispatches()
    assert published == [["tests.core.record", 7]]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_job():
    for i in range(40):
        work_enqueue(batch_task, i)

    run_together([lambda: job_run("tests.core.batch", limit=10) for _ in range(6)])

    ran = [i for batch in BATCHES for i in batch]
    assert sorted(ran) == list(range(40))
    assert not Job.objects.exists()


def test_jobs_of_a_batch_task_committed_while_its_message_waits_share_that_message(
        monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    unfrozen = threading.Event()
    published = []

    def slow_broker(args, **kwargs):
        published.append(args)
        unfrozen.wait(10)

    monkeypatch.setattr(job_run_task, "apply_async", slow_broker)
    with django_capture_on_commit_callbacks(execute=True):
        work_enqueue(batch_task, 1)  # its message is being published (the broker is slow)
    for i in range(2, 6):
        with django_capture_on_commit_callbacks(execute=True):
            work_enqueue(batch_task, i)
    unfrozen.set()
    assert wait_for_dispatches()

    assert published in ([["tests.core.batch", None]], [["tests.core.batch", None]] * 2)
    assert Job.objects.filter(task="tests.core.batch").count() == 5


def test_a_waiting_message_goes_at_once_when_it_stands_for_a_full_batch(
        published, settings, django_capture_on_commit_callbacks):
    # A lone job's message lingers, so that the jobs of a burst share it; a burst fills a batch, and then
    # its message goes without waiting out the linger.
    settings.DOCKHAND_WORK_PUBLISH_LINGER_MS = 20_000
    settings.DOCKHAND_WORK_BATCH_SIZE = 3
    for i in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            work_enqueue(batch_task, i)
    assert not wait_for_dispatches(timeout=0.3)  # two jobs: the message lingers
    assert published == []

    with django_capture_on_commit_callbacks(execute=True):
        work_enqueue(batch_task, 3)
    assert wait_for_dispatches(timeout=5)  # three: a full batch, published at once
    assert published == [["tests.core.batch", None]]

    settings.DOCKHAND_WORK_BATCH_SIZE = 1  # a job after that message asks for a message of its own, full at once
    with django_capture_on_commit_callbacks(execute=True):
        work_enqueue(batch_task, 4)
    assert wait_for_dispatches(timeout=5)
    assert published == [["tests.core.batch", None]] * 2


def test_a_full_batch_hands_on_a_message_so_no_job_of_a_burst_waits_for_the_sweep(published):
    # A burst's jobs share messages: one message may stand for more jobs than a batch. The worker that
    # claims a full batch publishes another message, so the rest are taken at once (by another worker
    # meanwhile), not a minute later by the sweep.
    for i in range(1, 8):
        work_enqueue(batch_task, i)

    job_run("tests.core.batch", limit=3)  # the burst's one message
    assert wait_for_dispatches()
    while published:  # each message handed on runs the task once, as a worker would
        published.pop()
        job_run("tests.core.batch", limit=3)
        assert wait_for_dispatches()

    assert BATCHES == [[1, 2, 3], [4, 5, 6], [7]]
    assert not Job.objects.exists()


def test_a_full_batch_hands_on_no_message_when_nothing_more_is_due(published):
    for i in range(1, 7):
        work_enqueue(batch_task, i)

    assert job_run("tests.core.batch", limit=3) == 3
    assert wait_for_dispatches()
    assert published == [["tests.core.batch", None]]  # three more are due
    published.clear()
    assert job_run("tests.core.batch", limit=3) == 3
    assert wait_for_dispatches()

    assert published == []  # the last of them: no worker is woken to claim nothing
    assert BATCHES == [[1, 2, 3], [4, 5, 6]]
