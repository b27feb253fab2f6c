"""Reads of core's rows: durable work for the backlog pages (core.work has the counts per kind), the audit
trail of status changes, and users."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet

from core.access import user_access
from core.choices import JobState
from core.models import Job, StatusChange
from core.transitions import status_label


def user_list(*, user) -> QuerySet:
    """Users with their groups, profile and warehouses, for managers; an empty queryset for everyone else."""
    qs = get_user_model().objects.select_related("profile").prefetch_related("groups", "profile__warehouses")
    return qs if user_access(user).is_manager else qs.none()


def job_failed_list() -> QuerySet[Job]:
    """Failed jobs, waiting for a person: the latest failure first."""
    return Job.objects.filter(state=JobState.FAILED).order_by("-updated_at", "-id")


def job_get(*, job_id: int) -> Job | None:
    """Return the job, or None when it does not exist (a finished job's row is deleted)."""
    return Job.objects.filter(pk=job_id).first()


def status_change_list(*, instance: Model) -> list[StatusChange]:
    """The audit trail of one row (core.StatusChange), oldest first, each with `from_label` and `to_label`
    read from its model's status choices. The caller has already checked the user may see the row."""
    changes = list(StatusChange.objects.filter(model=instance._meta.label_lower, object_id=instance.pk)
                   .select_related("user"))
    for change in changes:
        change.from_label = status_label(instance, change.from_status)
        change.to_label = status_label(instance, change.to_status)
    return changes
