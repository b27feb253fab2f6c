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
