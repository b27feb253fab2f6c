"""Reads of durable work for the backlog pages (core.work has the counts per kind)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.choices import JobState
from core.models import Job


def job_failed_list() -> QuerySet[Job]:
    """Failed jobs, waiting for a person: the latest failure first."""
    return Job.objects.filter(state=JobState.FAILED).order_by("-updated_at", "-id")


def job_get(*, job_id: int) -> Job | None:
    """Return the job, or None when it does not exist (a finished job's row is deleted)."""
    return Job.objects.filter(pk=job_id).first()
