"""Durable asynchronous work: a Job row is the record, Celery is only the fast path.

A service that needs work done later calls `work_enqueue(task, object_id)` inside its transaction. The Job
row commits (or rolls back) with the change that needs it; after commit the job is handed to Celery from a
small background thread pool, so a slow, frozen or absent broker never delays or fails the request. A worker
claims due jobs (`SELECT ... FOR UPDATE SKIP LOCKED`, so any number of workers on any number of machines
share them), runs the task's code in-process and deletes the row. The beat task `core.jobs_sweep` runs every
minute: it takes back the jobs of workers that died (their lease expired) and runs whatever the fast path
missed (a broker outage, a lost message). Without a broker (CELERY_TASK_ALWAYS_EAGER, the demo and the tests)
the job runs inline right after commit.

Errors are sorted: bad data (a value the database refuses, a payload that cannot be read, a business rule)
fails the job at once with its message; anything else is retried with growing delays, then failed. A task may
register a handler that records the failure on its own object (a webhook delivery's page, say); otherwise the
failed job stays on the backlog page for a person to retry.

Tasks take one id, load fresh rows and are safe to run twice: a job may run again after a crash between its
work and the deletion of its row.
"""

from __future__ import annotations

import contextvars
import importlib
import importlib.util
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from core.choices import JobState
from core.db import prepared_cursor
from core.models import Job

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
                timedelta(hours=4)]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Errors that will be the same on every attempt: retrying them only delays the message a person needs.
PERMANENT_ERRORS = (DataError, ValidationError, ValueError, TypeError, ArithmeticError, LookupError)


def _setting(name: str, default):
    return getattr(settings, name, default)


def batch_size() -> int:
    return _setting("DOCKHAND_WORK_BATCH_SIZE", 100)


def lease() -> timedelta:
    """How long a claimed job is a worker's before the sweep takes it back (longer than any one job)."""
    return timedelta(seconds=_setting("DOCKHAND_WORK_LEASE_SECONDS", 300))


def sweep_grace() -> timedelta:
    """How long the fast path has before the sweep runs a job itself."""
    return timedelta(seconds=_setting("DOCKHAND_WORK_SWEEP_GRACE_SECONDS", 10))


# --- what the apps register -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkKind:
    label: str
    batch: Callable[[list[int]], dict[int, BaseException] | None] | None = None
    on_failure: Callable[[int, str], bool] | None = None


_kinds: dict[str, WorkKind] = {}


def work_register(task, *, label: str, batch: Callable | None = None, on_failure: Callable | None = None) -> None:
    """Describe a task's work: a label for the backlog, optionally a batch handler and a failure recorder.

    `batch(ids)` does many jobs in one call and returns {id: exception} for the ones that failed (each with
    its own transaction, so one failure does not undo the others). `on_failure(id, message)` records a
    permanent failure on the task's own object and returns True, so the job row is not kept as well.
    """
    _kinds[_name(task)] = WorkKind(label=label, batch=batch, on_failure=on_failure)


def work_label(task_name: str) -> str:
    kind = _kinds.get(task_name)
    return kind.label if kind else task_name


def _name(task) -> str:
    return task if isinstance(task, str) else task.name


# --- enqueue and the fast path --------------------------------------------------------------------------


def work_enqueue(task, object_id: int, *, delay: timedelta | None = None) -> None:
    """Record work for `task(object_id)` in the current transaction and hand it to Celery after commit.

    Asking again before the job has started is a no-op (one pending job per task and id). With `delay` the
    job waits that long and is left to the sweep.
    """
    work_enqueue_many(task, [object_id], delay=delay)


def work_expedite(task, object_id: int) -> None:
    """Queue `task(object_id)` to run now, bringing forward a job that waits for its next attempt."""
    Job.objects.filter(task=_name(task), object_id=object_id, state=JobState.PENDING).update(
        run_after=timezone.now())
    work_enqueue(task, object_id)


