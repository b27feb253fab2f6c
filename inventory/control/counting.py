"""Cycle counts: choose what to count (ABC class by velocity, or chosen locations), count blind on a
scanner, correct small variances at once and hold large ones for a manager's approval.

Corrections go through inventory.services.stock_adjust with kind COUNT (one ledger row each); a count
that finds more units announces them, which releases backorders.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.access import user_access
from core.exceptions import DomainError
from core.transitions import status_transition
from inventory.choices import COUNT_TRANSITIONS, CountLineStatus, CountStatus, MovementKind
from inventory.figures.refresh import VELOCITY_DAYS
from inventory.locks import row_lock
from inventory.models import CycleCount, CycleCountLine, StockLevel, StockMovement
from inventory.services import stock_adjust
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse

ABC_SHARES = {"A": 0.80, "B": 0.95}  # cumulative share of units shipped; the rest (and no sales) is C
COUNTABLE_KINDS = (LocationKind.PICK, LocationKind.RESERVE, LocationKind.RECEIVING, LocationKind.RETURNS)


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def abc_classify(*, warehouse: Warehouse, now: datetime.datetime | None = None) -> dict[int, str]:
    """Class every product stocked in the warehouse A, B or C by its units shipped in the last 30 days.

    A: the fast movers making up the first 80 % of units, B: the next 15 %, C: the rest and the unsold.
    """
    since = (now or timezone.now()) - datetime.timedelta(days=VELOCITY_DAYS)
    stocked = set(StockLevel.objects.filter(location__warehouse=warehouse, on_hand__gt=0)
                  .values_list("product_id", flat=True))
    sold = list(
        StockMovement.objects.filter(kind=MovementKind.SHIP, from_location__warehouse=warehouse,
                                     created_at__gte=since)
        .values("product_id").annotate(units=Sum("quantity")).order_by("-units", "product_id")
    )
    total = sum(row["units"] for row in sold) or 1
    classes: dict[int, str] = dict.fromkeys(stocked, "C")
    running = 0
    for row in sold:
        share_before = running / total
        running += row["units"]
        if share_before < ABC_SHARES["A"]:
            classes[row["product_id"]] = "A"
        elif share_before < ABC_SHARES["B"]:
            classes[row["product_id"]] = "B"
        else:
            classes[row["product_id"]] = "C"
    return classes


@transaction.atomic
def cycle_count_create(*, warehouse: Warehouse, user=None, abc_class: str = "", location_ids=None,
                       approval_threshold: int = 5) -> CycleCount:
    """Create a count of every stocked bin of one ABC class, or of chosen locations, in one warehouse.

    Raises DomainError when neither or both are given, the class is unknown, or nothing is stocked there.
    """
    if bool(abc_class) == bool(location_ids):
        raise DomainError(_("Choose either an ABC class or some locations to count."), field="abc_class")
    levels = StockLevel.objects.filter(location__warehouse=warehouse, location__kind__in=COUNTABLE_KINDS)
    if abc_class:
        if abc_class not in ("A", "B", "C"):
            raise DomainError(_("ABC class must be A, B or C."), field="abc_class")
        classes = abc_classify(warehouse=warehouse)
        product_ids = [pk for pk, cls in classes.items() if cls == abc_class]
        levels = levels.filter(product_id__in=product_ids, on_hand__gt=0)
        basis = f"ABC class {abc_class}"
    else:
        locations = list(Location.objects.filter(pk__in=location_ids, warehouse=warehouse))
        if len(locations) != len(set(location_ids)):
            raise DomainError(_("Some locations are not in %(warehouse)s.") % {"warehouse": warehouse.code},
                              field="location_ids")
        levels = levels.filter(location__in=locations)
        basis = "Locations " + ", ".join(sorted(loc.code for loc in locations))[:80]
    levels = list(levels.order_by("location__walk_sequence", "location__code", "product__sku", "lot_number"))
    if not levels:
        raise DomainError(_("Nothing is stocked there to count."), field="abc_class")
    count = CycleCount.objects.create(warehouse=warehouse, basis=basis, approval_threshold=approval_threshold,
                                      created_by=_user(user))
    CycleCountLine.objects.bulk_create(
        CycleCountLine(count=count, location_id=lv.location_id, product_id=lv.product_id, lot_number=lv.lot_number)
        for lv in levels
    )
    return count


@transaction.atomic
def cycle_count_record(*, line: CycleCountLine, counted_quantity: int, user=None) -> CycleCountLine:
    """Record what a counter found in one bin; the expected quantity is taken from stock at that moment.

    Raises DomainError for a negative quantity or a count that is no longer open.
    """
    if counted_quantity is None or counted_quantity < 0:
        raise DomainError(_("Counted quantity must be 0 or more."), field="counted_quantity")
    count = row_lock(CycleCount, line.count_id)
    if count.status != CountStatus.OPEN:
        raise DomainError(_("This count is no longer open."), field="counted_quantity")
    level = StockLevel.objects.filter(product_id=line.product_id, location_id=line.location_id,
                                      lot_number=line.lot_number).first()
    line.expected_quantity = level.on_hand if level else 0
    line.counted_quantity = counted_quantity
    line.counted_by = _user(user)
    line.counted_at = timezone.now()
    line.status = CountLineStatus.PENDING
    line.save(update_fields=["expected_quantity", "counted_quantity", "counted_by", "counted_at", "status",
                             "updated_at"])
    return line


def _apply(line: CycleCountLine, count: CycleCount, user) -> None:
    variance = line.variance or 0
    if variance:
        stock_adjust(product=line.product, location=line.location, quantity=variance, lot_number=line.lot_number,
                     reason=f"Cycle count {count.pk}: expected {line.expected_quantity}, counted "
                            f"{line.counted_quantity}",
                     reference=count.ledger_reference, user=user, kind=MovementKind.COUNT)
        line.status = CountLineStatus.ADJUSTED
    else:
        line.status = CountLineStatus.MATCHED


def _settle(count: CycleCount, user, note: str) -> CycleCount:
    """Move the locked count to the status its lines call for (core.transitions), writing its audit row."""
    statuses = set(count.lines.values_list("status", flat=True))
    if CountLineStatus.PENDING in statuses:
        to_status = CountStatus.OPEN
    elif CountLineStatus.NEEDS_APPROVAL in statuses:
        to_status = CountStatus.AWAITING_APPROVAL
    else:
        to_status = CountStatus.CLOSED
    if to_status == count.status:  # some variances still wait for a decision
        count.save(update_fields=["updated_at"])
        return count
    return cycle_count_transition(count=count, to_status=to_status, locked=True, user=user, note=note)


def cycle_count_transition(*, count: CycleCount | int, to_status: str, user=None, note: str = "",
                           locked: bool = False) -> CycleCount:
    """Move a cycle count to another status, recording who and when (core.transitions.status_transition).

    The step the counting services share (a count's status follows its lines). With `locked` the caller
    holds the count's row lock and passes that instance. Returns the locked, saved count.
    Raises InvalidTransition when COUNT_TRANSITIONS does not allow the move.
    """
    return status_transition(instance=count, lock=None if locked else partial(row_lock, CycleCount),
                             to_status=to_status, transitions=COUNT_TRANSITIONS, user=user, note=note,
                             subject=lambda c: f"Count {c.pk}", stamps={CountStatus.CLOSED: "closed_at"})


@transaction.atomic
def cycle_count_submit(*, count: CycleCount, user=None) -> CycleCount:
    """Finish counting: adjust variances within the threshold now, hold larger ones for approval.

    Raises DomainError when lines are still uncounted or the count is not open; InsufficientStock when a
    correction would take away units reserved for orders.
    """
    locked = row_lock(CycleCount, count.pk)
    if locked.status != CountStatus.OPEN:
        raise DomainError(_("This count is not open."))
    lines = list(locked.lines.select_related("product", "location").order_by("pk"))
    uncounted = [ln for ln in lines if ln.counted_quantity is None]
    if uncounted:
        raise DomainError(ngettext("%(count)s bin still to count: %(location)s.",
                                   "%(count)s bins still to count, e.g. %(location)s.", len(uncounted)) % {
            "count": len(uncounted), "location": uncounted[0].location.code})
    held = adjusted = 0
    for line in lines:
        if line.status != CountLineStatus.PENDING:
            continue
        if abs(line.variance or 0) > locked.approval_threshold:
            line.status = CountLineStatus.NEEDS_APPROVAL
            held += 1
        else:
            _apply(line, locked, user)
            adjusted += line.status == CountLineStatus.ADJUSTED
        line.save(update_fields=["status", "updated_at"])
    note = f"Counted: {adjusted} bin(s) corrected" + (f", {held} variance(s) over the threshold" if held else "")
    return _settle(locked, user, note)


@transaction.atomic
def cycle_count_approve(*, count: CycleCount, user, approve_ids=None, reject_ids=None) -> CycleCount:
    """Approve (adjust stock) or reject (count again) the variances waiting for a manager.

    With neither list every waiting line is approved. Raises DomainError for a non-manager or a count
    that is not waiting for approval.
    """
    if not user_access(user).is_manager:
        raise DomainError(_("Only a manager can approve count variances."))
    locked = row_lock(CycleCount, count.pk)
    if locked.status != CountStatus.AWAITING_APPROVAL:
        raise DomainError(_("This count is not waiting for approval."))
    waiting = {ln.pk: ln for ln in locked.lines.select_related("product", "location")
               .filter(status=CountLineStatus.NEEDS_APPROVAL).order_by("pk")}
    reject = set(reject_ids or [])
    approve = set(approve_ids) if approve_ids is not None else (set(waiting) - reject)
    approved = rejected = 0
    for pk, line in waiting.items():
        if pk in reject:
            rejected += 1
            line.status = CountLineStatus.PENDING
            line.counted_quantity = None
            line.expected_quantity = None
            line.save(update_fields=["status", "counted_quantity", "expected_quantity", "updated_at"])
        elif pk in approve:
            approved += 1
            _apply(line, locked, user)
            line.approved_by = _user(user)
            line.save(update_fields=["status", "approved_by", "updated_at"])
    note = f"{approved} variance(s) approved" + (f", {rejected} sent back for a recount" if rejected else "")
    return _settle(locked, user, note)
