"""Reactions of the orders app to other apps' events, connected in OrdersConfig.ready(); each only queues
durable work (core.work) by id inside the sender's transaction."""

from __future__ import annotations

from core.work import work_enqueue
from orders.stock_sync.services import stock_sync_queue
from orders.tasks import backorders_allocate_task


def allocate_backorders_on_arrival(sender, *, product_id: int, **kwargs) -> None:
    """Queue the backorder release for a product whose available stock rose."""
    work_enqueue(backorders_allocate_task, product_id)


def queue_stock_sync_on_change(sender, *, product_ids: list[int], **kwargs) -> None:
    """Queue the storefront stock push of products whose stock moved (debounced per channel)."""
    stock_sync_queue(product_ids=product_ids)