def work_enqueue_many(task, object_ids: Iterable[int], *, delay: timedelta | None = None) -> None:
    """work_enqueue for many ids of one task, in one statement."""
    name = _name(task)
    ids = sorted(set(object_ids))
    if not ids:
        return
    now = timezone.now()
    run_after = now + delay if delay else now
    Job.objects.bulk_create([Job(task=name, object_id=i, run_after=run_after, created_at=now) for i in ids],
                            ignore_conflicts=True)
    if delay:
        return
    for object_id in ids:
        transaction.on_commit(partial(_dispatch, name, object_id))


def work_insert_enqueue(task, *, table: str, values: dict) -> int | None:
    """INSERT one row into `table` (column: value) and record `task(its id)`, both in one statement.

    For the hottest writes (a storefront's webhook): one round trip and no model instances. A row that
    breaks a unique constraint is not inserted (ON CONFLICT DO NOTHING), and then no job is written either.
    Returns the new row's id, or None when nothing was inserted. The job is handed to Celery after commit,
    as work_enqueue does.
    """
    name = _name(task)
    quote = connection.ops.quote_name
    now = timezone.now()
    columns = ", ".join(quote(column) for column in values)
    marks = ", ".join(["%s"] * len(values))
    insert = (f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING "
              f"RETURNING {quote('id')}")
    if connection.vendor != "postgresql":  # no INSERT inside WITH: two statements in one transaction
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert, list(values.values()))
            row = cursor.fetchone()
            if row is not None:
                work_enqueue(name, row[0])
        return row[0] if row else None
    sql = (f"WITH stored AS ({insert}), job AS (INSERT INTO {quote(Job._meta.db_table)} (task, object_id, state, "
           f"attempts, run_after, last_error, created_at, updated_at) SELECT %s, stored.id, %s, 0, %s, '', %s, %s "
           f"FROM stored ON CONFLICT DO NOTHING) SELECT id FROM stored")
    with prepared_cursor() as cursor:  # one fixed statement per table, on every webhook
        cursor.execute(sql, [*values.values(), name, JobState.PENDING, now, now, now])
        row = cursor.fetchone()
    if row is None:
        return None
    transaction.on_commit(partial(_dispatch, name, row[0]))
    return row[0]


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: set[Future] = set()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="work-dispatch")
        return _executor


def _publish(task_name: str, object_id: int | None) -> None:
    from core.tasks import job_run_task  # noqa: PLC0415 - core.tasks runs core.work: the hand-over to Celery

    try:
        # retry=False: fail fast; the sweep is the retry.
        job_run_task.apply_async(args=[task_name, object_id], retry=False)
    except Exception:
        logger.warning("Could not hand %s(%s) to the broker; the sweep will run it", task_name, object_id,
                       exc_info=True)


class _WaitingPublish:
    """A batch task's message that lingers, and how many committed jobs it stands for so far."""

    def __init__(self) -> None:
        self.jobs = 0
        self.full = threading.Event()

    def add(self) -> None:
        """One more committed job rides on this message; a full batch's worth sends it now."""
        self.jobs += 1
        if self.jobs >= batch_size():
            self.full.set()


_publishes_waiting: dict[str, _WaitingPublish] = {}


def _publish_batch(task_name: str, waiting: _WaitingPublish) -> None:
    # Lingering lets the jobs of a burst (a storefront's flash sale) share one message, so that a worker
    # claims them as one batch: a batch's fixed cost (its claim, the products, rules and history it reads,
    # each statement's round trip) is most of an order's when batches are small. The message goes as soon
    # as it stands for a full batch, so a burst never waits for the linger; a lone job waits for it whole.
    waiting.full.wait(_setting("DOCKHAND_WORK_PUBLISH_LINGER_MS", 250) / 1000)
    with _executor_lock:
        if _publishes_waiting.get(task_name) is waiting:  # from now on a committed job asks for a new message
            del _publishes_waiting[task_name]
    _publish(task_name, None)


