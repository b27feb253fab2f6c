"""Writes to holds: placing one, releasing one or all of an order's, releasing the due hold-until-date holds,
the automatic checks' holds, and the payment status that releases a payment hold.

An order is on hold while it has at least one open Hold; placing the first moves it to on_hold (giving back
any stock it held), releasing the last moves it back to received, which runs rules, checks and routing again.
Order.hold_reason always shows the open holds' reasons.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core.access import user_access
from core.exceptions import DomainError
from core.transitions import user_or_none
from orders.choices import CLIENT_RELEASABLE_KINDS, PAYMENT_CLEARED_STATUSES, HoldKind, OrderStatus
from orders.exceptions import InvalidTransition
from orders.facts import facts_for_orders, orders_for_rules
from orders.holds.checks import address_problems, fraud_signals, payment_problem
from orders.locks import order_lock
from orders.models import Hold, Order
from orders.services import (
    order_allocations_release,
    order_event_add,
    order_lines_match_products,
    order_transition,
)


def _hold_reason_text(order: Order) -> str:
    holds = list(Hold.objects.filter(order=order, released_at__isnull=True).order_by("created_at", "pk"))
    if len(holds) == 1:
        return holds[0].reason
    return " · ".join(f"{h.get_kind_display()}: {h.reason}" for h in holds)


def hold_kind_for_user(user) -> str:
    """The kind of a hold a person puts on by hand: a client user's is a client request."""
    return HoldKind.CLIENT if user_access(user).is_client_user else HoldKind.MANUAL


@transaction.atomic
def hold_place(
    *,
    order: Order | int,
    kind: str,
    reason: str,
    user=None,
    actor: str = "",
    rule=None,
    until_date: datetime.date | None = None,
) -> Hold:
    """Put a hold on an order; the first open hold moves it to on_hold and releases its reserved stock.

    Idempotent per kind (and rule): an open hold of the same kind is returned unchanged. Raises DomainError
    for an empty reason or a missing until-date, InvalidTransition when the order can no longer be held.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("A hold needs a reason.", field="reason")
    if kind not in HoldKind.values:
        raise DomainError(f"Unknown hold kind {kind}.", field="kind")
    if kind == HoldKind.UNTIL_DATE and until_date is None:
        raise DomainError("A hold until a date needs the date.", field="until_date")
    locked = order_lock(order if isinstance(order, int) else order.pk)
    existing = Hold.objects.filter(order=locked, kind=kind, rule=rule, released_at__isnull=True).first()
    if existing is not None:
        return existing
    if locked.status != OrderStatus.ON_HOLD and not locked.can_transition_to(OrderStatus.ON_HOLD):
        raise InvalidTransition(
            f"Order {locked.order_number} cannot be put on hold while {locked.get_status_display().lower()}.")
    hold = Hold.objects.create(order=locked, kind=kind, reason=reason[:2000], rule=rule, until_date=until_date,
                               created_by=user_or_none(user), actor=actor[:100])
    extra = {"hold_reason": _hold_reason_text(locked)}
    if until_date is not None:
        extra["hold_until_date"] = until_date
    label = HoldKind(kind).label
    if locked.status == OrderStatus.ON_HOLD:
        for name, value in extra.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*extra, "updated_at"])
        order_event_add(order=locked, note=f"Also held ({label}): {reason}", user=user, actor=actor)
    else:
        order_allocations_release(order=locked, user=user, reason="Order put on hold")
        extra["warehouse"] = None
        note = reason if kind == HoldKind.MANUAL else f"{label} hold: {reason}"
        order_transition(order=locked.pk, to_status=OrderStatus.ON_HOLD, user=user, note=note, actor=actor,
                         extra_fields=extra)
    if not isinstance(order, int):
        order.refresh_from_db()
    return hold


def _check_may_release(hold: Hold, user) -> None:
    access = user_access(user) if user is not None else None
    if access is not None and access.is_client_user:
        if hold.order.client_id != access.client_id:
            raise DomainError("No such hold.")
        if hold.kind not in CLIENT_RELEASABLE_KINDS:
            raise DomainError(
                f"A {hold.get_kind_display().lower()} hold is released by the warehouse, not by the client.")


@transaction.atomic
def hold_release(*, hold: Hold | int, user=None, note: str = "", actor: str = "") -> Hold:
    """Release one hold; when it was the order's last open hold the order goes back to received (and is
    processed again). Raises DomainError when it is already released or the user may not release it."""
    hold_id = hold if isinstance(hold, int) else hold.pk
    order_id = Hold.objects.values_list("order_id", flat=True).get(pk=hold_id)
    locked = order_lock(order_id)
    fresh = Hold.objects.select_related("order").get(pk=hold_id)
    _check_may_release(fresh, user)
    if fresh.released_at is not None:
        raise DomainError(f"This {fresh.get_kind_display().lower()} hold was already released.")
    if fresh.kind == HoldKind.UNKNOWN_SKU:
        if unknown := order_lines_match_products(order=locked):
            raise DomainError(f"Order {locked.order_number} still has SKUs {locked.client.name} does not have: "
                              f"{', '.join(sorted(set(unknown)))}. Map or create the products first.")
    fresh.released_at = timezone.now()
    fresh.released_by = user_or_none(user)
    fresh.release_note = (note or "")[:255]
    fresh.save(update_fields=["released_at", "released_by", "release_note", "updated_at"])
    remaining = Hold.objects.filter(order=locked, released_at__isnull=True).exists()
    extra = {"hold_reason": _hold_reason_text(locked)}
    if fresh.kind == HoldKind.UNTIL_DATE:
        extra["hold_until_date"] = None
    text = f"{fresh.get_kind_display()} hold released" + (f": {note}" if note else "")
    if remaining or locked.status != OrderStatus.ON_HOLD:
        for name, value in extra.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*extra, "updated_at"])
        order_event_add(order=locked, note=text + (" (other holds remain)" if remaining else ""), user=user,
                        actor=actor)
    else:
        order_transition(order=locked.pk, to_status=OrderStatus.RECEIVED, user=user, note=text, actor=actor,
                         extra_fields=extra)
    return fresh


@transaction.atomic
def hold_reason_set(*, hold: Hold | int, reason: str) -> Hold:
    """Change the reason of an open hold (what it still waits for) and the order's shown hold reason.

    Raises DomainError for an empty reason or a released hold.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("A hold needs a reason.", field="reason")
    hold_id = hold if isinstance(hold, int) else hold.pk
    order_id = Hold.objects.values_list("order_id", flat=True).get(pk=hold_id)
    locked = order_lock(order_id)
    fresh = Hold.objects.get(pk=hold_id)
    if fresh.released_at is not None:
        raise DomainError(f"This {fresh.get_kind_display().lower()} hold was already released.")
    if fresh.reason != reason[:2000]:
        fresh.reason = reason[:2000]
        fresh.save(update_fields=["reason", "updated_at"])
        locked.hold_reason = _hold_reason_text(locked)
        locked.save(update_fields=["hold_reason", "updated_at"])
    return fresh


