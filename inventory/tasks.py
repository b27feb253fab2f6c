"""Thin Celery tasks of the inventory layer: the daily stock digest and ASN difference reports."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.access import Access
from core.choices import ROLE_GROUP_NAMES, Role
from core.rendering import render_for_outside
from core.work import work_register
from inventory.choices import StockStatus
from inventory.figures.read import StockFigureFilters, stock_figures_page
from inventory.figures.refresh import (
    stock_summary_queue_aged,
    stock_summary_rebuild,
    stock_summary_refresh_all,
)
from inventory.models import Client, InboundShipment, StockDigestDelivery

logger = logging.getLogger(__name__)
DIGEST_ROWS = 200


def _digest_sections(access: Access) -> dict[str, list]:
    sections = {}
    for status in (StockStatus.STOCKOUT, StockStatus.UNDER, StockStatus.OVER, StockStatus.DEAD):
        page = stock_figures_page(access=access, filters=StockFigureFilters(status=status, ordering="sku"),
                                  limit=DIGEST_ROWS, offset=0)
        sections[status] = page
    return sections


def _send_digest(*, recipient: str, access: Access, client: Client | None, today) -> bool:
    sections = _digest_sections(access)
    lines = sum(page.total for page in sections.values())
    try:
        with transaction.atomic():
            StockDigestDelivery.objects.create(digest_date=today, recipient=recipient, client=client, lines=lines)
    except IntegrityError:
        return False  # already sent today
    context = {"client": client, "today": today, "sections": [
        (StockStatus(status).label, page) for status, page in sections.items()], "lines": lines,
        "limit": DIGEST_ROWS}
    body = render_to_string("inventory/email/stock_digest.txt", context)
    subject = f"Dockhand stock digest {today:%Y-%m-%d}" + (f" for {client.name}" if client else "")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return True


@shared_task
def stock_digest_send() -> int:
    """Email each client (its contact address) and each manager what to reorder and what is overstocked.

    Idempotent per day and recipient (StockDigestDelivery). Returns how many emails were sent.
    """
    today = timezone.localdate()
    sent = 0
    for client in Client.objects.filter(is_active=True).exclude(contact_email="").order_by("pk"):
        access = Access(roles=frozenset({Role.CLIENT}), client_id=client.pk, warehouse_ids=None)
        sent += _send_digest(recipient=client.contact_email, access=access, client=client, today=today)
    managers = (get_user_model().objects.filter(is_active=True, groups__name=ROLE_GROUP_NAMES[Role.MANAGER])
                .exclude(email="").distinct().order_by("pk"))
    manager_access = Access(roles=frozenset({Role.MANAGER}), client_id=None, warehouse_ids=None)
    for manager in managers:
        sent += _send_digest(recipient=manager.email, access=manager_access, client=None, today=today)
    return sent


@shared_task
def inbound_report_send(shipment_id: int) -> bool:
    """Email the client the differences found when its ASN was closed (nothing to send: no email).

    Tolerates a missing shipment; sends at most once (remembered on the shipment's notes marker).
    """
    shipment = InboundShipment.objects.select_related("client", "warehouse").filter(pk=shipment_id).first()
    if shipment is None or not shipment.client.contact_email:
        return False
    differences = list(shipment.differences.order_by("pk"))
    marker = "[difference report sent]"
    if not differences or marker in shipment.notes:
        return False
    body = render_for_outside("inventory/email/inbound_report.txt", {"shipment": shipment,
                                                                     "differences": differences})
    send_mail(f"Receiving differences on {shipment.reference}", body, settings.DEFAULT_FROM_EMAIL,
              [shipment.client.contact_email])
    InboundShipment.objects.filter(pk=shipment.pk).update(notes=(shipment.notes + "\n" + marker).strip())
    return True


# A minute task drains for at most this long, so runs never pile up behind each other.
REFRESH_TASK_SECONDS = 45


@shared_task
def stock_summary_refresh_task() -> int:
    """Bring the stock figures up to date with every queued stock change; returns how many were taken.

    Safe to run twice or side by side: each queued change is taken once (inventory.figures).
    """
    return stock_summary_refresh_all(max_seconds=REFRESH_TASK_SECONDS)


@shared_task
def stock_summary_queue_aged_task() -> int:
    """Queue the figures the last hour of the calendar changed (sales leaving a window, stock turning old).

    Looks back 65 minutes so that a late beat misses nothing; queuing a pair twice costs one refresh.
    """
    return stock_summary_queue_aged(period=datetime.timedelta(minutes=65))


@shared_task
def stock_summary_rebuild_task() -> dict:
    """Recompute every product's figures in every warehouse: the 30- and 90-day windows moved on a day."""
    result = stock_summary_rebuild()
    logger.info("stock figures rebuilt: %s", result)
    return result


work_register(inbound_report_send, label="Receiving difference reports")