def _dispatch(task_name: str, object_id: int | None) -> None:
    """Start a committed job: inline without a broker, else published from a background thread.

    A batch task needs one message for any number of its jobs (the worker claims a batch of the due ones),
    so while a message for it waits to be published, jobs committed meanwhile ride on that one.
    """
    if current_app.conf.task_always_eager:
        try:  # the job just committed, on its own (a manager's retry of one job runs that job)
            job_run(task_name, object_id, limit=1 if object_id is not None else None)
        except Exception:  # the job row keeps its state; the sweep runs it again
            logger.exception("Running %s(%s) failed", task_name, object_id)
        return
    work_tasks_load()
    kind = _kinds.get(task_name)
    if kind and kind.batch:
        with _executor_lock:
            waiting = _publishes_waiting.get(task_name)
            first = waiting is None
            if first:
                waiting = _publishes_waiting[task_name] = _WaitingPublish()
            waiting.add()
        if first:
            _in_background(_publish_batch, task_name, waiting)
    else:
        _in_background(_publish, task_name, object_id)


def _in_background(function: Callable, *args) -> None:
    """Run a publish on the dispatch thread pool (wait_for_dispatches waits for it)."""
    future = _pool().submit(function, *args)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def wait_for_dispatches(timeout: float = 5.0) -> bool:
    """Wait until every background publish so far has finished (for tests and benchmarks)."""
    _done, not_done = wait(list(_pending), timeout=timeout)
    return not not_done


# --- claiming and running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    pk: int
    object_id: int
    attempts: int


def _claim(task_name: str, *, object_id: int | None, limit: int, now: datetime) -> tuple[list[Claimed], bool]:
    """Claim up to `limit` due jobs; also says whether more were due than that (locked by no other worker)."""
    lease_until = now + lease()
    if connection.vendor == "postgresql":
        # One statement, outside any transaction: take the oldest due jobs no other worker holds (SKIP
        # LOCKED), mark them running and return them. A worker claims often; this is one round trip. One job
        # more than the batch is locked for the statement's length, to tell whether another batch is due.
        table = connection.ops.quote_name(Job._meta.db_table)
        only = " AND object_id = %s" if object_id is not None else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH due AS (SELECT id, run_after FROM {table} WHERE task = %s AND state = %s "
                f"AND run_after <= %s{only} ORDER BY run_after, id LIMIT %s FOR UPDATE SKIP LOCKED) "
                f"UPDATE {table} SET state = %s, attempts = attempts + 1, lease_expires_at = %s WHERE id IN "
                "(SELECT id FROM due ORDER BY run_after, id LIMIT %s) "
                "RETURNING id, object_id, attempts, run_after, (SELECT count(*) FROM due)",
                [task_name, JobState.PENDING, now, *([object_id] if object_id is not None else []), limit + 1,
                 JobState.RUNNING, lease_until, limit])
            rows = sorted(cursor.fetchall(), key=lambda row: (row[3], row[0]))
        more = bool(rows) and rows[0][4] > limit
        return [Claimed(pk, claimed_id, attempts) for pk, claimed_id, attempts, _, _ in rows], more
    with transaction.atomic():
        due = Job.objects.filter(task=task_name, state=JobState.PENDING, run_after__lte=now)
        if object_id is not None:
            due = due.filter(object_id=object_id)
        rows = list(due.select_for_update(skip_locked=True).order_by("run_after", "id")
                    .values_list("pk", "object_id", "attempts")[:limit + 1])
        more, rows = len(rows) > limit, rows[:limit]
        if rows:
            Job.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
                state=JobState.RUNNING, attempts=F("attempts") + 1, lease_expires_at=lease_until)
    return [Claimed(pk, claimed_id, attempts + 1) for pk, claimed_id, attempts in rows], more


_tasks_loaded = False


def work_tasks_load() -> None:
    """Import every app's tasks module and CELERY_IMPORTS (what a worker does at start), so that the tasks and
    their kinds are known in this process too. Plain imports: Celery's own loader would set Django up again
    and reset the logging of a worker's pool process."""
    global _tasks_loaded
    if _tasks_loaded:
        return
    modules = [f"{app.name}.tasks" for app in apps.get_app_configs()]
    modules += list(getattr(settings, "CELERY_IMPORTS", []))
    for module in modules:
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) and importlib.util.find_spec(module):
            importlib.import_module(module)
    _tasks_loaded = True