@transaction.atomic
def order_holds_release(*, order: Order, user=None, note: str = "", actor: str = "") -> list[Hold]:
    """Release every open hold of an order the user may release. Raises DomainError when there is none."""
    holds = list(Hold.objects.filter(order=order, released_at__isnull=True).order_by("pk"))
    access = user_access(user) if user is not None else None
    if access is not None and access.is_client_user:
        holds = [h for h in holds if h.kind in CLIENT_RELEASABLE_KINDS]
    if not holds:
        raise DomainError(f"Order {order.order_number} has no hold you can release.")
    released = [hold_release(hold=h.pk, user=user, note=note, actor=actor) for h in holds]
    order.refresh_from_db()
    return released


@transaction.atomic
def holds_close_all(*, order: Order, user=None, note: str = "", actor: str = "") -> int:
    """Mark every open hold of an order released (the caller moves the order out of on_hold)."""
    return Hold.objects.filter(order=order, released_at__isnull=True).update(
        released_at=timezone.now(), released_by=user_or_none(user), release_note=(note or "")[:255],
        updated_at=timezone.now(),
    )


def holds_release_due(*, today: datetime.date | None = None) -> int:
    """Release every open hold-until-date hold whose date has come. Safe to run twice. Returns how many."""
    today = today or timezone.localdate()
    released = 0
    due = Hold.objects.filter(kind=HoldKind.UNTIL_DATE, released_at__isnull=True, until_date__lte=today)
    for hold_id in due.order_by("pk").values_list("pk", flat=True):
        try:
            hold_release(hold=hold_id, note=f"the date has come ({today})", actor="hold-until-date task")
        except DomainError:
            continue  # released meanwhile
        released += 1
    return released


