"""What happens to an order that reaches received, before routing: rules, then the automatic hold checks."""

from __future__ import annotations

from orders.choices import OrderStatus
from orders.holds.services import order_automatic_holds_place
from orders.models import Order
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