def job_run(task_name: str, object_id: int | None = None, *, limit: int | None = None,
            now: datetime | None = None) -> int:
    """Claim due jobs of one task and run them; returns how many were claimed.

    With an object id, a task without a batch handler (or `limit=1`) claims only that job; a batch task
    (and a call without an id) claims up to `limit` (the batch size) of the oldest due jobs. A job taken by
    another worker or already done is skipped.
    """
    work_tasks_load()
    kind = _kinds.get(task_name)
    batched = bool(kind and kind.batch)
    if limit is None:
        limit = batch_size() if (batched or object_id is None) else 1
    only = object_id if (not batched or limit == 1) else None
    claimed, more = _claim(task_name, object_id=only, limit=limit, now=now or timezone.now())
    if only is None and more and not current_app.conf.task_always_eager:
        # More is due than this batch (a burst's jobs share messages): hand on a message first, so another
        # worker takes the next batch while this one works on its own.
        _in_background(_publish, task_name, None)
    if claimed:
        _execute(task_name, kind, claimed)
    return len(claimed)


_attempt: contextvars.ContextVar[int] = contextvars.ContextVar("work_attempt", default=1)


def work_attempt_is_final() -> bool:
    """True while a task runs its job's last attempt: a passing failure now is final (record it as failed)."""
    return _attempt.get() >= MAX_ATTEMPTS


def _execute(task_name: str, kind: WorkKind | None, claimed: list[Claimed]) -> None:
    failures: dict[int, BaseException] = {}
    if kind and kind.batch:
        try:
            failures = kind.batch([job.object_id for job in claimed]) or {}
        except Exception as exc:
            logger.exception("Batch of %s failed", task_name)
            failures = {job.object_id: exc for job in claimed}
    else:
        task = current_app.tasks[task_name]
        for job in claimed:
            token = _attempt.set(job.attempts)
            try:
                task(job.object_id)
            except Exception as exc:
                logger.warning("%s(%s) failed (attempt %s)", task_name, job.object_id, job.attempts, exc_info=True)
                failures[job.object_id] = exc
            finally:
                _attempt.reset(token)
    Job.objects.filter(pk__in=[job.pk for job in claimed if job.object_id not in failures]).delete()
    for job in claimed:
        if job.object_id in failures:
            _job_failed(task_name, kind, job, failures[job.object_id])


def error_is_permanent(exc: BaseException) -> bool:
    """True for an error that another attempt cannot fix (bad data); False for a passing fault."""
    flag = getattr(exc, "permanent", None)
    if flag is not None:
        return bool(flag)
    return isinstance(exc, PERMANENT_ERRORS)


def error_message(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else f"{type(exc).__name__}: {exc}"


def _job_failed(task_name: str, kind: WorkKind | None, job: Claimed, exc: BaseException) -> None:
    message = error_message(exc)[:2000]
    if not error_is_permanent(exc) and job.attempts < MAX_ATTEMPTS:
        run_after = timezone.now() + RETRY_DELAYS[min(job.attempts, len(RETRY_DELAYS)) - 1]
        try:
            with transaction.atomic():
                Job.objects.filter(pk=job.pk).update(state=JobState.PENDING, run_after=run_after,
                                                     lease_expires_at=None, last_error=message)
        except IntegrityError:  # the same work was asked for again meanwhile; that job covers this one
            Job.objects.filter(pk=job.pk).delete()
        return
    if kind and kind.on_failure and kind.on_failure(job.object_id, message):
        Job.objects.filter(pk=job.pk).delete()
        return
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, lease_expires_at=None, last_error=message)


def job_retry(*, job_id: int) -> bool:
    """Put a failed job back in the queue now (a manager's retry). Returns False if it is not failed."""
    job = Job.objects.filter(pk=job_id, state=JobState.FAILED).first()
    if job is None:
        return False
    try:
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(state=JobState.PENDING, run_after=timezone.now(), attempts=0)
            transaction.on_commit(partial(_dispatch, job.task, job.object_id))
    except IntegrityError:  # already queued again
        Job.objects.filter(pk=job.pk).delete()
    return True


