"""Row locks for pick lists. Taken before any stock level (inventory.locks), after orders (orders.locks)."""

from shipping.models import DocumentLock, PickList, Shipment


def pick_list_lock(pick_list_id: int) -> PickList:
    """Lock one pick list row and return it fresh. Raises PickList.DoesNotExist. Call inside transaction.atomic.

    Every scan, short pick, completion and sort of a list runs under this lock, so two scanners on the
    same list (or a double-submitted form) cannot count a unit twice.
    """
    return PickList.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=pick_list_id)


def shipment_lock(shipment_id: int):
    """Lock one shipment row and return it fresh (with its order). Raises Shipment.DoesNotExist.

    Taken after the order and any stock levels (Order → StockLevel → Shipment); every pack-station write
    runs under it, so a double-submitted scan or confirmation cannot count twice.
    """
    return Shipment.objects.select_for_update(of=("self",)).select_related("order", "order__client",
                                                                           "warehouse").get(pk=shipment_id)


def document_lock(key: str) -> None:
    """Take the render lock of one stored document (creating its lock row on first use). Call inside
    transaction.atomic; held until it commits.

    The row is not the document's owner (a pick list, a shipment), so a render of several seconds never holds up
    the floor's writes to that row. Take no other lock after it.
    """
    DocumentLock.objects.select_for_update().get_or_create(key=key)
