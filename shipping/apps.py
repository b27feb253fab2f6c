from django.apps import AppConfig

# An order that leaves these statuses while on an open pick list (cancelled, held, re-routed) is taken off it.
_STAYS_ON_LIST = frozenset({"allocated", "picking", "picked"})


def _order_left_picking(sender, order_id: int, from_status: str, to_status: str, **kwargs) -> None:
    if from_status not in _STAYS_ON_LIST or to_status in _STAYS_ON_LIST:
        return  # only an order that was allocated, picking or picked can be on a pick list
    from shipping.picking.drop import pick_list_order_drop

    pick_list_order_drop(order_id=order_id, note=f"Order went {from_status or 'new'} → {to_status}")


def _order_cancelled_while_packing(sender, order_id: int, from_status: str, to_status: str, **kwargs) -> None:
    if to_status != "cancelled":
        return
    from shipping.choices import OPEN_SHIPMENT_STATUSES
    from shipping.models import Shipment
    from shipping.packing.services import shipment_cancel

    for shipment in Shipment.objects.filter(order_id=order_id, status__in=OPEN_SHIPMENT_STATUSES):
        shipment_cancel(shipment=shipment, reason="the order was cancelled")


class ShippingConfig(AppConfig):
    name = "shipping"

    def ready(self) -> None:
        from orders.signals import order_status_changed

        order_status_changed.connect(_order_left_picking, dispatch_uid="shipping.order_left_picking")
        order_status_changed.connect(_order_cancelled_while_packing, dispatch_uid="shipping.order_cancelled_packing")