@transaction.atomic
def order_payment_status_set(*, order: Order, payment_status: str, actor: str = "storefront") -> Order:
    """Record the storefront's payment status; once the order is paid its payment hold is released."""
    locked = order_lock(order.pk)
    if locked.payment_status != payment_status:
        locked.payment_status = payment_status
        locked.save(update_fields=["payment_status", "updated_at"])
    if payment_status in PAYMENT_CLEARED_STATUSES:
        for hold in Hold.objects.filter(order=locked, kind=HoldKind.PAYMENT, released_at__isnull=True):
            hold_release(hold=hold.pk, note=f"payment is now {payment_status or 'not needed'}", actor=actor)
    order.refresh_from_db()
    return order


@transaction.atomic
def order_hold(
    *,
    order: Order,
    reason: str,
    user=None,
    actor: str = "",
    kind: str | None = None,
    rule=None,
    until_date=None,
) -> Order:
    """Put an order on hold with a reason shown to managers, releasing any stock it held.

    Records a Hold (orders.holds): `kind` defaults to manual, or client for a client user. Holding an order
    that is already on hold adds the hold. Raises InvalidTransition when the order cannot be held now,
    DomainError for an empty reason.
    """
    if not reason.strip():
        raise DomainError("A hold needs a reason.", field="reason")
    hold_place(order=order.pk, kind=kind or hold_kind_for_user(user), reason=reason, user=user, actor=actor,
               rule=rule, until_date=until_date)
    order.refresh_from_db()
    return order


@transaction.atomic
def order_release_hold(*, order: Order, user=None, note: str = "Released from hold", actor: str = "") -> Order:
    """Release every hold of an order and move it back to received, so that it is processed and routed
    again. Lines with an unknown SKU are matched again first.

    Raises DomainError while a SKU is still unknown, InvalidTransition when the order is not on hold.
    """
    locked = order_lock(order.pk)
    if locked.status != OrderStatus.ON_HOLD:
        raise InvalidTransition(f"Order {locked.order_number} is not on hold.")
    unknown = order_lines_match_products(order=locked)
    if unknown:
        raise DomainError(
            f"Order {locked.order_number} still has SKUs {locked.client.name} does not have: "
            f"{', '.join(sorted(set(unknown)))}. Map or create the products first."
        )
    holds_close_all(order=locked, user=user, note=note, actor=actor)
    return order_transition(
        order=order, to_status=OrderStatus.RECEIVED, user=user, note=note, actor=actor,
        extra_fields={"hold_reason": "", "hold_until_date": None},
    )


def automatic_hold_problems(facts, *, recent: list[tuple] | None = None) -> list[tuple[str, str]]:
    """What the address, payment and fraud checks find on an order, as (hold kind, reason) pairs.

    `facts` are the order's rules facts (orders.facts.OrderFacts); a check whose hold a person
    released before is not repeated (the release was an override). `recent`: see holds.checks.fraud_signals.
    """
    order = facts.order
    found = [
        (HoldKind.ADDRESS, address_problems(order)),
        (HoldKind.PAYMENT, [p] if (p := payment_problem(order)) else []),
        (HoldKind.FRAUD, fraud_signals(order, total=facts.order_total, first_order=facts.first_order,
                                       recent=recent)),
    ]
    return [(kind, " ".join(problems)) for kind, problems in found
            if problems and not facts.released_hold(kind, None)]


@transaction.atomic
def order_automatic_holds_place(*, order: Order | int, actor: str = "hold checks") -> list[Hold]:
    """Run the address, payment and fraud checks on a received order and hold it for each that fails.

    A check whose hold a person released before is not repeated (the release was an override).
    Returns the holds placed; orders no longer received are left alone.
    """
    order_id = order if isinstance(order, int) else order.pk
    locked = order_lock(order_id)
    if locked.status != OrderStatus.RECEIVED:
        return []
    return automatic_holds_place(facts=facts_for_orders(orders_for_rules(Order.objects.filter(pk=order_id)))[0],
                                 actor=actor)


def automatic_holds_place(*, facts, recent: list[tuple] | None = None, actor: str = "hold checks") -> list[Hold]:
    """Hold the (locked) order of `facts` for each automatic check that fails (automatic_hold_problems)."""
    return [hold_place(order=facts.order.pk, kind=kind, reason=reason, actor=actor)
            for kind, reason in automatic_hold_problems(facts, recent=recent)]
