"""The work backlog as managers read it: durable work per kind, what needs attention, the failed jobs.

Everything comes from core.work's counts per kind and core.selectors' failed jobs, so the page and the API
read the same two queries however many jobs wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from core.choices import JobState
from core.selectors import job_failed_list, job_get
from core.work import (
    BacklogRow,
    backlog_max_age,
    backlog_problems,
    duration_in_words,
    job_retry,
    work_backlog,
    work_label,
)
from inventory.tasks import inbound_report_send
from orders.intake.tasks import channel_sync_task, webhook_delivery_process_task
from orders.tasks import backorders_allocate_task, order_route_task, rule_run_task
from returns.tasks import return_label_send
from shipping.selectors import tracking_range_problems
from shipping.tasks import (
    manifest_pdf_render,
    pick_list_pdf_task,
    pick_lists_release_task,
    shipment_documents_render,
    shipment_notify,
    wave_pdf_task,
)

DELIVERIES_TASK = webhook_delivery_process_task.name
ROUTING_TASK = order_route_task.name
FAILED_JOBS_SHOWN = 100


@dataclass(frozen=True)
class ObjectPage:
    noun: str  # what the job's object id is
    url_name: str
    with_id: bool = True  # False: a list page that shows the object


# Where a job's object can be seen. Storefront deliveries record their own failures, on the failed-deliveries page.
OBJECT_PAGES: dict[str, ObjectPage] = {
    DELIVERIES_TASK: ObjectPage("delivery", "intake:failed_deliveries", with_id=False),
    channel_sync_task.name: ObjectPage("channel", "intake:channel"),
    ROUTING_TASK: ObjectPage("order", "orders:detail"),
    backorders_allocate_task.name: ObjectPage("product", "inventory:product"),
    rule_run_task.name: ObjectPage("rule run", "rules:run"),
    pick_list_pdf_task.name: ObjectPage("pick list", "shipping:detail"),
    wave_pdf_task.name: ObjectPage("wave", "shipping:wave"),
    pick_lists_release_task.name: ObjectPage("warehouse", "shipping:pick_lists", with_id=False),
    shipment_documents_render.name: ObjectPage("shipment", "packing:shipment"),
    shipment_notify.name: ObjectPage("notice", "packing:notifications", with_id=False),
    manifest_pdf_render.name: ObjectPage("manifest", "packing:manifests", with_id=False),
    inbound_report_send.name: ObjectPage("ASN", "inventory:inbound_detail"),
    return_label_send.name: ObjectPage("return", "returns:detail"),
}
# The page where a whole kind of work can be followed.
KIND_PAGES: dict[str, str] = {
    DELIVERIES_TASK: "intake:failed_deliveries",
    channel_sync_task.name: "intake:channels",
    shipment_notify.name: "packing:notifications",
}


def _url(url_name: str, object_id: int | None = None) -> str:
    return reverse(url_name, args=[object_id]) if object_id is not None else reverse(url_name)


@dataclass(frozen=True)
class BacklogKind:
    task: str
    label: str
    pending: int
    due: int
    running: int
    failed: int
    oldest_due_seconds: int
    page_url: str | None

    @property
    def later(self) -> int:
        """Waiting jobs not due yet (a retry's delay, a scheduled run)."""
        return self.pending - self.due

    @property
    def oldest_due_age(self) -> str:
        return duration_in_words(self.oldest_due_seconds) if self.due else ""


@dataclass(frozen=True)
class FailedJob:
    id: int
    task: str
    label: str
    object_id: int
    attempts: int
    last_error: str
    updated_at: datetime
    object_noun: str
    object_url: str | None


@dataclass(frozen=True)
class Backlog:
    kinds: list[BacklogKind]
    problems: list[str]
    failed_jobs: list[FailedJob]  # the latest FAILED_JOBS_SHOWN
    read_at: datetime
    max_age_words: str

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def failed_total(self) -> int:
        return sum(kind.failed for kind in self.kinds)

    def waiting(self, task: str) -> int:
        return next((kind.pending for kind in self.kinds if kind.task == task), 0)

    @property
    def deliveries_waiting(self) -> int:
        return self.waiting(DELIVERIES_TASK)

    @property
    def orders_waiting(self) -> int:
        return self.waiting(ROUTING_TASK)


def _kind(row: BacklogRow, now: datetime) -> BacklogKind:
    page = KIND_PAGES.get(row.task)
    return BacklogKind(task=row.task, label=row.label, pending=row.pending, due=row.due, running=row.running,
                       failed=row.failed, oldest_due_seconds=int(row.oldest_due_seconds(now)),
                       page_url=_url(page) if page else None)


def _failed_job(job) -> FailedJob:
    page = OBJECT_PAGES.get(job.task)
    url = _url(page.url_name, job.object_id if page.with_id else None) if page else None
    return FailedJob(id=job.pk, task=job.task, label=work_label(job.task), object_id=job.object_id,
                     attempts=job.attempts, last_error=job.last_error, updated_at=job.updated_at,
                     object_noun=page.noun if page else "object", object_url=url)


def backlog_read(*, now: datetime | None = None) -> Backlog:
    """Read the backlog: each kind of work, what needs attention, and the latest failed jobs (three queries).

    Attention: due work older than DOCKHAND_BACKLOG_MAX_AGE_SECONDS (core.work.backlog_problems), failed
    jobs, which wait for a person, and carriers whose tracking numbers run low.
    """
    now = now or timezone.now()
    rows = work_backlog(now=now)
    problems = backlog_problems(now=now, rows=rows)
    problems += [f"{row.label}: {row.failed} failed job(s) wait for a person" for row in rows if row.failed]
    problems += tracking_range_problems()
    return Backlog(kinds=[_kind(row, now) for row in rows], problems=problems,
                   failed_jobs=[_failed_job(job) for job in job_failed_list()[:FAILED_JOBS_SHOWN]],
                   read_at=now, max_age_words=duration_in_words(backlog_max_age().total_seconds()))


@dataclass(frozen=True)
class RetryOutcome:
    job: FailedJob
    state: str  # "done", or the job's state after the retry: pending, running, failed
    attempts: int  # since the retry: above 0 when it has run again already
    last_error: str


def backlog_job_retry(*, job_id: int) -> RetryOutcome | None:
    """Put a failed job back in the queue (core.work.job_retry) and say where it stands now.

    Without a broker the job has already run again; with one it is usually still pending. Returns None when
    the job is not failed (retried already, or done).
    """
    job = job_get(job_id=job_id)
    if job is None or job.state != JobState.FAILED or not job_retry(job_id=job_id):
        return None
    after = job_get(job_id=job_id)
    if after is None:
        return RetryOutcome(job=_failed_job(job), state="done", attempts=1, last_error="")
    return RetryOutcome(job=_failed_job(job), state=after.state, attempts=after.attempts, last_error=after.last_error)
