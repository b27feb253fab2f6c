"""Reserving stock for orders at specific locations, and giving it back.

Which stock a line takes, in one warehouse:
- only active pick and reserve locations (never receiving, packing or returns areas);
- never expired stock (an expiry date today or earlier counts as expired);
- lot-tracked products first-expired-first-out, then pick faces before reserve;
- other products from pick faces first, then reserve, each time from the fewest locations
  (and, when one location can fill what is left, the smallest that can, so big stacks stay whole).

Locks: the order row first, then the stock levels of the products concerned in pk order
(orders.locks, inventory.locks), so two orders sharing SKUs in any line order cannot deadlock.
Every reservation goes through inventory.services.stocks_allocate, so the ledger records it. Writing an
order's reservations takes a fixed number of statements however many lines and stock levels it touches
(one batch to the ledger service, one upsert of the allocations): on a hot SKU every statement is time
the stock row stays locked for everybody else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import DomainError
from inventory.exceptions import InsufficientStock
from inventory.locks import stock_levels_for_products_lock
from inventory.models import StockLevel
from inventory.services import stocks_allocate, stocks_deallocate
from orders.choices import EDITABLE_STATUSES, OrderStatus
from orders.exceptions import OrderNotEditable
from orders.locks import order_lock
from orders.models import Allocation, Order, OrderLine
from orders.services import order_event_add
from warehouses.choices import LocationKind
from warehouses.models import Warehouse

ALLOCATABLE_LOCATION_KINDS = (LocationKind.PICK, LocationKind.RESERVE)
# An order may take more stock while it is still being routed or picked (short picks re-allocate).
ALLOCATING_STATUSES = frozenset(
    {OrderStatus.RECEIVED, OrderStatus.ALLOCATED, OrderStatus.BACKORDERED, OrderStatus.PICKING}
)


@dataclass(frozen=True)
class Reservation:
    """Units reserved by one call at one stock level; `allocation` holds the line's running total there
    (its timestamps load on first use)."""

    allocation: Allocation
    stock_level: StockLevel
    quantity: int


def allocation_today() -> datetime.date:
    return timezone.localdate()


def stock_level_is_allocatable(level: StockLevel, *, today: datetime.date) -> bool:
    """True when a (location-loaded) stock level may be reserved: usable location, not expired."""
    location = level.location
    if not location.is_active or location.kind not in ALLOCATABLE_LOCATION_KINDS:
        return False
    return level.expiry_date is None or level.expiry_date > today


def allocatable_stock_levels_lock(
    *, product_ids: Iterable[int], warehouse_ids: Iterable[int] | None = None
) -> list[StockLevel]:
    """Lock (pk order) the stock levels of the products at pick and reserve locations, optionally only in
    some warehouses. Call inside transaction.atomic, after locking the order."""
    filters: dict = {"location__kind__in": ALLOCATABLE_LOCATION_KINDS, "location__is_active": True}
    if warehouse_ids is not None:
        filters["location__warehouse_id__in"] = sorted(set(warehouse_ids))
    return stock_levels_for_products_lock(product_ids, **filters)


def allocatable_stock_levels(*, product_ids: Iterable[int]) -> list[StockLevel]:
    """The stock levels of the products at pick and reserve locations, as they are now (no lock; pk order)."""
    return list(StockLevel.objects.filter(product_id__in=sorted(set(product_ids)),
                                          location__kind__in=ALLOCATABLE_LOCATION_KINDS, location__is_active=True)
                .select_related("location").order_by("pk"))


def _fewest_locations(levels: list[StockLevel], need: int) -> tuple[int, list[tuple[StockLevel, int]]]:
    # The k largest stacks have the largest sum of any k, so taking the largest until one location can
    # fill the rest gives the fewest locations; the rest comes from the smallest stack that fits.
    pool = sorted(levels, key=lambda lv: (-lv.available, lv.location.walk_sequence, lv.pk))
    taken: list[tuple[StockLevel, int]] = []
    while need > 0 and pool:
        fits = [lv for lv in pool if lv.available >= need]
        if fits:
            best = min(fits, key=lambda lv: (lv.available, lv.location.walk_sequence, lv.pk))
            taken.append((best, need))
            return 0, taken
        top = pool.pop(0)
        taken.append((top, top.available))
        need -= top.available
    return need, taken


def allocation_plan(
    *, levels: Iterable[StockLevel], quantity: int, lot_tracked: bool, today: datetime.date | None = None
) -> list[tuple[StockLevel, int]]:
    """Choose the stock levels and quantities for `quantity` units of one product (pure; nothing is written).

    `levels` are the product's stock levels in one warehouse, with `location` loaded. Returns fewer units
    than asked when there are not enough; the caller decides whether a partial plan is acceptable.
    """
    today = today or allocation_today()
    usable = [lv for lv in levels if lv.available > 0 and stock_level_is_allocatable(lv, today=today)]
    if quantity <= 0 or not usable:
        return []
    if lot_tracked:
        usable.sort(key=lambda lv: (lv.expiry_date or datetime.date.max, lv.location.kind != LocationKind.PICK,
                                    -lv.available, lv.location.walk_sequence, lv.pk))
        plan, need = [], quantity
        for level in usable:
            take = min(level.available, need)
            plan.append((level, take))
            need -= take
            if need == 0:
                break
        return plan
    plan, need = [], quantity
    for kind in (LocationKind.PICK, LocationKind.RESERVE):
        need, taken = _fewest_locations([lv for lv in usable if lv.location.kind == kind], need)
        plan.extend(taken)
        if need == 0:
            break
    return plan


def _allocations_add(taken: list[tuple[OrderLine, StockLevel, int]], *, totals: bool = True
                     ) -> dict[tuple[int, int], Allocation]:
    """Add units to the lines' allocations at the stock levels, creating the missing ones, in one statement.

    Returns each (line id, stock level id)'s Allocation with its new total; with `totals` False, writes only
    and returns nothing (a batch of orders has no use for them).
    """
    units: dict[tuple[int, int], int] = {}
    for line, level, quantity in taken:
        units[(line.pk, level.pk)] = units.get((line.pk, level.pk), 0) + quantity
    table = connection.ops.quote_name(Allocation._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (created_at, updated_at, line_id, stock_level_id, quantity) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(units))
            + f" ON CONFLICT (line_id, stock_level_id) DO UPDATE SET quantity = {table}.quantity + excluded.quantity,"
            " updated_at = excluded.updated_at"
            + (" RETURNING id, line_id, stock_level_id, quantity" if totals else ""),
            [value for (line_id, level_id), quantity in units.items()
             for value in (now, now, line_id, level_id, quantity)],
        )
        if not totals:
            return {}
        rows = cursor.fetchall()
    lines = {line.pk: line for line, _, _ in taken}
    levels = {level.pk: level for _, level, _ in taken}
    written = {}
    for row in rows:
        allocation = Allocation.from_db(connection.alias, ["id", "line_id", "stock_level_id", "quantity"], row)
        allocation.line, allocation.stock_level = lines[allocation.line_id], levels[allocation.stock_level_id]
        written[(allocation.line_id, allocation.stock_level_id)] = allocation
    return written


def _reserve(
    *, order: Order, plans: list[tuple[OrderLine, list[tuple[StockLevel, int]]]], user=None
) -> list[Reservation]:
    """Write the planned reservations of an order's lines: the stock and its ledger rows, then the allocations."""
    taken = [(line, level, quantity) for line, plan in plans for level, quantity in plan]
    if not taken:
        return []
    stocks_allocate(allocations=[(level.pk, quantity) for _, level, quantity in taken],
                    reference=order.order_number, user=user)
    for _, level, quantity in taken:
        # Keep the in-memory rows in step, so that later parts of the same order see what is left.
        level.allocated += quantity
    totals = _allocations_add(taken)
    return [Reservation(allocation=totals[(line.pk, level.pk)], stock_level=level, quantity=quantity)
            for line, level, quantity in taken]


