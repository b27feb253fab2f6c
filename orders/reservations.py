"""Writes to orders.Allocation for the floor: reservations that follow the units when they are picked,
shrink when units are not found, and grow when a short pick is allocated again elsewhere.

Stock levels themselves change only through inventory.services; these functions keep the Allocation
rows (which units of an order line are reserved at which StockLevel) in step with those moves.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.exceptions import StockLedgerError
from inventory.locks import stock_levels_for_products_lock
from inventory.models import StockLevel
from inventory.services import stock_allocate
from orders.models import Allocation, OrderLine
from warehouses.choices import LocationKind


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


@transaction.atomic
def order_line_allocate_in_warehouse(
    *, order_line: OrderLine, warehouse_id: int, quantity: int, reference: str, user=None,
    exclude_stock_level_ids: frozenset[int] = frozenset(),
) -> list[tuple[Allocation, int]]:
    """Reserve up to `quantity` more units of an order line in one warehouse, from pick faces before
    reserve, earliest expiry first (expired lots never), skipping the given stock levels. Returns
    (allocation, units) per stock level used; fewer units than asked when the warehouse has no more.
    """
    today = timezone.localdate()
    levels = stock_levels_for_products_lock(
        [order_line.product_id],
        location__warehouse_id=warehouse_id,
        location__is_active=True,
        location__kind__in=[LocationKind.PICK, LocationKind.RESERVE],
    )
    candidates = [
        lv for lv in levels
        if lv.pk not in exclude_stock_level_ids and lv.available > 0
        and (lv.expiry_date is None or lv.expiry_date >= today)
    ]
    far_future = datetime.date.max
    candidates.sort(key=lambda lv: (lv.location.kind != LocationKind.PICK, lv.expiry_date or far_future,
                                    lv.location.walk_sequence, lv.pk))
    result: list[tuple[Allocation, int]] = []
    needed = quantity
    for level in candidates:
        if needed <= 0:
            break
        take = min(needed, level.available)
        stock_allocate(stock_level_id=level.pk, quantity=take, reference=reference, user=user)
        allocation, created = Allocation.objects.get_or_create(
            line=order_line, stock_level=level, defaults={"quantity": take}
        )
        if not created:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + take)
            allocation.refresh_from_db()
        result.append((allocation, take))
        needed -= take
    return result


def packing_stock_level_id(*, product_id: int, location_id: int, lot_number: str) -> int:
    """Return the id of the stock level that stock_move created at the destination."""
    return StockLevel.objects.only("pk").get(product_id=product_id, location_id=location_id,
                                             lot_number=lot_number).pk
