"""Thin Celery tasks of billing: the nightly storage snapshot and the monthly drafts. Beat only queues durable
work (core.work); the jobs are safe to run twice (a night is taken once; a draft is rebuilt to the same lines).
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from billing.exceptions import BillingError
from billing.services import invoice_draft, previous_month
from billing.storage import storage_snapshots_catch_up
from core.choices import ROLE_GROUP_NAMES, Role
from core.email import email_delivers
from core.work import work_enqueue, work_register
from inventory.models import Client

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def storage_snapshot_task(day_ordinal: int) -> None:
    """Take the storage snapshots up to the night before the given day (and any missed night before it)."""
    storage_snapshots_catch_up(today=datetime.date.fromordinal(day_ordinal))


@shared_task(ignore_result=True)
def storage_snapshot_nightly_task() -> None:
    """Beat: queue the snapshot of last night as durable work."""
    work_enqueue(storage_snapshot_task, timezone.localdate().toordinal())


@shared_task(ignore_result=True)
def invoices_draft_task(day_ordinal: int) -> int:
    """Draft every active client's invoice of the month before the given day, then tell the managers.

    A client whose month cannot be drafted (a finalised invoice covers it) is named in the email as skipped,
    and the others are drafted all the same. Returns how many drafts were built; drafting again rebuilds the
    same lines.
    """
    start, end = previous_month(datetime.date.fromordinal(day_ordinal))
    drafts, skipped = [], []
    for client in Client.objects.filter(is_active=True).order_by("pk"):
        try:
            drafts.append(invoice_draft(client=client, period_start=start, period_end=end))
        except BillingError as exc:  # e.g. the month was invoiced by hand already: the others still get theirs
            skipped.append((client, exc.message))
    managers = list(get_user_model().objects.filter(is_active=True, groups__name=ROLE_GROUP_NAMES[Role.MANAGER])
                    .exclude(email="").distinct().order_by("pk").values_list("email", flat=True))
    if (drafts or skipped) and managers:
        body = render_to_string("billing/email/drafts_ready.txt", {
            "drafts": drafts, "skipped": skipped, "start": start, "end": end,
            "public_url": getattr(settings, "DOCKHAND_PUBLIC_URL", "")})
        send_mail(f"Dockhand: {len(drafts)} draft invoice(s) for {start:%B %Y} are ready", body,
                  settings.DEFAULT_FROM_EMAIL, managers)
        if not email_delivers():
            logger.info("draft invoice email written to the log only (console backend)")
    return len(drafts)


@shared_task(ignore_result=True)
def invoices_draft_monthly_task() -> None:
    """Beat, on the 1st: queue drafting last month's invoices as durable work."""
    work_enqueue(invoices_draft_task, timezone.localdate().toordinal())


work_register(storage_snapshot_task, label="Storage snapshot")
work_register(invoices_draft_task, label="Monthly draft invoices")