def _check_can_allocate(order: Order) -> None:
    if order.status not in ALLOCATING_STATUSES:
        raise OrderNotEditable(
            f"Order {order.order_number} is {order.get_status_display().lower()}; stock can no longer be "
            "reserved for it."
        )


@transaction.atomic
def order_line_allocate(
    *,
    line: OrderLine,
    quantity: int,
    warehouse: Warehouse | None = None,
    exclude_location_ids: Iterable[int] = (),
    allow_partial: bool = True,
    user=None,
) -> list[Reservation]:
    """Reserve `quantity` more units of one order line from stock in one warehouse.

    The warehouse defaults to the order's. Used by routing, and by picking for a short pick: pass the
    location that came up short in `exclude_location_ids` to take the rest from elsewhere in the same
    warehouse. Locks the order, then the product's stock levels. With `allow_partial` (the default) it
    reserves what it can and returns the reservations (possibly none; sum their `quantity`); without, it
    reserves all or nothing.

    Raises InsufficientStock (allow_partial=False and too little stock), OrderNotEditable (the order is
    past picking or cancelled), DomainError (no product, no warehouse, inactive warehouse, bad quantity).
    """
    if quantity <= 0:
        raise DomainError("Quantity to allocate must be positive.", field="quantity")
    order = order_lock(line.order_id)
    _check_can_allocate(order)
    line = OrderLine.objects.select_related("product").get(pk=line.pk)
    if line.product_id is None:
        raise DomainError(f"Line {line.sku} has no known product; it cannot be allocated.", field="sku")
    warehouse_id = warehouse.pk if warehouse is not None else order.warehouse_id
    if warehouse_id is None:
        raise DomainError(f"Order {order.order_number} has no warehouse to allocate from.", field="warehouse")
    if not Warehouse.objects.filter(pk=warehouse_id, is_active=True).exists():
        raise DomainError("The warehouse is inactive; stock cannot be reserved there.", field="warehouse")
    excluded = set(exclude_location_ids)
    levels = [
        lv for lv in allocatable_stock_levels_lock(product_ids=[line.product_id], warehouse_ids=[warehouse_id])
        if lv.location_id not in excluded
    ]
    plan = allocation_plan(levels=levels, quantity=quantity, lot_tracked=line.product.is_lot_tracked)
    planned = sum(q for _, q in plan)
    if planned < quantity and not allow_partial:
        raise InsufficientStock(
            f"Only {planned} of {quantity} units of {line.sku} can be reserved in this warehouse.", field="quantity"
        )
    return _reserve(order=order, plans=[(line, plan)], user=user)


