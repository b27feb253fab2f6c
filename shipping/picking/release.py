"""Releasing pick lists: one order, a cart of small orders (batch), a wave, the periodic release; withdrawing
a list before it is started."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.work import work_enqueue
from orders.choices import OrderStatus
from orders.locks import orders_lock
from orders.models import Allocation, Order
from shipping.choices import PickListKind, PickListStatus, WaveSplit
from shipping.exceptions import PickingError
from shipping.models import PickList, PickListAllocation, PickListLine, PickListOrder, Wave
from shipping.picking.lists import (
    _user_or_none,
    _who,
    packing_location_for,
    pick_list_transition,
    picking_setting,
)
from shipping.selectors import orders_ready_to_pick
from shipping.task_names import PICK_LIST_PDF_TASK, WAVE_PDF_TASK
from warehouses.choices import LocationKind
from warehouses.models import Warehouse
from warehouses.walk import floor_geometry, pick_route_order, spot_of


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
                                  note=gettext_noop("Withdrawn before picking"))
    locked.list_orders.filter(is_open=True).update(is_open=False, outcome=PickListOrder.Outcome.DROPPED,
                                                   note=f"List cancelled by {_who(user)}", closed_at=timezone.now())
    return locked
