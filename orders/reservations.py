"""Writes to orders.Allocation for the floor: reservations that follow the units when they are picked,
and shrink when units are not found (new reservations come from orders.allocation).

Stock levels themselves change only through inventory.services; these functions keep the Allocation
rows (which units of an order line are reserved at which StockLevel) in step with those moves.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.exceptions import StockLedgerError
from inventory.models import StockLevel
from orders.models import Allocation


@transaction.atomic
def allocation_reduce(*, order_line_id: int, stock_level_id: int, quantity: int) -> None:
    """Take units off an order line's reservation at a stock level (deleting it at zero); the caller has
    already released or moved the stock itself. Raises StockLedgerError if fewer units are reserved."""
    allocation = (Allocation.objects.select_for_update(of=("self",))
                  .filter(line_id=order_line_id, stock_level_id=stock_level_id).first())
    if allocation is None or allocation.quantity < quantity:
        raise StockLedgerError("The order holds fewer reserved units here than that.")
    if allocation.quantity == quantity:
        allocation.delete()
    else:
        Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - quantity,
                                                           updated_at=timezone.now())


@transaction.atomic
def allocation_relocate(*, order_line_id: int, from_stock_level_id: int, to_stock_level_id: int,
                        quantity: int) -> Allocation:
    """Point `quantity` reserved units of an order line at another stock level, after
    inventory.services.stock_move(allocated=True) moved them there (a pick to the packing area).
    Raises StockLedgerError if fewer units are reserved at the source."""
    allocation_reduce(order_line_id=order_line_id, stock_level_id=from_stock_level_id, quantity=quantity)
    target, created = Allocation.objects.select_for_update(of=("self",)).get_or_create(
        line_id=order_line_id, stock_level_id=to_stock_level_id, defaults={"quantity": quantity}
    )
    if not created:
        Allocation.objects.filter(pk=target.pk).update(quantity=F("quantity") + quantity, updated_at=timezone.now())
        target.refresh_from_db()
    return target


def packing_stock_level_id(*, product_id: int, location_id: int, lot_number: str) -> int:
    """Return the id of the stock level that stock_move created at the destination."""
    return StockLevel.objects.only("pk").get(product_id=product_id, location_id=location_id,
                                             lot_number=lot_number).pk