@dataclass(frozen=True)
class Shortage:
    sku: str
    wanted: int
    available: int


def lines_plan(
    *, lines: list[tuple[OrderLine, int]], levels: list[StockLevel], warehouse_id: int,
    today: datetime.date | None = None,
) -> tuple[list[tuple[OrderLine, list[tuple[StockLevel, int]]]], list[Shortage]]:
    """Plan (line, quantity) pairs against stock levels in one warehouse (pure; nothing is written).

    Returns each line's plan and the lines that cannot be filled.
    """
    today = today or allocation_today()
    in_warehouse = [lv for lv in levels if lv.location.warehouse_id == warehouse_id]
    by_product: dict[int, list[StockLevel]] = {}
    for level in in_warehouse:
        by_product.setdefault(level.product_id, []).append(level)
    # Plan every line against a running copy of availability, so a shortage is found before anything is taken.
    plans: list[tuple[OrderLine, list[tuple[StockLevel, int]]]] = []
    shortages: list[Shortage] = []
    used: dict[int, int] = {}
    for line, quantity in lines:
        candidates = by_product.get(line.product_id, [])
        for level in candidates:
            level.allocated += used.get(level.pk, 0)
        plan = allocation_plan(levels=candidates, quantity=quantity, lot_tracked=line.product.is_lot_tracked,
                               today=today)
        for level in candidates:
            level.allocated -= used.get(level.pk, 0)
        for level, q in plan:
            used[level.pk] = used.get(level.pk, 0) + q
        planned = sum(q for _, q in plan)
        if planned < quantity:
            shortages.append(Shortage(sku=line.sku, wanted=quantity, available=planned))
        plans.append((line, plan))
    return plans, shortages


