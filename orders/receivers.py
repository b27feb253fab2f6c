"""Reactions of the orders app to other apps' events, connected in OrdersConfig.ready(); each only queues
durable work (core.work) by id inside the sender's transaction."""

from __future__ import annotations

from core.work import work_enqueue
from orders.tasks import backorders_allocate_task


def allocate_backorders_on_arrival(sender, *, product_id: int, **kwargs) -> None:
    """Queue the backorder release for a product whose available stock rose."""
    work_enqueue(backorders_allocate_task, product_id)
