"""Orders leaving a list: taken off by picking itself (short pick, start) or from outside (cancelled, held,
re-routed)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.choices import OrderStatus
from orders.models import Order
from shipping.choices import OPEN_PICK_LIST_STATUSES, PickListStatus
from shipping.locks import pick_list_lock
from shipping.models import PickListAllocation, PickListLine, PickListOrder
from shipping.picking.lists import pick_list_transition


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
