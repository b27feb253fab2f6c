"""Thin Celery tasks for picking: they take ids, load fresh rows, call one service, and may run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def pick_list_pdf_task(pick_list_id: int) -> None:
    """Render and store the PDF of one pick list (again, if it changed). Tolerates a deleted list."""
    from shipping.models import PickList
    from shipping.pdf import pick_list_pdf_store

    pick_list = PickList.objects.filter(pk=pick_list_id).first()
    if pick_list is None:
        logger.info("pick list %s is gone; no PDF", pick_list_id)
        return
    pick_list_pdf_store(pick_list=pick_list)


@shared_task(ignore_result=True)
def wave_pdf_task(wave_id: int) -> None:
    """Render and store one PDF with every pick list of a wave. Tolerates a deleted wave."""
    from shipping.models import Wave
    from shipping.pdf import wave_pdf_store

    wave = Wave.objects.filter(pk=wave_id).first()
    if wave is None:
        logger.info("wave %s is gone; no PDF", wave_id)
        return
    wave_pdf_store(wave=wave)


@shared_task(ignore_result=True)
def pick_lists_release_task(warehouse_id: int) -> int:
    """Release the waiting allocated orders of one warehouse as batch and single lists."""
    from shipping.picking import pick_lists_release_due
    from warehouses.models import Warehouse

    warehouse = Warehouse.objects.filter(pk=warehouse_id, is_active=True).first()
    if warehouse is None:
        return 0
    return len(pick_lists_release_due(warehouse=warehouse))


@shared_task(ignore_result=True)
def pick_lists_release_all_task() -> int:
    """Beat entry: queue the release of each active warehouse (one task per warehouse)."""
    from shipping.picking import picking_setting
    from warehouses.models import Warehouse

    if not picking_setting("auto_release"):
        return 0
    ids = list(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True))
    for warehouse_id in ids:
        pick_lists_release_task.delay(warehouse_id)
    return len(ids)


# --- packing and shipping ----------------------------------------------------------------------------------

@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def shipment_documents_render(shipment_id: int) -> None:
    """Render and store the label PDFs (and ZPL) of every package and the packing slip of a shipment.

    Tolerates a deleted shipment; rendering again replaces the files, so it is safe to run twice."""
    from shipping.documents import packing_slip_store
    from shipping.labels import package_label_store
    from shipping.models import Shipment

    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        logger.info("shipment %s is gone; no documents", shipment_id)
        return
    for package in shipment.packages.filter(tracking_number__gt="").order_by("number"):
        package_label_store(package=package)
    packing_slip_store(shipment=shipment)


@shared_task(bind=True, ignore_result=True, max_retries=5, default_retry_delay=60)
def shipment_notify(self, notification_id: int) -> None:
    """Send one shipment notification (customer email or storefront update), retrying failures with backoff.

    Already-sent notifications are left alone, so it is safe to run twice. Each failure is recorded on the
    notification (the channel page shows it); after the last retry it stays `failed` for a manager to resend.
    """
    from shipping.notifications import NotificationFailed, notification_send

    try:
        notification_send(notification_id=notification_id, final=self.request.retries >= self.max_retries)
    except NotificationFailed as exc:
        raise self.retry(exc=exc, countdown=min(3600, 60 * 2 ** self.request.retries)) from exc


@shared_task(ignore_result=True)
def manifest_pdf_render(manifest_id: int) -> None:
    """Render and store the PDF of an end-of-day manifest. Tolerates a deleted manifest."""
    from shipping.documents import manifest_pdf_store
    from shipping.models import Manifest

    manifest = Manifest.objects.filter(pk=manifest_id).first()
    if manifest is None:
        return
    manifest_pdf_store(manifest=manifest)