def lines_allocate_locked(
    *,
    order: Order,
    lines: list[tuple[OrderLine, int]],
    levels: list[StockLevel],
    warehouse_id: int,
    user=None,
) -> list[Reservation]:
    """Reserve (line, quantity) pairs from already-locked stock levels in one warehouse, all or nothing.

    For callers that hold the locks (routing); everyone else calls order_allocate or order_line_allocate.
    Raises InsufficientStock naming every short SKU (nothing is reserved then).
    """
    plans, shortages = lines_plan(lines=lines, levels=levels, warehouse_id=warehouse_id)
    if shortages:
        raise InsufficientStock(
            "Not enough stock: " + ", ".join(f"{s.sku} needs {s.wanted}, {s.available} available"
                                              for s in shortages),
        )
    return _reserve(order=order, plans=plans, user=user)


def reservations_write(*, taken: list[tuple[Order, OrderLine, StockLevel, int]], user=None) -> None:
    """Write reservations planned for several orders from stock levels the caller has locked, whose in-memory
    `allocated` already counts them: the stock and its ledger rows (each with its order's number), then the
    allocations. A fixed number of statements for the lot, however many orders.

    Raises InsufficientStock if the stock no longer covers them (the caller's transaction must roll back).
    """
    if not taken:
        return
    stocks_allocate(allocations=[(level.pk, quantity) for _, _, level, quantity in taken],
                    references=[order.order_number for order, _, _, _ in taken], user=user,
                    levels={level.pk: level for _, _, level, _ in taken})
    _allocations_add([(line, level, quantity) for _, line, level, quantity in taken], totals=False)


@transaction.atomic
def order_allocate(*, order: Order, warehouse: Warehouse, user=None) -> list[Reservation]:
    """Reserve every unreserved unit of an order in one warehouse, all lines or none.

    Does not change the order's status or warehouse (routing does). Raises InsufficientStock naming the
    short SKUs, OrderNotEditable when the order can no longer take stock, DomainError for a line with an
    unknown product or an inactive warehouse.
    """
    locked = order_lock(order.pk)
    _check_can_allocate(locked)
    if not warehouse.is_active:
        raise DomainError(f"Warehouse {warehouse.code} is inactive.", field="warehouse")
    lines = list(locked.lines.select_related("product").order_by("pk"))
    if unknown := [line.sku for line in lines if line.product_id is None]:
        raise DomainError(f"Lines without a known product cannot be allocated: {', '.join(unknown)}.")
    done = dict(
        Allocation.objects.filter(line__order=locked).values("line").annotate(n=Sum("quantity")).values_list(
            "line", "n")
    )
    todo = [(line, line.quantity - done.get(line.pk, 0)) for line in lines if line.quantity > done.get(line.pk, 0)]
    if not todo:
        return []
    levels = allocatable_stock_levels_lock(product_ids=[line.product_id for line, _ in todo],
                                           warehouse_ids=[warehouse.pk])
    return lines_allocate_locked(order=locked, lines=todo, levels=levels, warehouse_id=warehouse.pk, user=user)


@transaction.atomic
def order_line_allocations_release(*, line: OrderLine, user=None, reason: str = "Reservation released") -> int:
    """Release every reservation of one order line and delete its allocations. Returns units released."""
    order = order_lock(line.order_id)
    allocations = list(Allocation.objects.filter(line_id=line.pk).order_by("stock_level_id", "pk"))
    stocks_deallocate(releases=[(a.stock_level_id, a.quantity) for a in allocations],
                      reference=order.order_number, reason=reason, user=user)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    return sum(a.quantity for a in allocations)


@transaction.atomic
def order_line_remove(*, line: OrderLine, user=None, actor: str = "") -> Order:
    """Remove a line from an order before picking, releasing its reserved stock, and note it on the timeline.

    Raises OrderNotEditable once picking started (or for the order's last line: cancel the order instead).
    """
    order = order_lock(line.order_id)
    if order.status not in EDITABLE_STATUSES:
        raise OrderNotEditable(
            f"Order {order.order_number} is {order.get_status_display().lower()}; lines can no longer be removed."
        )
    if order.lines.count() <= 1:
        raise OrderNotEditable("This is the order's only line; cancel the order instead.")
    released = order_line_allocations_release(line=line, user=user, reason="Order line removed")
    note = f"Line {line.sku} × {line.quantity} removed"
    if released:
        note += f"; {released} reserved units released"
    OrderLine.objects.filter(pk=line.pk).delete()
    order_event_add(order=order, note=note, user=user, actor=actor)
    return order
