"""Routing: choose the warehouse (or warehouses) that ship an order, reserve its stock, and say why.

order_route is the single entry point: orders.processing calls it, after the rules and the hold checks, for
every order that reaches `received` (intake in the transaction that creates the order; the routing job for
API and CSV orders and orders released from a hold or re-routed), and backorders_allocate calls it for
backordered orders when stock arrives.

The decision, under the order's lock and the stock's locks (Order, then StockLevel rows in pk order):
1. Place the ship-to address offline (US ZIP, an APO/FPO/DPO one at its mail gateway, else US state; in
   Canada the postal code's region, else the province; else the country abroad); an address that cannot
   be placed puts the order on hold with the reason.
2. Candidates: active warehouses, limited to the client's allowed ones when it has any.
3. Warehouses that can ship every line from available stock win; the client's preferred warehouse among
   them if it is one, else the nearest by great-circle distance.
4. Otherwise, when a rule's warehouse lacks what a warehouse the rule leaves out has, a rule hold names the
   rule; else, when the client allows split shipments, split into the fewest shipments, then the shortest
   total distance (units no warehouse has go to one backordered part); else backorder the whole order.
Every decision is written to the order's timeline in plain words.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from core.exceptions import DomainError
from inventory.exceptions import InsufficientStock
from inventory.locks import stock_levels_for_products_lock
from inventory.models import StockLevel
from orders.allocation import (
    ALLOCATABLE_LOCATION_KINDS,
    allocatable_stock_levels,
    allocatable_stock_levels_lock,
    allocation_today,
    lines_allocate_locked,
    lines_plan,
    reservations_write,
    stock_level_is_allocatable,
)
from orders.choices import ORDER_TRANSITIONS, HoldKind, OrderStatus
from orders.exceptions import InvalidTransition
from orders.holds.services import order_hold
from orders.locks import order_lock
from orders.models import Allocation, Hold, Order, OrderEvent, OrderLine, Rule
from orders.services import (
    order_allocations_release,
    order_event_add,
    order_event_write,
    order_events_together,
    order_transition,
)
from orders.signals import order_status_changed
from warehouses.geo import Placement, address_place, great_circle_km
from warehouses.models import Warehouse

ROUTABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.BACKORDERED})
REROUTABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.ALLOCATED, OrderStatus.BACKORDERED})
ROUTING_ACTOR = "routing"
# Up to this many warehouses holding the stock, the split search tries every combination; beyond, it starts
# from a greedy cover and searches smaller covers exactly only while SPLIT_SEARCH_BUDGET combinations last.
SPLIT_SEARCH_WAREHOUSES = 10
SPLIT_SEARCH_BUDGET = 20_000


@dataclass
class RoutingResult:
    """What routing did: outcome is allocated, split, backordered, on_hold or unchanged."""

    outcome: str
    order: Order
    note: str = ""
    warehouse: Warehouse | None = None
    parts: list[Order] = field(default_factory=list)


def km(distance: float) -> str:
    return f"{distance:,.0f} km"


def _lines_phrase(count: int) -> str:
    return f"all {count} lines in stock" if count > 1 else "the line in stock"


def _shortfalls(demand: dict[int, int], available: dict[int, int], skus: dict[int, str]) -> list[str]:
    return [f"{skus[p]} needs {need}, has {available.get(p, 0)}"
            for p, need in demand.items() if available.get(p, 0) < need]


def split_plan(
    *,
    lines: list[tuple[int, int, int]],
    available: dict[int, dict[int, int]],
    distances: dict[int, float],
) -> list[tuple[int | None, list[tuple[int, int]]]]:
    """Cut an order into the fewest shipments, then the shortest total distance (pure; nothing is written).

    `lines` are (line id, product id, quantity), `available` maps warehouse id -> product id -> units,
    `distances` warehouse id -> km. Returns parts as (warehouse id, [(line id, quantity)]), nearest first;
    units that no warehouse has form a last part with warehouse None (to be backordered). A line stays
    whole where it can and is divided between warehouses only when no single one of the chosen has it all.
    """
    shippable, backorder = _shippable_and_missing(lines, available)
    parts: list[tuple[int | None, list[tuple[int, int]]]] = []
    if shippable:
        need: dict[int, int] = defaultdict(int)
        for _, product_id, quantity in shippable:
            need[product_id] += quantity
        holding = [w for w in sorted(available, key=lambda w: (distances[w], w))
                   if any(available[w].get(p, 0) > 0 for p in need)]
        chosen = _split_warehouses(holding, need=need, available=available, distances=distances)
        if not chosen:  # not possible: the warehouses together hold every shippable unit
            return [(None, [(line_id, q) for line_id, _, q in lines])]
        parts = _assign_lines(shippable, chosen=chosen, available=available, distances=distances)
    if backorder:
        parts.append((None, backorder))
    return parts


def _shippable_and_missing(lines: list[tuple[int, int, int]], available: dict[int, dict[int, int]],
                           ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    # The (line, product, quantity) some warehouse has, and the (line, quantity) nobody has; units nobody has
    # are taken from the last lines of each product first.
    total: dict[int, int] = defaultdict(int)
    for units in available.values():
        for product_id, n in units.items():
            total[product_id] += max(n, 0)
    missing: dict[int, int] = defaultdict(int)
    for _, product_id, quantity in lines:
        missing[product_id] += quantity
    for product_id in missing:
        missing[product_id] = max(missing[product_id] - total[product_id], 0)
    shippable: list[tuple[int, int, int]] = []
    backorder: list[tuple[int, int]] = []
    for line_id, product_id, quantity in reversed(lines):
        short = min(missing[product_id], quantity)
        missing[product_id] -= short
        if short:
            backorder.append((line_id, short))
        if quantity - short:
            shippable.append((line_id, product_id, quantity - short))
    shippable.reverse()
    backorder.reverse()
    return shippable, backorder


def _assign_lines(shippable: list[tuple[int, int, int]], *, chosen: tuple[int, ...],
                  available: dict[int, dict[int, int]], distances: dict[int, float],
                  ) -> list[tuple[int | None, list[tuple[int, int]]]]:
    # Each line whole from the nearest chosen warehouse that has it all, else divided nearest first.
    left = {w: dict(available[w]) for w in chosen}
    by_warehouse: dict[int, list[tuple[int, int]]] = defaultdict(list)
    nearest_first = sorted(chosen, key=lambda w: (distances[w], w))
    # Big lines first, so that they find a warehouse with all of them before small ones nibble at it.
    for line_id, product_id, quantity in sorted(shippable, key=lambda t: (-t[2], t[0])):
        whole = next((w for w in nearest_first if left[w].get(product_id, 0) >= quantity), None)
        if whole is not None:
            by_warehouse[whole].append((line_id, quantity))
            left[whole][product_id] -= quantity
            continue
        remaining = quantity
        for w in nearest_first:
            take = min(left[w].get(product_id, 0), remaining)
            if take > 0:
                by_warehouse[w].append((line_id, take))
                left[w][product_id] -= take
                remaining -= take
    return [(w, sorted(by_warehouse[w])) for w in nearest_first if by_warehouse[w]]


def _covers(combo, need: dict[int, int], available: dict[int, dict[int, int]]) -> bool:
    return all(sum(available[w].get(p, 0) for w in combo) >= n for p, n in need.items())


def _split_warehouses(holding: list[int], *, need: dict[int, int], available: dict[int, dict[int, int]],
                      distances: dict[int, float]) -> tuple[int, ...]:
    """The warehouses to ship `need` from: the fewest, then the shortest total distance.

    Exact up to SPLIT_SEARCH_WAREHOUSES warehouses (every combination, smallest first). Beyond that, a greedy
    cover (the warehouse that covers most of what is still needed, nearest first on ties), improved by
    dropping warehouses it no longer needs and trading two for one or one for a nearer one; then the smaller
    sizes are searched exactly while SPLIT_SEARCH_BUDGET combinations last. Since `holding` together has
    every unit of `need`, a cover always exists: the order is never left unshipped for want of a search.
    """
    def cost(combo) -> tuple[float, tuple[int, ...]]:
        return sum(distances[w] for w in combo), tuple(combo)

    if len(holding) <= SPLIT_SEARCH_WAREHOUSES:
        for size in range(1, len(holding) + 1):
            feasible = [combo for combo in itertools.combinations(holding, size) if _covers(combo, need, available)]
            if feasible:
                return min(feasible, key=cost)
        return ()
    chosen: list[int] = []
    still = dict(need)
    while any(n > 0 for n in still.values()):
        def gain(w: int) -> int:
            return sum(min(available[w].get(p, 0), n) for p, n in still.items() if n > 0)
        best = max((w for w in holding if w not in chosen), key=lambda w: (gain(w), -distances[w], -w), default=None)
        if best is None or gain(best) == 0:
            return ()  # cannot happen when `holding` has every unit; nothing is guessed if it does
        chosen.append(best)
        for p in still:
            still[p] = max(still[p] - available[best].get(p, 0), 0)
    improved = True
    while improved:
        improved = False
        for w in sorted(chosen, key=lambda w: -distances[w]):  # drop what is no longer needed, farthest first
            rest = [x for x in chosen if x != w]
            if _covers(rest, need, available):
                chosen, improved = rest, True
                break
        if improved:
            continue
        outside = [w for w in holding if w not in chosen]
        for pair in itertools.combinations(chosen, 2):  # two for one
            rest = [x for x in chosen if x not in pair]
            one = next((w for w in outside if _covers([*rest, w], need, available)), None)
            if one is not None:
                chosen, improved = [*rest, one], True
                break
        if improved:
            continue
        for w in chosen:  # one for a nearer one
            rest = [x for x in chosen if x != w]
            nearer = next((o for o in outside if distances[o] < distances[w] and _covers([*rest, o], need, available)),
                          None)
            if nearer is not None:
                chosen, improved = [*rest, nearer], True
                break
    best_combo = tuple(chosen)
    budget = SPLIT_SEARCH_BUDGET
    for size in range(1, len(chosen) + 1):
        count = math.comb(len(holding), size)
        if count > budget:
            break
        budget -= count
        feasible = [combo for combo in itertools.combinations(holding, size) if _covers(combo, need, available)]
        if feasible:
            found = min(feasible, key=cost)
            if len(found) < len(best_combo) or cost(found)[0] < cost(best_combo)[0]:
                best_combo = found
            break
    return best_combo


def _hold(order: Order, reason: str, *, user=None, actor: str, kind: str = "manual", rule=None) -> RoutingResult:
    held = order_hold(order=order, reason=reason, user=user, actor=actor, kind=kind, rule=rule)
    return RoutingResult(outcome="on_hold", order=held, note=reason)


def _placement_reason(order: Order) -> str:
    where = ", ".join(p for p in [f"country '{order.ship_country}'" if order.ship_country else "no country",
                                  f"state '{order.ship_state}'" if order.ship_state else "no state",
                                  f"ZIP '{order.ship_postal_code}'" if order.ship_postal_code else "no ZIP"])
    return (f"Cannot place the ship-to address ({where}), so the nearest warehouse is unknown. "
            "Correct the address, then release the order.")


def _next_part_number(root: Order) -> int:
    numbers = []
    prefix = f"{root.order_number}-"
    for number in Order.objects.filter(parent=root).values_list("order_number", flat=True):
        suffix = number[len(prefix):] if number.startswith(prefix) else ""
        if suffix.isdigit():
            numbers.append(int(suffix))
    return max(numbers, default=0) + 1


# Fields a part never copies from the order it is split from.
_PART_SKIP = {"id", "order_number", "status", "warehouse", "parent", "hold_reason", "created_at", "updated_at",
              "received_at"}
_LINE_SKIP = {"id", "order", "quantity", "created_at", "updated_at"}


def _part_create(*, source: Order, root: Order, number: int, note: str, user=None, actor: str) -> Order:
    values = {f.attname: getattr(source, f.attname) for f in Order._meta.concrete_fields if f.name not in _PART_SKIP}
    part = Order.objects.create(**values, order_number=f"{root.order_number}-{number}", parent=root,
                                status=OrderStatus.RECEIVED)
    # The part waits in queues (backorders, picking) by the customer's order time, not the split's.
    Order.objects.filter(pk=part.pk).update(received_at=source.received_at)
    part.received_at = source.received_at
    order_event_write(OrderEvent(order=part, from_status="", to_status=OrderStatus.RECEIVED, note=note,
                                 user=user if getattr(user, "is_authenticated", False) else None, actor=actor[:100]))
    return part


def _line_copy(*, line: OrderLine, part: Order, quantity: int) -> OrderLine:
    values = {f.attname: getattr(line, f.attname) for f in OrderLine._meta.concrete_fields
              if f.name not in _LINE_SKIP}
    copy = OrderLine.objects.create(**values, order=part, quantity=quantity)
    copy.product = line.product
    return copy


def order_route(*, order: Order, user=None, actor: str = ROUTING_ACTOR, locked: bool = False,
                lines: list[OrderLine] | None = None, warehouses: list[Warehouse] | None = None,
                rule_warehouse_codes: list[str] | None = None) -> RoutingResult:
    """Route a received or backordered order: reserve its stock in the best warehouse, split it, backorder
    it, or hold it when its address cannot be placed; write the decision to the timeline.

    A caller that holds the order's lock passes it with `locked`, and may pass what it already read: the
    order's lines (with products), every warehouse, and the warehouse codes rules allow (empty: any).
    A backordered order that still cannot ship stays as it is, without a new timeline entry (outcome
    "unchanged"). Raises InvalidTransition when the order is in any other status.
    """
    if locked:  # inside the caller's transaction, which holds the lock
        return _route(order, user=user, actor=actor, lines=lines, warehouses=warehouses,
                      rule_warehouse_codes=rule_warehouse_codes)
    with transaction.atomic():
        return _route(order_lock(order.pk), user=user, actor=actor, lines=lines, warehouses=warehouses,
                      rule_warehouse_codes=rule_warehouse_codes)



def orders_route_together(*, orders: list[tuple[Order, list[OrderLine], list[str]]], warehouses: list[Warehouse],
                          user=None, actor: str = ROUTING_ACTOR) -> list[Order]:
    """Route received orders that a warehouse can ship whole, all at once; return the others, left as they
    are for order_route one by one (a hold, a split or a backorder is each order's own story).

    For the batch paths (intake, the routing job): the caller's transaction holds the orders' locks and
    gives, per order, its lines (with products) and the warehouse codes rules allow (empty: any). The plans
    are made in memory, oldest order first, from one read of the stock of every product of the batch, and
    written in a fixed number of statements: the orders' status and warehouse, the timeline entries, then
    the stock (locked in pk order, checked and updated in one statement), its ledger rows (each with its
    order's number) and the allocations. The stock rows are locked last, so they stay locked only for the
    last few statements; should another worker have taken the stock meanwhile, the batch is planned again
    under the stock's locks. An order left out leaves out every later order that shares a product with it,
    so none overtakes an older one.
    """
    product_ids = {line.product_id for _, lines, _ in orders for line in lines if line.product_id}
    if not product_ids:
        return [order for order, _, _ in orders]
    ready: list[tuple[Order, list[OrderLine], _Where | None]] = []
    for order, lines, rule_codes in sorted(orders, key=lambda item: (item[0].received_at, item[0].pk)):
        where = None
        if (order.status == OrderStatus.RECEIVED and OrderStatus.ALLOCATED in ORDER_TRANSITIONS[order.status]
                and lines and all(line.product_id for line in lines)):
            found = _route_where(order, warehouses=warehouses, rule_warehouse_codes=rule_codes)
            where = found if isinstance(found, _Where) else None
        ready.append((order, lines, where))
    levels = allocatable_stock_levels(product_ids=product_ids)
    try:
        with transaction.atomic():
            return _route_together(ready, levels=levels, user=user, actor=actor)
    except InsufficientStock:  # taken meanwhile by another worker: plan again from the locked rows
        return _route_together(ready, levels=allocatable_stock_levels_lock(product_ids=product_ids), user=user,
                               actor=actor)


def _route_together(ready: list[tuple[Order, list[OrderLine], _Where | None]], *, levels: list[StockLevel], user,
                    actor: str) -> list[Order]:
    today = allocation_today()
    left: list[Order] = []
    blocked: set[int] = set()
    taken: list[tuple[Order, OrderLine, StockLevel, int]] = []
    routed: list[tuple[Order, Warehouse, str]] = []
    by_product: dict[int, list[StockLevel]] = defaultdict(list)
    for level in levels:
        by_product[level.product_id].append(level)
    for order, lines, where in ready:
        products = {line.product_id for line in lines}
        chosen = None
        if where is not None and not products & blocked:
            order_levels = [level for product_id in products for level in by_product[product_id]]
            available = _available(where, order_levels, today=today)
            demand, skus = _demand(lines)
            chosen = _full_warehouse(order, where, available, demand)
        plans, shortages = ([], [True]) if chosen is None else lines_plan(
            lines=[(line, line.quantity) for line in lines], levels=order_levels, warehouse_id=chosen.pk,
            today=today)
        if shortages:  # after _full_warehouse only when the plan's rules refuse what the counts allow
            blocked |= products
            left.append(order)
            continue
        for line, plan in plans:
            for level, quantity in plan:
                level.allocated += quantity  # later orders of the batch see what is left
                taken.append((order, line, level, quantity))
        routed.append((order, chosen, _routed_note(order, where, chosen, lines, available, demand, skus)))
    if routed:
        now = _orders_allocated(routed, user=user, actor=actor)
        reservations_write(taken=taken, user=user)
        for order, warehouse, _ in routed:
            order.status, order.warehouse, order.updated_at = OrderStatus.ALLOCATED, warehouse, now
    return left


def _orders_allocated(routed: list[tuple[Order, Warehouse, str]], *, user, actor: str):
    """Move received orders to allocated in their warehouses: an UPDATE per warehouse, one INSERT of events.
    Returns the time written as their updated_at."""
    now = timezone.now()
    by_warehouse: dict[int, list[Order]] = defaultdict(list)
    for order, warehouse, _ in routed:
        by_warehouse[warehouse.pk].append(order)
    for warehouse_id, orders in by_warehouse.items():
        Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.RECEIVED).update(
            status=OrderStatus.ALLOCATED, warehouse_id=warehouse_id, updated_at=now)
    with order_events_together():
        for order, _, note in routed:
            order_event_write(OrderEvent(order=order, from_status=OrderStatus.RECEIVED,
                                         to_status=OrderStatus.ALLOCATED, note=note,
                                         user=user if getattr(user, "is_authenticated", False) else None,
                                         actor=actor[:100]))
            # Inside the transaction, as order_transition does: the receivers' durable work commits with the move.
            order_status_changed.send(sender=Order, order_id=order.pk, from_status=OrderStatus.RECEIVED,
                                      to_status=OrderStatus.ALLOCATED)
    return now

def _route(locked: Order, *, user, actor: str, lines: list[OrderLine] | None, warehouses: list[Warehouse] | None,
           rule_warehouse_codes: list[str] | None) -> RoutingResult:
    if locked.status not in ROUTABLE_STATUSES:
        raise InvalidTransition(
            f"Order {locked.order_number} is {locked.get_status_display().lower()}; only received or "
            "backordered orders are routed."
        )
    was_backordered = locked.status == OrderStatus.BACKORDERED
    if lines is None:
        lines = list(locked.lines.select_related("product").order_by("pk"))
    if unknown := sorted({line.sku for line in lines if line.product_id is None}):
        return _hold(locked, f"Unknown SKU for {locked.client.name}: {', '.join(unknown)}. Map or create the "
                     "product, then release the order.", user=user, actor=actor, kind="unknown_sku")
    if not lines:
        return _hold(locked, "The order has no lines to ship.", user=user, actor=actor)

    # An order backordered after a short pick keeps what it holds: top it up where it is.
    if was_backordered and locked.warehouse_id and Allocation.objects.filter(line__order=locked).exists():
        return _top_up(locked, lines, user=user, actor=actor)

    where = _route_where(locked, warehouses=warehouses, rule_warehouse_codes=rule_warehouse_codes)
    if isinstance(where, _Refusal):
        return _hold(locked, where.reason, user=user, actor=actor, kind=where.kind)
    client, candidates, distances, by_id = locked.client, where.candidates, where.distances, where.by_id
    placement = where.placement

    levels = allocatable_stock_levels_lock(product_ids={line.product_id for line in lines},
                                           warehouse_ids=by_id)
    available = _available(where, levels, today=allocation_today())
    demand, skus = _demand(lines)
    chosen = _full_warehouse(locked, where, available, demand)
    context = _placement_context(placement)

    if chosen is not None:
        lines_allocate_locked(order=locked, lines=[(line, line.quantity) for line in lines], levels=levels,
                              warehouse_id=chosen.pk, user=user)
        note = _routed_note(locked, where, chosen, lines, available, demand, skus)
        routed = order_transition(order=locked, to_status=OrderStatus.ALLOCATED, user=user, actor=actor, note=note,
                                  extra_fields={"warehouse": chosen}, locked=True)
        return RoutingResult(outcome="allocated", order=routed, note=note, warehouse=chosen)

    shortages = "; ".join(_other_phrase(w, distances, available, demand, skus) for w in candidates)
    blocked = _rule_blocks(locked, where, available, demand, shortages=shortages)
    if blocked is not None:
        return _hold(locked, blocked.reason, user=user, actor=actor, kind=blocked.kind, rule=blocked.rule)
    if client.allow_split_shipments:
        plan = split_plan(lines=[(line.pk, line.product_id, line.quantity) for line in lines],
                          available={w: dict(units) for w, units in available.items()}, distances=distances)
        if any(w is not None for w, _ in plan) and len(plan) > 1:
            return _split(locked, lines, plan, levels=levels, by_id=by_id, distances=distances,
                          context=context, shortages=shortages, user=user, actor=actor)

    if was_backordered:
        return RoutingResult(outcome="unchanged", order=locked)
    note = f"Backordered: no warehouse can ship every line ({shortages})"
    if not client.allow_split_shipments and len(candidates) > 1:
        note += "; the client does not allow split shipments"
    note += context
    backordered = order_transition(order=locked, to_status=OrderStatus.BACKORDERED, user=user, actor=actor,
                                   note=note, extra_fields={"warehouse": None}, locked=True)
    return RoutingResult(outcome="backordered", order=backordered, note=note)


@dataclass(frozen=True)
class _Refusal:
    """Why an order cannot be routed now: the reason its hold gives, and the hold's kind."""

    reason: str
    kind: str = "manual"
    rule: Rule | None = None


@dataclass
class _Where:
    """Where an order may ship from: the candidate warehouses, nearest first, and their distances."""

    placement: Placement
    candidates: list[Warehouse]
    distances: dict[int, float]
    by_id: dict[int, Warehouse]
    # Active warehouses the client may use that a rule (a forced warehouse or a limit) left out.
    excluded: list[Warehouse] = field(default_factory=list)


def _route_where(locked: Order, *, warehouses: list[Warehouse] | None,
                 rule_warehouse_codes: list[str] | None) -> _Where | _Refusal:
    """Place the ship-to address and list the warehouses the order may ship from (pure: nothing is written)."""
    placement = address_place(country=locked.ship_country, state=locked.ship_state,
                              postal_code=locked.ship_postal_code)
    if placement is None:
        return _Refusal(_placement_reason(locked), "address")
    client = locked.client
    allowed = list(client.allowed_warehouses.all())
    candidates = [w for w in (allowed or (warehouses if warehouses is not None else Warehouse.objects.all()))
                  if w.is_active]
    # Rules (orders.rules) may limit the warehouses further or force one.
    rule_codes = sorted(rule_warehouse_codes if rule_warehouse_codes is not None
                        else (w.code for w in locked.allowed_warehouses.all()))
    unrestricted = candidates
    if rule_codes:
        candidates = [w for w in candidates if w.code in rule_codes]
    if locked.forced_warehouse_id:
        candidates = [w for w in candidates if w.pk == locked.forced_warehouse_id]
    if not candidates:
        if locked.forced_warehouse_id or rule_codes:
            wanted = locked.forced_warehouse.code if locked.forced_warehouse_id else ", ".join(rule_codes)
            return _Refusal(f"A rule requires warehouse {wanted}, which is not active or not one this client may "
                            "use. Change the rule or the client's warehouses, then release the order.", "rule")
        reason = ("None of the warehouses this client may use is active." if allowed
                  else "No warehouse is active.")
        return _Refusal(reason + " Activate one or change the client's warehouses, then release the order.")
    distances = {w.pk: great_circle_km(placement.latitude, placement.longitude, w.latitude, w.longitude)
                 for w in candidates}
    candidates.sort(key=lambda w: (distances[w.pk], w.code))
    return _Where(placement=placement, candidates=candidates, distances=distances,
                  by_id={w.pk: w for w in candidates}, excluded=[w for w in unrestricted if w not in candidates])


def _available(where: _Where, levels: list[StockLevel], *, today,
               warehouses: list[Warehouse] | None = None) -> dict[int, dict[int, int]]:
    """Units that may be reserved now, per candidate warehouse (or per one of `warehouses`) and product."""
    available: dict[int, dict[int, int]] = {w.pk: defaultdict(int)
                                            for w in (where.candidates if warehouses is None else warehouses)}
    for level in levels:
        if (level.location.warehouse_id in available and stock_level_is_allocatable(level, today=today)
                and level.available > 0):
            available[level.location.warehouse_id][level.product_id] += level.available
    return available


def _demand(lines: list[OrderLine]) -> tuple[dict[int, int], dict[int, str]]:
    demand: dict[int, int] = defaultdict(int)
    for line in lines:
        demand[line.product_id] += line.quantity
    return demand, {line.product_id: line.sku for line in lines}


def _rule_blocks(locked: Order, where: _Where, available, demand: dict[int, int], *, shortages: str) -> _Refusal | None:
    """A rule's warehouse that cannot ship the order while a warehouse the rule leaves out has what it lacks:
    the hold that says so, naming the rule; None otherwise (or when a person released that hold before,
    which means: wait for stock at the rule's warehouse).

    Without it the order would sit backordered at the rule's warehouse, waiting for stock that may never
    come there, with nothing on the timeline to say that a rule keeps it from the stock it needs.
    """
    if not where.excluded:
        return None
    short = {p for p, n in demand.items() if sum(available[w.pk][p] for w in where.candidates) < n}
    elsewhere = _available(where, allocatable_stock_levels(product_ids=short), today=allocation_today(),
                           warehouses=where.excluded)
    having = [w.code for w in where.excluded if any(elsewhere[w.pk][p] > 0 for p in short)]
    if not having:
        return None
    rule = _restricting_rule(locked)
    if Hold.objects.filter(order=locked, kind=HoldKind.RULE, rule=rule, released_at__isnull=False).exists():
        return None
    wanted = " or ".join(w.code for w in where.candidates)
    who = f"Rule “{rule.name}”" if rule else "A rule"
    reason = (f"{who} sends this order to {wanted}, which cannot ship it ({shortages}); "
              f"{', '.join(having)} {'has' if len(having) == 1 else 'have'} the stock. Change the rule or move "
              f"stock to {wanted}, then release the order; releasing it unchanged backorders it at {wanted}.")
    return _Refusal(reason, HoldKind.RULE, rule)


def _restricting_rule(locked: Order) -> Rule | None:
    """The rule that last set the order's warehouse or limited its warehouses, from the order's timeline."""
    actors = (OrderEvent.objects.filter(order=locked, actor__startswith="rule #").order_by("-pk")
              .values_list("actor", flat=True))
    ids = [int(a.removeprefix("rule #")) for a in actors if a.removeprefix("rule #").isdigit()]
    rules = Rule.objects.in_bulk(ids)
    kinds = {"set_warehouse", "limit_warehouses"}
    return next((rules[i] for i in ids if i in rules and any(a.get("type") in kinds for a in rules[i].actions)),
                None)


def _full_warehouse(locked: Order, where: _Where, available, demand) -> Warehouse | None:
    """The warehouse that ships the whole order: the client's preferred one if it can, else the nearest."""
    full = [w for w in where.candidates if all(available[w.pk][p] >= n for p, n in demand.items())]
    if not full:
        return None
    preferred = locked.client.preferred_warehouse_id
    return next((w for w in full if w.pk == preferred), full[0])


def _routed_note(locked: Order, where: _Where, chosen: Warehouse, lines, available, demand, skus) -> str:
    distances = where.distances
    preferred = locked.client.preferred_warehouse_id
    why = " (the client's preferred warehouse)" if chosen.pk == preferred and chosen != where.candidates[0] else ""
    if locked.forced_warehouse_id:
        why = " (a rule requires it)"
    others = [_other_phrase(w, distances, available, demand, skus) for w in where.candidates if w != chosen]
    note = f"Routed to {chosen.code}{why}, {km(distances[chosen.pk])}, {_lines_phrase(len(lines))}"
    return note + "".join(f"; {o}" for o in others) + _placement_context(where.placement)


def _placement_context(placement: Placement) -> str:
    return f" ({placement.warning})" if placement.warning else ""


def _other_phrase(w: Warehouse, distances, available, demand, skus) -> str:
    short = _shortfalls(demand, available[w.pk], skus)
    phrase = f"{w.code} {km(distances[w.pk])}"
    return phrase + (f", short: {', '.join(short)}" if short else "")


def _split(locked: Order, lines: list[OrderLine], plan, *, levels, by_id, distances, context, shortages,
           user, actor) -> RoutingResult:
    root = locked.parent or locked
    by_line = {line.pk: line for line in lines}
    first = _next_part_number(root)
    parts: list[Order] = []
    summaries: list[str] = []
    for offset, (warehouse_id, part_lines) in enumerate(plan):
        number = first + offset
        label = (f"from {by_id[warehouse_id].code} ({km(distances[warehouse_id])})" if warehouse_id
                 else "backordered until stock arrives")
        items = ", ".join(f"{by_line[line_id].sku} × {q}" for line_id, q in part_lines)
        summaries.append(f"{root.order_number}-{number} {label}: {items}")
        part = _part_create(source=locked, root=root, number=number, user=user, actor=actor,
                            note=f"Part {offset + 1} of {len(plan)} of order {locked.order_number}: {items}")
        copies = [(_line_copy(line=by_line[line_id], part=part, quantity=q), q) for line_id, q in part_lines]
        if warehouse_id is None:
            part = order_transition(order=part, to_status=OrderStatus.BACKORDERED, user=user, actor=actor,
                                    note=f"Backordered: {shortages}")
        else:
            lines_allocate_locked(order=part, lines=copies, levels=levels, warehouse_id=warehouse_id, user=user)
            warehouse = by_id[warehouse_id]
            part = order_transition(
                order=part, to_status=OrderStatus.ALLOCATED, user=user, actor=actor,
                note=f"Routed to {warehouse.code}, {km(distances[warehouse_id])}, {_lines_phrase(len(copies))}",
                extra_fields={"warehouse": warehouse},
            )
        parts.append(part)
    shipments = sum(1 for w, _ in plan if w is not None)
    note = (f"Split into {shipments} shipment{'s' if shipments > 1 else ''}"
            f"{' and a backorder' if plan[-1][0] is None else ''} because no warehouse can ship every line "
            f"({shortages}): " + "; ".join(summaries) + context)
    split = order_transition(order=locked, to_status=OrderStatus.SPLIT, user=user, actor=actor, note=note,
                             extra_fields={"warehouse": None})
    return RoutingResult(outcome="split", order=split, note=note, parts=parts)


def _top_up(locked: Order, lines: list[OrderLine], *, user, actor) -> RoutingResult:
    done = dict(Allocation.objects.filter(line__order=locked).values("line").annotate(n=Sum("quantity"))
                .values_list("line", "n"))
    todo = [(line, line.quantity - done.get(line.pk, 0)) for line in lines if line.quantity > done.get(line.pk, 0)]
    warehouse = locked.warehouse
    if todo:
        levels = allocatable_stock_levels_lock(product_ids={line.product_id for line, _ in todo},
                                               warehouse_ids=[warehouse.pk])
        try:
            lines_allocate_locked(order=locked, lines=todo, levels=levels, warehouse_id=warehouse.pk, user=user)
        except DomainError:
            return RoutingResult(outcome="unchanged", order=locked)
    note = f"Back in stock at {warehouse.code}: " + ", ".join(f"{line.sku} × {q}" for line, q in todo)
    routed = order_transition(order=locked, to_status=OrderStatus.ALLOCATED, user=user, actor=actor, note=note)
    return RoutingResult(outcome="allocated", order=routed, note=note, warehouse=warehouse)


def can_reroute(order: Order) -> bool:
    return order.status in REROUTABLE_STATUSES


@transaction.atomic
def order_reroute(*, order: Order, user=None, note: str = "") -> RoutingResult:
    """Release an order's reserved stock and route it again from scratch (a manager's decision).

    Raises InvalidTransition unless the order is received, allocated or backordered, and DomainError when
    some of its units were already picked.
    """
    locked = order_lock(order.pk)
    if not can_reroute(locked):
        raise InvalidTransition(
            f"Order {locked.order_number} is {locked.get_status_display().lower()} and cannot be re-routed."
        )
    held = list(Allocation.objects.filter(line__order=locked).select_related("stock_level__location"))
    if any(a.stock_level.location.kind not in ALLOCATABLE_LOCATION_KINDS for a in held):
        raise DomainError(f"Some units of order {locked.order_number} are already picked; it cannot be re-routed.")
    # Lock every stock row routing may touch before releasing any, so the locks stay in one pk order.
    stock_levels_for_products_lock(locked.lines.exclude(product=None).values_list("product_id", flat=True))
    released = order_allocations_release(order=locked, user=user, reason="Re-routed")
    text = note.strip() or "Re-routed by hand"
    if released:
        text += f"; {released} reserved units released"
    if locked.status != OrderStatus.RECEIVED:
        order_transition(order=locked, to_status=OrderStatus.RECEIVED, user=user, note=text,
                         extra_fields={"warehouse": None})
    else:
        order_event_add(order=locked, note=text, user=user)
    return order_route(order=locked, user=user, actor="" if user else ROUTING_ACTOR)


def backordered_orders_for_product(product_id: int):
    """Backordered orders with a line of the product, oldest first."""
    return (Order.objects.filter(status=OrderStatus.BACKORDERED)
            .filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), product_id=product_id)))
            .order_by("received_at", "pk"))


def _allocatable_anywhere(product_id: int) -> int:
    today = allocation_today()
    levels = StockLevel.objects.filter(product_id=product_id, location__warehouse__is_active=True,
                                       location__is_active=True, location__kind__in=("pick", "reserve")
                                       ).select_related("location")
    return sum(lv.available for lv in levels if lv.available > 0 and stock_level_is_allocatable(lv, today=today))


def backorders_allocate(*, product_id: int, user=None) -> list[RoutingResult]:
    """Route the backordered orders waiting for a product, oldest first, while any of it is available.

    Each order is routed in its own transaction, so one that fails does not hold back the others.
    Returns the results of the orders that moved (allocated or split).
    """
    moved: list[RoutingResult] = []
    for order_id in list(backordered_orders_for_product(product_id).values_list("pk", flat=True)):
        if _allocatable_anywhere(product_id) <= 0:
            break
        order = Order.objects.filter(pk=order_id, status=OrderStatus.BACKORDERED).first()
        if order is None:
            continue
        try:
            result = order_route(order=order, user=user, actor="backorder release")
        except InvalidTransition:  # another worker moved it meanwhile
            continue
        if result.outcome != "unchanged":
            moved.append(result)
    return moved
