"""Signal receivers of the orders app, connected in OrdersConfig.ready()."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from orders.choices import OrderStatus
from orders.signals import order_status_changed


@receiver(order_status_changed, dispatch_uid="orders.process_received_order")
def process_received_order(sender, order_id: int, to_status: str, **kwargs) -> None:
    """Every order reaching received (new, released from hold, re-routed) is prepared and routed."""
    if to_status == OrderStatus.RECEIVED:
        from orders.tasks import order_process_received

        transaction.on_commit(partial(order_process_received.delay, order_id))
