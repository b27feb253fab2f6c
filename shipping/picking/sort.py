"""Sorting a batch or wave list: each picked unit scanned to its order's tote."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shipping.choices import PickListStatus
from shipping.exceptions import PickingError, WrongScan
from shipping.locks import pick_list_lock
from shipping.models import PickList, PickListAllocation
from shipping.picking.lists import pick_list_transition
from shipping.picking.scan import _matches_item, _order_picked


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
        text = _("%(sku)s → tote %(tote)s, order %(order)s (%(sorted)s/%(total)s)") % {
            "sku": self.sku, "tote": self.tote, "order": self.order_number, "sorted": self.sorted_units,
            "total": self.total_units}
        if self.order_done:
            text += _(". Order complete: ready for packing")
        return text + "."


def _done_product_sku(pick_list: PickList, code: str) -> str:
    # A unit of a SKU whose orders are all sorted is an extra unit, not a stranger to the list.
    lines = pick_list.lines.filter(quantity__gt=0).select_related("product")
    return next((ln.product.sku for ln in lines if code and _matches_item(code, ln.product)), "")


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
        done = _done_product_sku(locked, code)
        if done:
            raise WrongScan(_("ALREADY COMPLETE: every %(sku)s on this list is sorted; this unit is one too many. "
                              "Put it aside.") % {"sku": done})
        raise WrongScan(_("NOT ON THIS LIST: %(code)s belongs to no open order here. Put it aside.") % {
            "code": code or _("(nothing)")})
    link = next((lk for lk in matching if lk.sorted_quantity < lk.picked_quantity), None)
    if link is None:
        raise WrongScan(_("EXTRA UNIT: every picked %(sku)s is already sorted. Put it aside.") % {
            "sku": matching[0].line.product.sku})
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
                             note=gettext_noop("Every order sorted"))
    return SortResult(order_number=list_order.order.order_number, tote=list_order.tote,
                      sku=link.line.product.sku, sorted_units=sorted_units, total_units=total,
                      order_done=order_done, list_done=list_done)
