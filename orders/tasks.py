"""Thin Celery tasks of the orders app: they take ids, load fresh rows and are safe to run twice."""

from celery import shared_task

from orders.holds.services import holds_release_due
from orders.processing import order_prepare_for_routing


@shared_task
def order_process_received(order_id: int) -> str:
    """Prepare a received order for routing (rules, then hold checks) and route it unless it was held."""
    if not order_prepare_for_routing(order_id=order_id):
        return "held or not received"
    # Routing (issue 4) continues here once it lands.
    return "ready for routing"


@shared_task
def holds_release_due_task() -> int:
    """Release the hold-until-date holds whose date has come."""
    return holds_release_due()
