"""Walking a list with a scanner: start it, confirm each stop's location and units, complete it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from inventory.choices import MovementKind
from inventory.services import stock_move
from orders.choices import OrderStatus
from orders.reservations import allocation_relocate, packing_stock_level_id
from orders.services import order_transition
from shipping.choices import PickListKind, PickListStatus
from shipping.exceptions import PickingError, WrongScan
from shipping.locks import pick_list_lock
from shipping.models import PickList, PickListAllocation, PickListLine, PickListOrder
from shipping.picking.drop import _drop_list_order
from shipping.picking.lists import _check_move, _user_or_none, _who, pick_list_transition
from warehouses.models import Location


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


def _refuse_extra_unit(pick_list: PickList, code: str, *, then: str) -> None:
    # One unit too many of a finished stop is an extra unit of a SKU on the list, not a stranger to it.
    done = next((ln for ln in pick_list.lines.filter(quantity__gt=0).select_related("product")
                 if ln.is_done and _matches_item(code, ln.product)), None)
    if done is not None:
        raise WrongScan(_("ALREADY COMPLETE: all %(count)s of %(sku)s are picked; this unit is one too many. "
                          "Put it back. %(then)s") % {"count": done.picked_quantity, "sku": done.product.sku,
                                                       "then": then})


@transaction.atomic
def pick_list_scan(*, pick_list: PickList, code: str, user) -> ScanResult:
    """Take one scan on the scanner page: at each stop first the location, then the item (one unit per scan).

    Raises WrongScan, counting nothing, when the code is not the stop's location (or item); PickingError
    when the list is not being picked or every stop is done.
    """
    locked = _picking_list(pick_list)
    code = (code or "").strip()
    if not code:
        raise WrongScan(_("Nothing was scanned."))
    line = pick_list_current_line(locked)
    if line is None:
        raise PickingError(_("Every stop is done: complete the list."))
    if line.location_confirmed_at is None:
        if _matches_location(code, line.location):
            PickListLine.objects.filter(pk=line.pk).update(location_confirmed_at=timezone.now())
            line.refresh_from_db()
            return ScanResult(kind="location", line=line,
                              message=_("Location %(location)s OK. Now scan %(sku)s.") % {
                                  "location": line.location.code, "sku": line.product.sku})
        if _matches_item(code, line.product):
            raise WrongScan(_("Scan the location first: go to %(location)s.") % {"location": line.location.code})
        _refuse_extra_unit(locked, code, then=_("Go to %(location)s.") % {"location": line.location.code})
        raise WrongScan(_("WRONG LOCATION: you scanned %(code)s. Go to %(location)s. Nothing was counted.") % {
            "code": code, "location": line.location.code})
    if _matches_item(code, line.product):
        placed = _confirm_units(locked, line, 1, user)
        line.refresh_from_db()
        totes = _tote_message(locked, placed)
        message = _("%(sku)s: %(picked)s of %(due)s picked") % {
            "sku": line.product.sku, "picked": line.picked_quantity, "due": line.quantity - line.short_quantity}
        if totes:
            message += _(" → put it in %(totes)s") % {"totes": totes}
        return ScanResult(kind="item", line=line, message=message + ".", placed=placed, line_done=line.is_done,
                          list_done=pick_list_current_line(locked) is None)
    if _matches_location(code, line.location):
        return ScanResult(kind="location", line=line,
                          message=_("Location %(location)s already confirmed. Scan %(sku)s.") % {
                              "location": line.location.code, "sku": line.product.sku})
    _refuse_extra_unit(locked, code, then=_("Now scan %(sku)s.") % {"sku": line.product.sku})
    raise WrongScan(_("WRONG ITEM: %(code)s is not %(sku)s (%(name)s). Nothing was counted.") % {
        "code": code, "sku": line.product.sku, "name": line.product.name})


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
                                    fields={"picked_at": now}, at=now, note=gettext_noop("Every stop walked"))
    return pick_list_transition(pick_list=locked, to_status=PickListStatus.SORTING, locked=True, user=user,
                                fields={"picked_at": now}, at=now,
                                note=f"Every stop walked; {len(open_orders)} order(s) to sort")
