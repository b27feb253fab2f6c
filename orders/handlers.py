"""Reactions of the orders app to events, connected in OrdersConfig.ready(); each only queues a task."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from orders.choices import OrderStatus


def route_received_order(sender, *, order_id: int, from_status: str, to_status: str, **kwargs) -> None:
    """Queue routing for an order that just became received (new, released from hold, re-routed)."""
    from orders.tasks import order_route_task

    if to_status == OrderStatus.RECEIVED:
        transaction.on_commit(partial(order_route_task.delay, order_id))


def allocate_backorders_on_arrival(sender, *, product_id: int, **kwargs) -> None:
    """Queue the backorder release for a product whose available stock rose."""
    from orders.tasks import backorders_allocate_task

    transaction.on_commit(partial(backorders_allocate_task.delay, product_id))
