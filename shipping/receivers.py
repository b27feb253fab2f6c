"""Shipping listens to orders: an order that leaves the floor's path comes off its pick list, and a cancelled
order's open shipments are cancelled.

A receiver runs inside the sender's transaction and only queues durable work by id (core.work), so the job
commits with the status change and a failing job never reaches the request that moved the order.
"""

from __future__ import annotations

from django.dispatch import receiver

from core.work import work_enqueue
from orders.choices import OrderStatus
from orders.signals import order_status_changed
from shipping.tasks import order_cancelled_shipments_cancel_task, order_left_picking_task

# An order that leaves these statuses while on an open pick list (cancelled, held, re-routed) is taken off it.
STAYS_ON_LIST = frozenset({OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PICKED})


@receiver(order_status_changed, dispatch_uid="shipping.order_left_picking")
def order_left_picking(sender, *, order_id: int, from_status: str, to_status: str, **kwargs) -> None:
    """Queue taking the order off its pick list when it left allocated, picking or picked."""
    if from_status in STAYS_ON_LIST and to_status not in STAYS_ON_LIST:
        work_enqueue(order_left_picking_task, order_id)


@receiver(order_status_changed, dispatch_uid="shipping.order_cancelled_packing")
def order_cancelled_while_packing(sender, *, order_id: int, from_status: str, to_status: str, **kwargs) -> None:
    """Queue cancelling the order's open shipments when it was cancelled."""
    if to_status == OrderStatus.CANCELLED:
        work_enqueue(order_cancelled_shipments_cancel_task, order_id)
