"""Picking and sorting: release pick lists, walk them with a scanner, report short picks, sort batches.

Where the units are, at every moment:
- On release nothing moves: each stop (PickListLine) links to the orders' reservations
  (orders.Allocation of an order line at a pick-location StockLevel) through PickListAllocation.
- Each confirmed unit is moved in the ledger from the pick location to the list's packing area with
  inventory.services.stock_move(kind=PICK, allocated=True), so it stays reserved, and the order's
  Allocation row is re-pointed at the packing-area StockLevel (orders.reservations.allocation_relocate).
  After picking, therefore, an order's Allocation rows say exactly which packing-area StockLevel holds
  its units: packing and shipping remove them from there with stock_remove(allocated=True).
- A unit that is not found is removed from the pick location as SHORT_PICK, its reservation shrinks,
  and the order is allocated again elsewhere in the warehouse (a new stop on the same list) or, failing
  that, backordered or put on hold (ShortPickRule of the client) with the reason on its timeline.

Locks: the pick list first (shipping.locks), then orders (order_transition), then stock levels
(inventory.services). Every status change of an order goes through orders.services.order_transition.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.transitions import status_transition, transition_check
from core.work import work_enqueue
from inventory.choices import MovementKind
from inventory.services import stock_move, stock_remove
from orders.allocation import order_line_allocate
from orders.choices import OrderStatus
from orders.locks import orders_lock
from orders.models import Allocation, Order
from orders.reservations import allocation_reduce, allocation_relocate, packing_stock_level_id
from orders.services import order_event_add, order_hold, order_transition
from shipping.choices import (
    OPEN_PICK_LIST_STATUSES,
    PICK_LIST_TRANSITIONS,
    PickListKind,
    PickListStatus,
    ShortPickAction,
    WaveSplit,
)
from shipping.exceptions import InvalidPickListTransition, PickingError, WrongScan
from shipping.locks import pick_list_lock
from shipping.models import PickList, PickListAllocation, PickListLine, PickListOrder, ShortPickRule, Wave
from shipping.selectors import orders_ready_to_pick
from shipping.task_names import PICK_LIST_PDF_TASK, WAVE_PDF_TASK
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse
from warehouses.walk import floor_geometry, pick_route_order, spot_of


def picking_setting(name: str):
    defaults = {"cart_size": 8, "batch_max_units": 6, "auto_release": True}
    return getattr(settings, "DOCKHAND_PICKING", {}).get(name, defaults[name])


def _who(user) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "system"


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


# The time each step is stamped on the list (a cancelled list is finished too).
PICK_LIST_STAMPS = {PickListStatus.PICKING: "started_at", PickListStatus.COMPLETED: "completed_at",
                    PickListStatus.CANCELLED: "completed_at"}


def _pick_list_subject(pick_list: PickList) -> str:
    return f"Pick list {pick_list.number}"


def _check_move(pick_list: PickList, to_status: str) -> None:
    """Refuse a move PICK_LIST_TRANSITIONS does not allow before any side effect (the move checks again)."""
    transition_check(instance=pick_list, to_status=to_status, transitions=PICK_LIST_TRANSITIONS,
                     subject=_pick_list_subject, error=InvalidPickListTransition)


def pick_list_transition(*, pick_list: PickList | int, to_status: str, user=None, note: str = "",
                         fields: dict | None = None, at: datetime.datetime | None = None,
                         locked: bool = False) -> PickList:
    """Move a pick list to another status, recording who and when (core.transitions.status_transition).

    The step the picking services share; they do the work around it. With `locked` the caller holds the
    list's row lock and passes that instance. Returns the locked, saved list.
    Raises InvalidPickListTransition (a PickingError) when PICK_LIST_TRANSITIONS does not allow the move.
    """
    return status_transition(instance=pick_list, lock=None if locked else pick_list_lock, to_status=to_status,
                             transitions=PICK_LIST_TRANSITIONS, user=user, note=note, subject=_pick_list_subject,
                             stamps=PICK_LIST_STAMPS, fields=fields, error=InvalidPickListTransition, at=at)


def packing_location_for(warehouse: Warehouse) -> Location:
    """Return the packing area picked units go to. Raises PickingError when the warehouse has none."""
    location = (Location.objects.filter(warehouse=warehouse, kind=LocationKind.PACKING, is_active=True)
                .order_by("walk_sequence", "code").first())
    if location is None:
        raise PickingError(f"{warehouse.code} has no active packing-area location to pick to.")
    return location


# --- Release -------------------------------------------------------------------------------------------


def _resequence(pick_list: PickList) -> None:
    """Number the stops along the walk: stops already done keep their place, the rest follow along the
    shortest route found on the warehouse's floor (warehouses.walk.pick_route_order), so a stop added by a
    short pick slots into the remaining walk."""
    lines = list(pick_list.lines.select_related("location").order_by("sequence", "pk"))
    done = [line for line in lines if line.is_done and line.sequence]
    todo = pick_route_order([line for line in lines if line not in done],
                            floor_geometry(warehouse=pick_list.warehouse), spot=lambda ln: spot_of(ln.location))
    changed = []
    for n, line in enumerate([*done, *todo], start=1):
        if line.sequence != n:
            line.sequence = n
            changed.append(line)
    PickListLine.objects.bulk_update(changed, ["sequence"])


def _add_units(pick_list: PickList, list_order: PickListOrder, allocation: Allocation, quantity: int,
               level=None) -> PickListLine:
    """Add reserved units of one order to the stop for their location and product (merging stops)."""
    level = level or allocation.stock_level
    line, created = PickListLine.objects.get_or_create(
        pick_list=pick_list, location_id=level.location_id, product_id=level.product_id,
        defaults={"quantity": quantity},
    )
    if not created:
        PickListLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity, location_confirmed_at=None)
    link, created = PickListAllocation.objects.get_or_create(
        line=line, order_line_id=allocation.line_id, stock_level_id=level.pk,
        defaults={"list_order": list_order, "quantity": quantity},
    )
    if not created:
        PickListAllocation.objects.filter(pk=link.pk).update(quantity=F("quantity") + quantity)
    return line


@transaction.atomic
def _pick_list_create(*, warehouse: Warehouse, kind: str, orders: list[Order], user=None,
                      wave: Wave | None = None) -> PickList:
    locked = {o.pk: o for o in orders_lock([o.pk for o in orders])}
    for order in orders:
        current = locked.get(order.pk)
        if current is None or current.status != OrderStatus.ALLOCATED:
            status = OrderStatus(current.status).label.lower() if current else "gone"
            raise PickingError(f"Order {order.order_number} is {status}, not allocated: it cannot be picked.")
        if current.warehouse_id != warehouse.pk:
            raise PickingError(f"Order {order.order_number} ships from another warehouse.")
    busy = (PickListOrder.objects.filter(order__in=orders, is_open=True).select_related("order", "pick_list")
            .first())
    if busy:
        raise PickingError(f"Order {busy.order.order_number} is already on open pick list {busy.pick_list.number}.")
    allocations = list(
        Allocation.objects.filter(line__order__in=orders)
        .exclude(stock_level__location__kind=LocationKind.PACKING)
        .select_related("stock_level", "line")
        .order_by("pk")
    )
    with_units = {a.line.order_id for a in allocations}
    for order in orders:
        if order.pk not in with_units:
            raise PickingError(f"Order {order.order_number} has no reserved units to pick.")
    pick_list = PickList.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:20]}", warehouse=warehouse, kind=kind, wave=wave,
        packing_location=packing_location_for(warehouse), released_by=_user_or_none(user),
    )
    pick_list.number = f"PL-{warehouse.code}-{pick_list.pk:06d}"
    pick_list.save(update_fields=["number"])
    try:
        with transaction.atomic():
            list_orders = PickListOrder.objects.bulk_create(
                PickListOrder(pick_list=pick_list, order=order, tote=n) for n, order in enumerate(orders, start=1)
            )
    except IntegrityError as exc:  # the partial unique constraint caught a concurrent release
        raise PickingError("One of these orders was just put on another pick list; release again.") from exc
    by_order = {lo.order_id: lo for lo in list_orders}
    for allocation in allocations:
        _add_units(pick_list, by_order[allocation.line.order_id], allocation, allocation.quantity)
    _resequence(pick_list)
    if kind != PickListKind.WAVE:
        work_enqueue(PICK_LIST_PDF_TASK, pick_list.pk)
    return pick_list


def pick_list_release_single(*, order: Order, user=None) -> PickList:
    """Release one allocated order as its own pick list.

    Raises PickingError when the order is not allocated, has no reserved units or is already on an open list.
    """
    if order.warehouse_id is None:
        raise PickingError(f"Order {order.order_number} has no warehouse yet.")
    return _pick_list_create(warehouse=order.warehouse, kind=PickListKind.SINGLE, orders=[order], user=user)


def _small_orders(warehouse: Warehouse, max_units: int | None) -> list[Order]:
    orders = orders_ready_to_pick(warehouse_id=warehouse.pk)
    if max_units:
        orders = orders.filter(units__lte=max_units)
    return list(orders)


def _cart_order(orders: list[Order]) -> list[Order]:
    # Orders whose first stops are near each other share a cart; ties by age.
    return sorted(orders, key=lambda o: (o.first_stop, o.received_at, o.pk))


def pick_list_release_batch(*, warehouse: Warehouse, user=None, cart_size: int | None = None,
                            max_units: int | None = None, orders: Iterable[Order] | None = None) -> PickList:
    """Release up to cart_size small allocated orders (at most max_units units each) onto one cart, each
    order in its own numbered tote; or exactly the given orders.

    Raises PickingError when no order is waiting or a given order cannot be picked.
    """
    cart_size = cart_size or picking_setting("cart_size")
    if cart_size < 1 or cart_size > 99:
        raise PickingError("Cart size must be between 1 and 99.", field="cart_size")
    if orders is None:
        max_units = picking_setting("batch_max_units") if max_units is None else max_units
        chosen = _small_orders(warehouse, max_units)[:cart_size]
    else:
        chosen = list(orders)
        if len(chosen) > cart_size:
            raise PickingError(f"A cart holds at most {cart_size} orders.", field="orders")
    if not chosen:
        raise PickingError(f"No allocated orders{' this small' if max_units else ''} are waiting in {warehouse.code}.")
    return _pick_list_create(warehouse=warehouse, kind=PickListKind.BATCH, orders=chosen, user=user)


def _order_zones(order_ids: list[int]) -> dict[int, str]:
    zones: dict[int, set[str]] = defaultdict(set)
    rows = (Allocation.objects.filter(line__order_id__in=order_ids)
            .values_list("line__order_id", "stock_level__location__zone"))
    for order_id, zone in rows:
        zones[order_id].add(zone or "-")
    return {order_id: "+".join(sorted(z)) for order_id, z in zones.items()}


@transaction.atomic
def wave_release(*, warehouse: Warehouse, user=None, service_level: str = "", cutoff_at=None,
                 cart_size: int | None = None, split: str = WaveSplit.CART) -> Wave:
    """Release every allocated order of a warehouse received before the cut-off and/or of one service
    level as a wave, cut into pick lists of at most cart_size orders (by zone first with split=zone:
    orders touching the same zones share lists, so each cart stays in its zones).

    Raises PickingError when no order matches.
    """
    cart_size = cart_size or picking_setting("cart_size")
    if cart_size < 1 or cart_size > 99:
        raise PickingError("Cart size must be between 1 and 99.", field="cart_size")
    if split not in WaveSplit.values:
        raise PickingError(f"Unknown split {split!r}.", field="split")
    orders = orders_ready_to_pick(warehouse_id=warehouse.pk)
    if service_level:
        orders = orders.filter(requested_service_level=service_level)
    if cutoff_at:
        orders = orders.filter(received_at__lt=cutoff_at)
    orders = _cart_order(list(orders))
    if not orders:
        raise PickingError(f"No allocated orders in {warehouse.code} match this wave.")
    wave = Wave.objects.create(number=f"tmp-{uuid.uuid4().hex[:20]}", warehouse=warehouse,
                               service_level=service_level, cutoff_at=cutoff_at, split=split,
                               cart_size=cart_size, released_by=_user_or_none(user))
    wave.number = f"W-{warehouse.code}-{wave.pk:05d}"
    wave.save(update_fields=["number"])
    groups: dict[str, list[Order]] = defaultdict(list)
    zones = _order_zones([o.pk for o in orders]) if split == WaveSplit.ZONE else {}
    for order in orders:
        groups[zones.get(order.pk, "")].append(order)
    for key in sorted(groups):
        group = groups[key]
        for start in range(0, len(group), cart_size):
            _pick_list_create(warehouse=warehouse, kind=PickListKind.WAVE, orders=group[start:start + cart_size],
                              user=user, wave=wave)
    work_enqueue(WAVE_PDF_TASK, wave.pk)
    return wave


def pick_lists_release_due(*, warehouse: Warehouse, cart_size: int | None = None,
                           max_units: int | None = None) -> list[PickList]:
    """Release every waiting allocated order of a warehouse: small ones in batches of cart_size, the
    rest as single lists. The periodic release task calls this per warehouse; it is safe to run twice
    (orders already on an open list are not waiting)."""
    cart_size = cart_size or picking_setting("cart_size")
    max_units = picking_setting("batch_max_units") if max_units is None else max_units
    waiting = list(orders_ready_to_pick(warehouse_id=warehouse.pk))
    small = _cart_order([o for o in waiting if o.units <= max_units])
    large = [o for o in waiting if o.units > max_units]
    released: list[PickList] = []
    for start in range(0, len(small), cart_size):
        chunk = small[start:start + cart_size]
        if len(chunk) == 1:
            large.append(chunk[0])
            continue
        try:
            released.append(pick_list_release_batch(warehouse=warehouse, orders=chunk, cart_size=cart_size))
        except PickingError:
            continue  # an order changed meanwhile; the next run picks the rest up
    for order in large:
        try:
            released.append(pick_list_release_single(order=order))
        except PickingError:
            continue
    return released


@transaction.atomic
def pick_list_cancel(*, pick_list: PickList, user=None) -> PickList:
    """Withdraw a released list before anyone starts it; its orders stay allocated and can be released
    again. Raises PickingError once picking has started."""
    locked = pick_list_transition(pick_list=pick_list.pk, to_status=PickListStatus.CANCELLED, user=user,
                                  note="Withdrawn before picking")
    locked.list_orders.filter(is_open=True).update(is_open=False, outcome=PickListOrder.Outcome.DROPPED,
                                                   note=f"List cancelled by {_who(user)}", closed_at=timezone.now())
    return locked


# --- Picking ---------------------------------------------------------------------------------------------


@transaction.atomic
def pick_list_start(*, pick_list: PickList, user) -> PickList:
    """Start picking a released list: the user becomes its picker and its orders go allocated → picking.

    Orders that left allocated meanwhile (cancelled, held) are taken off the list.
    Raises PickingError when the list is not released or nothing is left to pick.
    """
    locked = pick_list_lock(pick_list.pk)
    _check_move(locked, PickListStatus.PICKING)
    picking = 0
    for list_order in locked.list_orders.filter(is_open=True).select_related("order").order_by("order_id"):
        if list_order.order.status != OrderStatus.ALLOCATED:
            _drop_list_order(list_order, f"Order was {list_order.order.get_status_display().lower()} at start")
            continue
        order_transition(order=list_order.order_id, to_status=OrderStatus.PICKING, user=user,
                         note=f"Picking started on {locked.number} by {_who(user)}")
        picking += 1
    if not picking:
        raise PickingError(f"No order on {locked.number} can still be picked; cancel the list.")
    return pick_list_transition(pick_list=locked, to_status=PickListStatus.PICKING, locked=True, user=user,
                                fields={"picker": _user_or_none(user)}, note=f"{picking} order(s) to pick")


def pick_list_current_line(pick_list: PickList) -> PickListLine | None:
    """The next stop to walk: the first line in walking order with units left."""
    for line in pick_list.lines.select_related("location", "product").order_by("sequence", "pk"):
        if not line.is_done:
            return line
    return None


@dataclass
class PickedUnits:
    order_number: str
    tote: int
    quantity: int


@dataclass
class ScanResult:
    kind: str  # "location" or "item"
    line: PickListLine
    message: str
    placed: list[PickedUnits] = field(default_factory=list)
    line_done: bool = False
    list_done: bool = False


def _matches_location(code: str, location: Location) -> bool:
    return code.strip().casefold() == location.code.casefold()


def _matches_item(code: str, product) -> bool:
    code = code.strip().casefold()
    return bool(code) and (code == product.sku.casefold() or (product.barcode and code == product.barcode.casefold()))


def _confirm_units(pick_list: PickList, line: PickListLine, quantity: int, user) -> list[PickedUnits]:
    """Move `quantity` units of a stop to the packing area, tote by tote, re-pointing the reservations."""
    if quantity < 1:
        raise PickingError("Quantity must be at least 1.", field="quantity")
    if quantity > line.remaining:
        raise PickingError(f"Only {line.remaining} more of {line.product.sku} are due at {line.location.code}.",
                           field="quantity")
    placed: list[PickedUnits] = []
    left = quantity
    links = line.links.select_related("list_order__order", "order_line", "stock_level").order_by(
        "list_order__tote", "pk")
    for link in links:
        if left == 0:
            break
        take = min(left, link.remaining)
        if take <= 0 or not link.list_order.is_open:
            continue
        order = link.list_order.order
        stock_move(stock_level_id=link.stock_level_id, to_location=pick_list.packing_location, quantity=take,
                   reference=pick_list.number, kind=MovementKind.PICK, allocated=True, user=user,
                   reason=f"Picked for order {order.order_number}")
        allocation_relocate(
            order_line_id=link.order_line_id, from_stock_level_id=link.stock_level_id, quantity=take,
            to_stock_level_id=packing_stock_level_id(product_id=line.product_id,
                                                     location_id=pick_list.packing_location_id,
                                                     lot_number=link.stock_level.lot_number),
        )
        PickListAllocation.objects.filter(pk=link.pk).update(picked_quantity=F("picked_quantity") + take)
        placed.append(PickedUnits(order_number=order.order_number, tote=link.list_order.tote, quantity=take))
        left -= take
    if left:
        raise PickingError("Some of these units belong to orders no longer on the list; leave them on the shelf.")
    PickListLine.objects.filter(pk=line.pk).update(picked_quantity=F("picked_quantity") + quantity,
                                                   updated_at=timezone.now())
    line.refresh_from_db()
    if line.is_done:
        _carry_location(pick_list, line)
    return placed


def _carry_location(pick_list: PickList, done_line: PickListLine) -> None:
    # The next stop at the same location needs no second location scan.
    following = pick_list_current_line(pick_list)
    if following and following.location_id == done_line.location_id and not following.location_confirmed_at:
        PickListLine.objects.filter(pk=following.pk).update(location_confirmed_at=timezone.now())


def _picking_list(pick_list: PickList) -> PickList:
    locked = pick_list_lock(pick_list.pk)
    if locked.status != PickListStatus.PICKING:
        raise PickingError(f"Pick list {locked.number} is {locked.get_status_display().lower()}, not being picked.")
    return locked


def _tote_message(pick_list: PickList, placed: list[PickedUnits]) -> str:
    if not pick_list.uses_totes:
        return ""
    return " · ".join(f"tote {p.tote} ({p.order_number})" + (f" ×{p.quantity}" if p.quantity > 1 else "")
                      for p in placed)


@transaction.atomic
def pick_list_scan(*, pick_list: PickList, code: str, user) -> ScanResult:
    """Take one scan on the scanner page: at each stop first the location, then the item (one unit per scan).

    Raises WrongScan, counting nothing, when the code is not the stop's location (or item); PickingError
    when the list is not being picked or every stop is done.
    """
    locked = _picking_list(pick_list)
    code = (code or "").strip()
    if not code:
        raise WrongScan("Nothing was scanned.")
    line = pick_list_current_line(locked)
    if line is None:
        raise PickingError("Every stop is done: complete the list.")
    if line.location_confirmed_at is None:
        if _matches_location(code, line.location):
            PickListLine.objects.filter(pk=line.pk).update(location_confirmed_at=timezone.now())
            line.refresh_from_db()
            return ScanResult(kind="location", line=line,
                              message=f"Location {line.location.code} OK. Now scan {line.product.sku}.")
        if _matches_item(code, line.product):
            raise WrongScan(f"Scan the location first: go to {line.location.code}.")
        raise WrongScan(f"WRONG LOCATION: you scanned {code}. Go to {line.location.code}. Nothing was counted.")
    if _matches_item(code, line.product):
        placed = _confirm_units(locked, line, 1, user)
        line.refresh_from_db()
        totes = _tote_message(locked, placed)
        message = f"{line.product.sku}: {line.picked_quantity} of {line.quantity - line.short_quantity} picked"
        if totes:
            message += f" → put it in {totes}"
        return ScanResult(kind="item", line=line, message=message + ".", placed=placed, line_done=line.is_done,
                          list_done=pick_list_current_line(locked) is None)
    if _matches_location(code, line.location):
        return ScanResult(kind="location", line=line,
                          message=f"Location {line.location.code} already confirmed. Scan {line.product.sku}.")
    raise WrongScan(f"WRONG ITEM: {code} is not {line.product.sku} ({line.product.name}). Nothing was counted.")


@transaction.atomic
def pick_list_line_confirm(*, pick_list: PickList, line_id: int, location_code: str, item_code: str,
                           quantity: int, user) -> ScanResult:
    """Confirm units of one stop at once (API, hand-held apps): the location and item codes must match.

    Raises WrongScan for a wrong location or item, PickingError for a bad quantity or list status.
    """
    locked = _picking_list(pick_list)
    line = _line_of(locked, line_id)
    if not _matches_location(location_code or "", line.location):
        raise WrongScan(f"WRONG LOCATION: {location_code or '(none)'} is not {line.location.code}. Nothing was counted.",
                        field="location")
    if not _matches_item(item_code or "", line.product):
        raise WrongScan(f"WRONG ITEM: {item_code or '(none)'} is not {line.product.sku}. Nothing was counted.",
                        field="item")
    if line.location_confirmed_at is None:
        PickListLine.objects.filter(pk=line.pk).update(location_confirmed_at=timezone.now())
    placed = _confirm_units(locked, line, quantity, user)
    line.refresh_from_db()
    return ScanResult(kind="item", line=line, message=f"{quantity} × {line.product.sku} picked.", placed=placed,
                      line_done=line.is_done, list_done=pick_list_current_line(locked) is None)


def _line_of(pick_list: PickList, line_id) -> PickListLine:
    try:
        return pick_list.lines.select_related("location", "product").get(pk=int(line_id))
    except (PickListLine.DoesNotExist, TypeError, ValueError) as exc:
        raise PickingError(f"Line {line_id} is not on pick list {pick_list.number}.", field="line") from exc


@dataclass
class ShortOutcome:
    order_number: str
    missing: int
    reallocated: int
    new_stops: list[str]
    order_status: str


@transaction.atomic
def pick_list_line_short(*, pick_list: PickList, line_id: int, user, found: int = 0) -> list[ShortOutcome]:
    """Report that a stop holds fewer units than listed: `found` more units are taken (to the totes), the
    rest are written off the pick location in the ledger as SHORT_PICK. Each order missing units is
    allocated again elsewhere in the warehouse (new stops on this list) or, if there is not enough,
    backordered or put on hold (by the client's ShortPickRule) with the reason on its timeline.

    Raises PickingError when nothing is missing or the list is not being picked.
    """
    locked = _picking_list(pick_list)
    line = _line_of(locked, line_id)
    if found < 0:
        raise PickingError("Found units cannot be negative.", field="found")
    if found >= line.remaining:
        raise PickingError(f"That is not a short pick: {line.remaining} due, {found} found. Scan them instead.",
                           field="found")
    if found:
        _confirm_units(locked, line, found, user)
        line.refresh_from_db()
    reason_head = f"Short pick on {locked.number} by {_who(user)}"
    outcomes: list[ShortOutcome] = []
    links = list(line.links.select_related("list_order__order__client", "order_line", "stock_level")
                 .order_by("list_order__tote", "pk"))
    for link in links:
        missing = link.remaining
        if missing <= 0:
            continue
        order = link.list_order.order
        note = f"{reason_head}: {missing} × {line.product.sku} not found at {line.location.code}"
        stock_remove(stock_level_id=link.stock_level_id, quantity=missing, kind=MovementKind.SHORT_PICK,
                     reference=locked.number, reason=f"Not found at {line.location.code} for {order.order_number}",
                     user=user, allocated=True)
        allocation_reduce(order_line_id=link.order_line_id, stock_level_id=link.stock_level_id, quantity=missing)
        PickListAllocation.objects.filter(pk=link.pk).update(short_quantity=F("short_quantity") + missing)
        PickListLine.objects.filter(pk=line.pk).update(short_quantity=F("short_quantity") + missing)
        if not link.list_order.is_open:
            continue
        # Routing's allocation service: same warehouse, never the location that came up short.
        got = order_line_allocate(line=link.order_line, quantity=missing, warehouse=locked.warehouse,
                                  exclude_location_ids=[line.location_id], allow_partial=True, user=user)
        new_stops = [_add_units(locked, link.list_order, r.allocation, r.quantity, level=r.stock_level).location.code
                     for r in got]
        found_elsewhere = sum(r.quantity for r in got)
        if found_elsewhere == missing:
            order_event_add(order=order, user=user,
                            note=f"{note}; allocated again at {', '.join(new_stops)} on the same list.")
            status = order.status
        else:
            status = _order_fail(locked, link.list_order, note + (
                f"; only {found_elsewhere} more found elsewhere in {locked.warehouse.code}" if found_elsewhere
                else f"; no more stock in {locked.warehouse.code}"), user)
        outcomes.append(ShortOutcome(order_number=order.order_number, missing=missing, reallocated=found_elsewhere,
                                     new_stops=new_stops, order_status=status))
    _resequence(locked)
    PickList.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return outcomes


def _drop_list_order(list_order: PickListOrder, note: str,
                     outcome: str = PickListOrder.Outcome.DROPPED) -> None:
    """Take an order off a list: its stops shrink by the units not yet picked."""
    for link in list_order.links.select_related("line"):
        left = link.remaining
        if left > 0:
            PickListAllocation.objects.filter(pk=link.pk).update(quantity=F("quantity") - left)
            PickListLine.objects.filter(pk=link.line_id).update(quantity=F("quantity") - left)
    list_order.is_open = False
    list_order.outcome = outcome
    list_order.note = note
    list_order.closed_at = timezone.now()
    list_order.save(update_fields=["is_open", "outcome", "note", "closed_at", "updated_at"])


def _order_fail(pick_list: PickList, list_order: PickListOrder, note: str, user) -> str:
    """An order cannot be completed after a short pick: backorder it (default) or hold it (client rule).

    Backordered, it keeps what it holds: the units already picked stay reserved for it in the packing
    area and its other reservations stay on the shelves, so routing only tops up the shortfall when stock
    arrives. On hold, every reservation is released (orders.services.order_hold) and the units already
    picked wait, unreserved, in the packing area to go back on the shelf.
    """
    order = list_order.order
    picked = sum(link.picked_quantity for link in list_order.links.all())
    rule = ShortPickRule.objects.filter(client_id=order.client_id).first()
    action = rule.action if rule else ShortPickAction.BACKORDER
    if action == ShortPickAction.HOLD:
        if picked:
            note += (f". {picked} unit(s) already picked into tote {list_order.tote} are left unreserved at "
                     f"{pick_list.packing_location.code}: put them back on the shelf")
        _drop_list_order(list_order, note, PickListOrder.Outcome.ON_HOLD)
        order_hold(order=order, reason=note, user=user)
        return OrderStatus.ON_HOLD
    if picked:
        note += (f". {picked} unit(s) already picked stay reserved for it at {pick_list.packing_location.code}"
                 + (f" (tote {list_order.tote})" if pick_list.uses_totes else ""))
    _drop_list_order(list_order, note, PickListOrder.Outcome.BACKORDERED)
    order_transition(order=order.pk, to_status=OrderStatus.BACKORDERED, user=user, note=note)
    return OrderStatus.BACKORDERED


def _order_picked(pick_list: PickList, list_order: PickListOrder, user) -> None:
    order_transition(order=list_order.order_id, to_status=OrderStatus.PICKED, user=user,
                     note=f"Picked on {pick_list.number} by {_who(user)}; units at {pick_list.packing_location.code}"
                     + (f", tote {list_order.tote}" if pick_list.uses_totes else ""))
    list_order.is_open = False
    list_order.outcome = PickListOrder.Outcome.PICKED
    list_order.closed_at = timezone.now()
    list_order.save(update_fields=["is_open", "outcome", "closed_at", "updated_at"])


@transaction.atomic
def pick_list_complete(*, pick_list: PickList, user) -> PickList:
    """Finish walking a list. A single list is done and its order picked; a batch or wave list goes on
    to sorting. Raises PickingError while stops are open (scan them or report them short)."""
    locked = _picking_list(pick_list)
    open_stops = [line for line in locked.lines.all() if not line.is_done]
    if open_stops:
        raise PickingError(f"{len(open_stops)} stop(s) still open: scan them or report them short.")
    now = timezone.now()
    open_orders = list(locked.list_orders.filter(is_open=True).select_related("order"))
    if locked.kind == PickListKind.SINGLE or not open_orders:
        _check_move(locked, PickListStatus.COMPLETED)
        for list_order in open_orders:
            _order_picked(locked, list_order, user)
        return pick_list_transition(pick_list=locked, to_status=PickListStatus.COMPLETED, locked=True, user=user,
                                    fields={"picked_at": now}, at=now, note="Every stop walked")
    return pick_list_transition(pick_list=locked, to_status=PickListStatus.SORTING, locked=True, user=user,
                                fields={"picked_at": now}, at=now,
                                note=f"Every stop walked; {len(open_orders)} order(s) to sort")


# --- Sorting -----------------------------------------------------------------------------------------------


@dataclass
class SortResult:
    order_number: str
    tote: int
    sku: str
    sorted_units: int
    total_units: int
    order_done: bool
    list_done: bool

    @property
    def message(self) -> str:
        text = f"{self.sku} → tote {self.tote}, order {self.order_number} ({self.sorted_units}/{self.total_units})"
        if self.order_done:
            text += ". Order complete: ready for packing"
        return text + "."


@transaction.atomic
def pick_list_sort_scan(*, pick_list: PickList, code: str, user) -> SortResult:
    """Sort one scanned unit of a batch or wave list to its order; when every picked unit of an order is
    sorted the order is picked (ready for packing), and when all are, the list is completed.

    Raises WrongScan when the item is not (or no longer) expected, PickingError when the list is not sorting.
    """
    locked = pick_list_lock(pick_list.pk)
    if locked.status != PickListStatus.SORTING:
        raise PickingError(f"Pick list {locked.number} is {locked.get_status_display().lower()}, not sorting.")
    code = (code or "").strip()
    links = list(PickListAllocation.objects.filter(line__pick_list=locked, list_order__is_open=True)
                 .select_related("line__product", "list_order__order").order_by("list_order__tote", "pk"))
    matching = [link for link in links if _matches_item(code, link.line.product)]
    if not matching:
        raise WrongScan(f"NOT ON THIS LIST: {code or '(nothing)'} belongs to no open order here. Put it aside.")
    link = next((lk for lk in matching if lk.sorted_quantity < lk.picked_quantity), None)
    if link is None:
        raise WrongScan(f"EXTRA UNIT: every picked {matching[0].line.product.sku} is already sorted. Put it aside.")
    PickListAllocation.objects.filter(pk=link.pk).update(sorted_quantity=F("sorted_quantity") + 1)
    link.sorted_quantity += 1
    list_order = link.list_order
    mine = [lk for lk in links if lk.list_order_id == list_order.pk]
    sorted_units = sum(lk.sorted_quantity for lk in mine)
    total = sum(lk.picked_quantity for lk in mine)
    order_done = sorted_units >= total
    if order_done:
        _order_picked(locked, list_order, user)
    list_done = not locked.list_orders.filter(is_open=True).exists()
    if list_done:
        pick_list_transition(pick_list=locked, to_status=PickListStatus.COMPLETED, locked=True, user=user,
                             note="Every order sorted")
    return SortResult(order_number=list_order.order.order_number, tote=list_order.tote,
                      sku=link.line.product.sku, sorted_units=sorted_units, total_units=total,
                      order_done=order_done, list_done=list_done)


# --- Orders leaving a list from outside (cancelled, held, re-routed) -------------------------------------


@transaction.atomic
def pick_list_order_drop(*, order_id: int, note: str) -> int:
    """Take an order off its open pick list after it left allocated/picking elsewhere (cancelled, held,
    re-routed). Idempotent; returns how many list entries were closed."""
    closed = 0
    status = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    if status in (OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PICKED):
        return 0  # a late signal (e.g. "received" sent after commit) about an order that is fine now
    entries = list(PickListOrder.objects.filter(order_id=order_id, is_open=True).values_list("pk", "pick_list_id"))
    for entry_id, pick_list_id in entries:
        locked = pick_list_lock(pick_list_id)
        entry = PickListOrder.objects.filter(pk=entry_id, is_open=True).first()
        if entry is None or locked.status not in OPEN_PICK_LIST_STATUSES:
            continue
        _drop_list_order(entry, note)
        closed += 1
        if locked.status == PickListStatus.RELEASED and not locked.list_orders.filter(is_open=True).exists():
            pick_list_transition(pick_list=locked, to_status=PickListStatus.CANCELLED, locked=True,
                                 note=f"Its last order left the list: {note}")
        elif locked.status == PickListStatus.SORTING and not locked.list_orders.filter(is_open=True).exists():
            pick_list_transition(pick_list=locked, to_status=PickListStatus.COMPLETED, locked=True,
                                 note=f"Its last open order left the list: {note}")
    return closed