def jobs_sweep(*, now: datetime | None = None, budget_seconds: float | None = None) -> int:
    """Take back the jobs of dead workers, then run due jobs the fast path missed. Returns jobs run.

    Stops starting new batches after `budget_seconds`, so one sweep ends before the next begins.
    """
    now = now or timezone.now()
    budget = budget_seconds if budget_seconds is not None else _setting("DOCKHAND_WORK_SWEEP_BUDGET_SECONDS", 45)
    jobs_leases_expire(now=now)
    deadline = timezone.now() + timedelta(seconds=budget)
    due = (Job.objects.filter(state=JobState.PENDING, run_after__lte=now - sweep_grace())
           .order_by().values_list("task", flat=True).distinct())
    ran = 0
    for task_name in sorted(set(due)):
        limit = batch_size() if (_kinds.get(task_name) and _kinds[task_name].batch) else 10
        while timezone.now() < deadline:
            claimed = job_run(task_name, limit=limit, now=now)
            ran += claimed
            if claimed < limit:
                break
    return ran


def jobs_leases_expire(*, now: datetime | None = None) -> int:
    """Make the running jobs whose lease expired (their worker died) pending again. Returns how many."""
    now = now or timezone.now()
    expired = Job.objects.filter(state=JobState.RUNNING, lease_expires_at__lt=now)
    twin = Job.objects.filter(state=JobState.PENDING, task=OuterRef("task"), object_id=OuterRef("object_id"))
    try:
        with transaction.atomic():
            expired.filter(Exists(twin)).delete()  # asked for again meanwhile: the waiting job covers it
            return expired.update(state=JobState.PENDING, lease_expires_at=None)
    except IntegrityError:  # raced with a new enqueue; the next sweep finishes the job
        return 0


# --- the backlog ---------------------------------------------------------------------------------------


@dataclass
class BacklogRow:
    task: str
    label: str
    pending: int = 0
    due: int = 0
    running: int = 0
    failed: int = 0
    oldest_due_at: datetime | None = None

    def oldest_due_seconds(self, now: datetime) -> float:
        return max((now - self.oldest_due_at).total_seconds(), 0.0) if self.oldest_due_at else 0.0


def work_backlog(*, now: datetime | None = None) -> list[BacklogRow]:
    """Jobs per task: waiting (and due now), running, failed, and the age of the oldest due one."""
    work_tasks_load()
    now = now or timezone.now()
    rows: dict[str, BacklogRow] = {}
    counts = (Job.objects.order_by().values("task", "state")
              .annotate(n=Count("id"), due=Count("id", filter=Q(run_after__lte=now)),
                        oldest_due=Min("run_after", filter=Q(run_after__lte=now))))
    for item in counts:
        row = rows.setdefault(item["task"], BacklogRow(task=item["task"], label=work_label(item["task"])))
        if item["state"] == JobState.PENDING:
            row.pending, row.due, row.oldest_due_at = item["n"], item["due"], item["oldest_due"]
        elif item["state"] == JobState.RUNNING:
            row.running = item["n"]
        else:
            row.failed = item["n"]
    return sorted(rows.values(), key=lambda r: r.label)


def duration_in_words(seconds: float) -> str:
    """12 s, 3 min, 2 h 5 min, 3 d 4 h: the two largest units, rounded down."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def backlog_max_age() -> timedelta:
    """How long due work may wait before the backlog is unhealthy."""
    return timedelta(seconds=_setting("DOCKHAND_BACKLOG_MAX_AGE_SECONDS", 600))


def backlog_problems(*, now: datetime | None = None, max_age: timedelta | None = None,
                     rows: list[BacklogRow] | None = None) -> list[str]:
    """What makes the backlog unhealthy: due work older than `max_age` (default from settings).

    Pass the `rows` of a work_backlog(now=now) already read to save reading them again.
    """
    now = now or timezone.now()
    max_age = max_age or backlog_max_age()
    problems = []
    for row in work_backlog(now=now) if rows is None else rows:
        age = row.oldest_due_seconds(now)
        if age > max_age.total_seconds():
            problems.append(f"{row.label}: {row.due} job(s) due, the oldest waiting {duration_in_words(age)}")
    return problems
