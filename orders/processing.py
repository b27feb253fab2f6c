"""What happens to an order that reaches received, before routing: rules, then the automatic hold checks."""

from __future__ import annotations

from orders.choices import OrderStatus
from orders.exceptions import InvalidTransition
from orders.holds.services import order_automatic_holds_place
from orders.models import Order
from orders.routing import order_route
from orders.rules.services import order_rules_apply


def order_prepare_for_routing(*, order_id: int) -> bool:
    """Apply the active rules and the address, payment and fraud checks to a received order.

    Returns True when the order is still received afterwards and may be routed, False when it was held,
    is gone, or is no longer received (safe to call twice).
    """
    status = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    if status != OrderStatus.RECEIVED:
        return False
    order_rules_apply(order=order_id)
    if Order.objects.filter(pk=order_id).values_list("status", flat=True).first() != OrderStatus.RECEIVED:
        return False
    if order_automatic_holds_place(order=order_id):
        return False
    return Order.objects.filter(pk=order_id, status=OrderStatus.RECEIVED).exists()


def order_received_process(*, order_id: int) -> str:
    """Apply the rules and the hold checks to a received order, then route it. Safe to call twice.

    Returns the outcome: "skipped" (gone or no longer received), "held", or routing's outcome.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.RECEIVED:
        return "skipped"
    if not order_prepare_for_routing(order_id=order_id):
        return "held"
    order.refresh_from_db()
    try:
        return order_route(order=order).outcome
    except InvalidTransition:  # routed by someone else between the check and the lock
        return "skipped"
