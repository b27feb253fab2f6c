"""Short picks: a stop holds fewer units than listed; the order is allocated again, backordered or held."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.choices import MovementKind
from inventory.services import stock_remove
from orders.allocation import order_line_allocate
from orders.choices import OrderStatus
from orders.holds.services import order_hold
from orders.reservations import allocation_reduce
from orders.services import order_event_add, order_transition
from shipping.choices import ShortPickAction
from shipping.exceptions import PickingError
from shipping.models import PickList, PickListAllocation, PickListLine, PickListOrder, ShortPickRule
from shipping.picking.drop import _drop_list_order
from shipping.picking.lists import _who
from shipping.picking.release import _add_units, _resequence
from shipping.picking.scan import _confirm_units, _line_of, _picking_list


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



def _order_fail(pick_list: PickList, list_order: PickListOrder, note: str, user) -> str:
    """An order cannot be completed after a short pick: backorder it (default) or hold it (client rule).

    Backordered, it keeps what it holds: the units already picked stay reserved for it in the packing
    area and its other reservations stay on the shelves, so routing only tops up the shortfall when stock
    arrives. On hold, every reservation is released (orders.holds.services.order_hold) and the units already
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
