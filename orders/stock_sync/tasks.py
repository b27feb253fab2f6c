"""Thin Celery tasks of the stock sync; each takes a channel id and is safe to run twice."""

from celery import shared_task

from core.work import work_enqueue, work_register
from orders.stock_sync.services import stock_push, stock_reconcile, stock_reconcile_channel_ids
from orders.task_names import STOCK_PUSH_TASK, STOCK_RECONCILE_TASK


@shared_task(name=STOCK_PUSH_TASK, acks_late=True)
def stock_push_task(channel_id: int) -> dict | None:
    """Push the queued products' figures of one channel to its storefront."""
    result = stock_push(channel_id=channel_id)
    return result.as_dict() if result else None


@shared_task(name=STOCK_RECONCILE_TASK, acks_late=True)
def stock_reconcile_task(channel_id: int) -> dict | None:
    """Compare one channel's storefront figures with Dockhand's and correct the differences."""
    result = stock_reconcile(channel_id=channel_id)
    return result.as_dict() if result else None


@shared_task(name="orders.stock_sync.reconcile_all")
def stock_reconcile_all_task() -> int:
    """Queue the reconciliation of every channel with stock sync (beat: nightly). Returns how many."""
    channel_ids = stock_reconcile_channel_ids()
    for channel_id in channel_ids:
        work_enqueue(stock_reconcile_task, channel_id)
    return len(channel_ids)


work_register(stock_push_task, label="Stock pushes to storefronts")
work_register(stock_reconcile_task, label="Storefront stock reconciliations")
