"""Thin Celery tasks of shipping: they take ids, load fresh rows, call one service, and may run twice.

Each runs as durable work (core.work): queued in the transaction that needs it, retried by its job.
"""

from __future__ import annotations

import logging

from celery import shared_task

from core.work import work_attempt_is_final, work_enqueue, work_register
from orders.choices import OrderStatus
from orders.models import Order
from shipping.choices import OPEN_SHIPMENT_STATUSES
from shipping.documents import manifest_pdf_store, packing_slip_store
from shipping.labels import package_label_store
from shipping.models import Carrier, Manifest, PickList, Shipment, Wave
from shipping.notifications import notification_send
from shipping.packing.services import (
    print_job_run,
    shipment_cancel,
    shipment_label_failed,
    shipment_label_retry,
)
from shipping.pdf import pick_list_pdf_store, wave_pdf_store
from shipping.picking.drop import pick_list_order_drop
from shipping.picking.lists import picking_setting
from shipping.picking.release import pick_lists_release_due
from shipping.printing import print_job_failed
from shipping.tracking.services import pollable_carrier_ids, tracking_poll_carrier
from warehouses.models import Warehouse

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def pick_list_pdf_task(pick_list_id: int) -> None:
    """Render and store the PDF of one pick list (again, if it changed). Tolerates a deleted list."""
    pick_list = PickList.objects.filter(pk=pick_list_id).first()
    if pick_list is None:
        logger.info("pick list %s is gone; no PDF", pick_list_id)
        return
    pick_list_pdf_store(pick_list=pick_list)


@shared_task(ignore_result=True)
def wave_pdf_task(wave_id: int) -> None:
    """Render and store one PDF with every pick list of a wave. Tolerates a deleted wave."""
    wave = Wave.objects.filter(pk=wave_id).first()
    if wave is None:
        logger.info("wave %s is gone; no PDF", wave_id)
        return
    wave_pdf_store(wave=wave)


@shared_task(ignore_result=True)
def pick_lists_release_task(warehouse_id: int) -> int:
    """Release the waiting allocated orders of one warehouse as batch and single lists."""
    warehouse = Warehouse.objects.filter(pk=warehouse_id, is_active=True).first()
    if warehouse is None:
        return 0
    return len(pick_lists_release_due(warehouse=warehouse))


@shared_task(ignore_result=True)
def pick_lists_release_all_task() -> int:
    """Beat entry: queue the release of each active warehouse (one task per warehouse)."""
    if not picking_setting("auto_release"):
        return 0
    ids = list(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True))
    for warehouse_id in ids:
        work_enqueue(pick_lists_release_task, warehouse_id)
    return len(ids)


# --- packing and shipping ----------------------------------------------------------------------------------

@shared_task(ignore_result=True)
def shipment_documents_render(shipment_id: int) -> None:
    """Render and store the label PDFs (and ZPL) of every package and the packing slip of a shipment.

    Tolerates a deleted shipment; rendering again replaces the files, so it is safe to run twice."""
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        logger.info("shipment %s is gone; no documents", shipment_id)
        return
    for package in shipment.packages.filter(tracking_number__gt="").order_by("number"):
        package_label_store(package=package)
    packing_slip_store(shipment=shipment)


@shared_task(ignore_result=True)
def shipment_label_retry_task(shipment_id: int) -> None:
    """Buy the label whose purchase the carrier did not answer. Transient failures raise (the job retries with
    backoff); the purchase itself never happens twice (shipping.packing.services.shipment_label)."""
    shipment_label_retry(shipment_id=shipment_id)


@shared_task(ignore_result=True)
def shipment_notify(notification_id: int) -> None:
    """Send one shipment notification (customer email or storefront update).

    Already-sent notifications are left alone, so it is safe to run twice. A passing failure is recorded on
    the notification (the channel page shows it) and raised, so its job retries with backoff; on the job's
    last attempt it stays `failed` for a manager to resend.
    """
    notification_send(notification_id=notification_id, final=work_attempt_is_final())


@shared_task(ignore_result=True)
def print_job_send_task(print_job_id: int) -> None:
    """Send one print job to its printer. Tolerates a deleted job; a job already printed is not sent again.

    A printer that is off raises, so the job retries with backoff; its last attempt leaves it failed."""
    print_job_run(job_id=print_job_id, final=work_attempt_is_final())


@shared_task(ignore_result=True)
def manifest_pdf_render(manifest_id: int) -> None:
    """Render and store the PDF of an end-of-day manifest. Tolerates a deleted manifest."""
    manifest = Manifest.objects.filter(pk=manifest_id).first()
    if manifest is None:
        return
    manifest_pdf_store(manifest=manifest)


@shared_task(name="shipping.tracking_poll_all", ignore_result=True)
def tracking_poll_all() -> None:
    """Beat: queue a tracking poll of every active carrier that does not report by webhook only."""
    for carrier_id in pollable_carrier_ids():
        work_enqueue(tracking_poll_carrier_task, carrier_id)


@shared_task(name="shipping.tracking_poll_carrier", ignore_result=True)
def tracking_poll_carrier_task(carrier_id: int) -> None:
    """Ask one carrier's adapter for news of its packages on their way; safe to run twice (events dedupe)."""
    try:
        tracking_poll_carrier(carrier_id=carrier_id)
    except Carrier.DoesNotExist:
        logger.info("carrier %s is gone; nothing to poll", carrier_id)


# --- reactions to orders' status changes (queued by shipping/receivers.py) -------------------------------

@shared_task(ignore_result=True)
def order_left_picking_task(order_id: int) -> int:
    """Take an order that left allocated/picking/picked (held, cancelled, re-routed) off its open pick list.

    Reads the order's status now: an order that is back on the floor's path stays on its list. Tolerates a
    deleted order; safe to run twice (a closed entry is not closed again). Returns how many entries closed.
    """
    status = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    if status is None:
        logger.info("order %s is gone; no pick list to leave", order_id)
        return 0
    return pick_list_order_drop(order_id=order_id, note=f"The order is now {OrderStatus(status).label.lower()}")


@shared_task(ignore_result=True)
def order_cancelled_shipments_cancel_task(order_id: int) -> int:
    """Cancel the open shipments of a cancelled order. Safe to run twice (cancelled ones are not open);
    does nothing for an order that is gone or not cancelled. Returns how many it cancelled."""
    if not Order.objects.filter(pk=order_id, status=OrderStatus.CANCELLED).exists():
        return 0
    shipments = list(Shipment.objects.filter(order_id=order_id, status__in=OPEN_SHIPMENT_STATUSES).order_by("pk"))
    for shipment in shipments:
        shipment_cancel(shipment=shipment, reason="the order was cancelled")
    return len(shipments)


work_register(pick_list_pdf_task, label="Pick list PDFs to render")
work_register(wave_pdf_task, label="Wave PDFs to render")
work_register(pick_lists_release_task, label="Pick list releases")
work_register(shipment_documents_render, label="Labels and packing slips to render")
work_register(shipment_label_retry_task, label="Labels waiting for the carrier", on_failure=shipment_label_failed)
work_register(shipment_notify, label="Shipment notices (customer emails, storefront updates)")
work_register(print_job_send_task, label="Print jobs (labels, packing slips, pick lists)",
              on_failure=print_job_failed)
work_register(manifest_pdf_render, label="Manifest PDFs to render")
work_register(tracking_poll_carrier_task, label="Carrier tracking polls")
work_register(order_left_picking_task, label="Orders to take off their pick lists")
work_register(order_cancelled_shipments_cancel_task, label="Shipments of cancelled orders to cancel")
