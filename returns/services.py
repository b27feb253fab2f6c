"""Writes to returns: opening a return, its status machine and timeline, receiving and inspection at the
returns desk (every stock change through inventory.services), refunds and exchanges.

Every status change goes through return_transition: it locks the return, checks RETURN_TRANSITIONS,
saves, writes the ReturnEvent and queues follow-up work on commit.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.exceptions import DomainError
from core.transitions import status_transition
from core.work import work_enqueue
from inventory.choices import MovementKind
from inventory.models import Product, StockLevel
from inventory.services import stock_receive, stock_remove
from orders.choices import ChannelKind, OrderStatus
from orders.locks import order_lock
from orders.models import Order, OrderLine
from orders.services import order_create, order_event_add
from returns.choices import (
    RECEIVABLE_STATUSES,
    RETURN_TRANSITIONS,
    Disposition,
    RefundStatus,
    Resolution,
    ReturnReason,
    ReturnSource,
    ReturnStatus,
)
from returns.exceptions import InvalidReturnTransition, ReceivingError, ReturnNotAllowed
from returns.locks import return_lines_lock, return_lock
from returns.models import (
    Refund,
    RefundLine,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    ReturnPolicy,
    ReturnReasonRule,
    ReturnUnit,
)
from returns.policies import return_policy_for_client
from returns.refunds import refund_quote
from returns.selectors import order_delivered_at, order_returnable_quantities, order_shipped_at
from returns.task_names import REFUND_SEND_TASK, RETURN_LABEL_TASK
from warehouses.choices import LocationKind
from warehouses.geo import great_circle_km, us_zip_coordinates
from warehouses.models import Location, Warehouse

logger = logging.getLogger(__name__)

RETURNABLE_ORDER_STATUSES = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})
RESTOCK_LOCATION_KINDS = frozenset({LocationKind.PICK, LocationKind.RESERVE})
RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- Policy -------------------------------------------------------------------------------------------------


@transaction.atomic
def return_policy_update(*, client, rules: dict[str, dict] | None = None, **fields) -> ReturnPolicy:
    """Change a client's policy: fields of ReturnPolicy, and per reason {"free_label", "restocking_fee_percent"}.

    Raises DomainError for an unknown reason or a fee outside 0-100 %.
    """
    policy = return_policy_for_client(client=client)
    for name, value in fields.items():
        setattr(policy, name, value)
    if fields:
        policy.full_clean(exclude=["client"])
        policy.save()
    for reason, values in (rules or {}).items():
        if reason not in ReturnReason.values:
            raise DomainError(f"Unknown return reason {reason!r}.", field="rules")
        fee = Decimal(str(values.get("restocking_fee_percent", 0)))
        if not Decimal("0") <= fee <= Decimal("100"):
            raise DomainError("A restocking fee is a percentage between 0 and 100.", field="rules")
        ReturnReasonRule.objects.update_or_create(
            policy=policy, reason=reason,
            defaults={"free_label": bool(values.get("free_label", False)), "restocking_fee_percent": fee},
        )
    return policy


# --- Opening a return ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineRequest:
    order_line_id: int
    quantity: int
    reason: str
    reason_note: str = ""
    resolution: str = Resolution.REFUND
    exchange_sku: str = ""


def _new_rma_number() -> str:
    return "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))


def return_window_closes_at(*, order: Order, policy: ReturnPolicy):
    """When the client's window closes for this order: window days after delivery (or after shipping)."""
    start = order_delivered_at(order=order) or order_shipped_at(order=order)
    if start is None:
        return None
    return start + datetime.timedelta(days=policy.window_days)


def nearest_returns_warehouse(*, order: Order) -> Warehouse | None:
    """The active warehouse with a returns area nearest to the customer (falling back to the shipping one)."""
    candidates = list(
        Warehouse.objects.filter(
            is_active=True, locations__kind=LocationKind.RETURNS, locations__is_active=True
        ).distinct().order_by("code")
    )
    if not candidates:
        return order.warehouse
    coords = us_zip_coordinates(order.ship_postal_code) if order.ship_country in ("US", "") else None
    if coords is None:
        by_pk = {w.pk: w for w in candidates}
        return by_pk.get(order.warehouse_id, candidates[0])
    return min(candidates, key=lambda w: (great_circle_km(coords[0], coords[1], w.latitude, w.longitude), w.code))


def _validate_lines(*, order: Order, lines: list[ReturnLineRequest]) -> list[tuple[OrderLine, ReturnLineRequest,
                                                                                   Product | None]]:
    if not lines:
        raise DomainError("Choose at least one item to return.", field="lines")
    order_lines = {line.pk: line for line in order.lines.select_related("product")}
    returnable = order_returnable_quantities(order=order)
    seen: set[int] = set()
    checked = []
    for request in lines:
        order_line = order_lines.get(request.order_line_id)
        if order_line is None:
            raise DomainError("That item is not part of this order.", field="lines")
        if order_line.pk in seen:
            raise DomainError(f"{order_line.sku} is listed twice; give one quantity per item.", field="lines")
        seen.add(order_line.pk)
        if order_line.product_id is None:
            raise DomainError(f"{order_line.sku} is not a known product and cannot be returned.", field="lines")
        if request.reason not in ReturnReason.values:
            raise DomainError(f"Choose a reason for {order_line.sku}.", field="lines")
        if request.reason == ReturnReason.OTHER and not request.reason_note.strip():
            raise DomainError(f"Tell us what is wrong with {order_line.sku} (reason “other”).", field="lines")
        if request.quantity < 1:
            raise DomainError(f"Return at least one {order_line.sku}.", field="lines")
        left = returnable.get(order_line.pk, 0)
        if request.quantity > left:
            raise DomainError(
                f"Only {left} of {order_line.sku} can still be returned (ordered {order_line.quantity}).",
                field="lines",
            )
        exchange_product = None
        if request.resolution == Resolution.EXCHANGE:
            sku = request.exchange_sku.strip() or order_line.product.sku
            exchange_product = Product.objects.filter(client_id=order.client_id, sku=sku, is_active=True).first()
            if exchange_product is None:
                raise DomainError(f"No product {sku} to exchange {order_line.sku} for.", field="lines")
        elif request.resolution != Resolution.REFUND:
            raise DomainError("Choose refund or exchange.", field="lines")
        checked.append((order_line, request, exchange_product))
    return checked


@transaction.atomic
def return_request(
    *,
    order: Order,
    lines: list[ReturnLineRequest],
    source: str,
    user=None,
    actor: str = "",
    customer_note: str = "",
    authorise: bool | None = None,
    ignore_window: bool = False,
) -> ReturnAuthorization:
    """Open a return of some units of a shipped order, with a reason per item.

    The client's policy decides the window (managers may pass ignore_window) and, for customers,
    whether the return is authorised at once; `authorise` overrides that. Raises ReturnNotAllowed when the
    order has not shipped or the window has closed, DomainError for bad lines (unknown item, too many units).
    """
    locked = order_lock(order.pk)  # serialises claims on the same order's units
    if locked.status not in RETURNABLE_ORDER_STATUSES:
        raise ReturnNotAllowed(f"Order {locked.order_number} has not shipped yet, so it cannot be returned.")
    policy = return_policy_for_client(client=locked.client)
    closes_at = return_window_closes_at(order=locked, policy=policy)
    if not ignore_window and closes_at is not None and timezone.now() > closes_at:
        raise ReturnNotAllowed(
            f"The {policy.window_days}-day return window of order {locked.order_number} closed on "
            f"{timezone.localdate(closes_at):%B %-d, %Y}."
        )
    checked = _validate_lines(order=locked, lines=lines)
    rules = {r.reason: r for r in policy.reason_rules.all()}
    free_label = any(rules.get(req.reason) is not None and rules[req.reason].free_label for _, req, _ in checked)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                rma = ReturnAuthorization.objects.create(
                    number=_new_rma_number(), client=locked.client, order=locked,
                    warehouse=nearest_returns_warehouse(order=locked), source=source,
                    customer_name=locked.customer_name, customer_email=locked.customer_email,
                    customer_note=customer_note.strip(), free_label=free_label, created_by=_user_or_none(user),
                )
            break
        except IntegrityError:  # an RMA number collided (one in a trillion); draw another
            continue
    else:  # pragma: no cover - would need five collisions in a row
        raise DomainError("Could not number the return; try again.")
    ReturnLine.objects.bulk_create(
        ReturnLine(
            rma=rma, order_line=order_line, product_id=order_line.product_id, quantity=req.quantity,
            reason=req.reason, reason_note=req.reason_note.strip()[:500], resolution=req.resolution,
            exchange_product=exchange_product,
        )
        for order_line, req, exchange_product in checked
    )
    summary = ", ".join(f"{req.quantity} × {ol.sku} ({ReturnReason(req.reason).label})" for ol, req, _ in checked)
    ReturnEvent.objects.create(rma=rma, from_status="", to_status=rma.status,
                               note=f"Return opened by {ReturnSource(source).label.lower()}: {summary}",
                               user=_user_or_none(user), actor=actor[:100])
    order_event_add(order=locked, note=f"Return {rma.number} opened: {summary}", user=user, actor=actor)
    if authorise is None:
        authorise = source != ReturnSource.CUSTOMER or policy.auto_authorise
    if authorise:
        return_authorise(rma=rma, user=user, actor=actor or "return policy",
                         note="Authorised under the client's return policy" if user is None else "")
        rma.refresh_from_db()
    return rma


# --- Status machine -----------------------------------------------------------------------------------------


# The time each step is stamped on the return.
RETURN_STATUS_STAMPS = {
    ReturnStatus.AUTHORISED: "authorised_at", ReturnStatus.RECEIVED: "received_at",
    ReturnStatus.INSPECTED: "inspected_at", ReturnStatus.REFUNDED: "closed_at",
    ReturnStatus.CLOSED: "closed_at", ReturnStatus.REJECTED: "closed_at",
}


@transaction.atomic
def return_transition(
    *,
    rma: ReturnAuthorization | int,
    to_status: str,
    user=None,
    note: str = "",
    actor: str = "",
    extra_fields: dict | None = None,
) -> ReturnAuthorization:
    """Move a return to another status, recording who and when.

    Raises InvalidReturnTransition when the move is not in RETURN_TRANSITIONS (core.transitions does the
    steps).
    """
    locked = status_transition(
        instance=rma if isinstance(rma, int) else rma.pk, lock=return_lock, to_status=to_status,
        transitions=RETURN_TRANSITIONS, user=user, actor=actor, note=note, stamps=RETURN_STATUS_STAMPS,
        fields=extra_fields, subject=lambda r: f"Return {r.number}", error=InvalidReturnTransition,
        event=lambda move: ReturnEvent.objects.create(
            rma=move.instance, from_status=move.from_status, to_status=move.to_status, note=move.note,
            user=_user_or_none(move.user), actor=move.actor[:100]),
    )
    if not isinstance(rma, int):
        rma.refresh_from_db()
    return locked


def return_event_add(*, rma: ReturnAuthorization, note: str, user=None, actor: str = "") -> ReturnEvent:
    """Write a note to the return's timeline without changing its status."""
    return ReturnEvent.objects.create(rma=rma, from_status=rma.status, to_status=rma.status, note=note,
                                      user=_user_or_none(user), actor=actor[:100])


@transaction.atomic
def return_authorise(*, rma: ReturnAuthorization, user=None, note: str = "", actor: str = "") -> ReturnAuthorization:
    """Authorise a requested return and, after commit, send the customer the return label and instructions.

    Raises InvalidReturnTransition unless the return is requested.
    """
    locked = return_transition(rma=rma, to_status=ReturnStatus.AUTHORISED, user=user, note=note, actor=actor)
    work_enqueue(RETURN_LABEL_TASK, locked.pk)
    return locked


@transaction.atomic
def return_reject(*, rma: ReturnAuthorization, reason: str, user=None, actor: str = "") -> ReturnAuthorization:
    """Reject a requested return with a reason for the customer. Raises DomainError without a reason."""
    if not reason.strip():
        raise DomainError("Give the customer a reason for the rejection.", field="reason")
    return return_transition(rma=rma, to_status=ReturnStatus.REJECTED, user=user, note=reason.strip(), actor=actor,
                             extra_fields={"decision_note": reason.strip()})


@transaction.atomic
def return_close(*, rma: ReturnAuthorization, note: str = "", user=None, actor: str = "") -> ReturnAuthorization:
    """Close a return without (further) refund: cancelled before it came back, or nothing to refund.

    Raises InvalidReturnTransition once received but not yet inspected, or when already finished.
    """
    note = note.strip() or "Closed"
    return return_transition(rma=rma, to_status=ReturnStatus.CLOSED, user=user, note=note, actor=actor,
                             extra_fields={"decision_note": note})


@transaction.atomic
def return_mark_in_transit(*, rma: ReturnAuthorization, note: str = "", user=None,
                           actor: str = "") -> ReturnAuthorization:
    """Record that the parcel is on its way back (the carrier scanned the return label)."""
    return return_transition(rma=rma, to_status=ReturnStatus.IN_TRANSIT, user=user, note=note or "On its way back",
                             actor=actor)


def return_label_scanned(*, tracking_number: str, status: str) -> ReturnAuthorization | None:
    """Mark the authorised return whose label carries this tracking number in transit (the carrier scanned it).

    Returns the return, or None when no authorised return has that label (none, or it moved on meanwhile),
    so running it twice changes nothing.
    """
    rma = (ReturnAuthorization.objects.filter(label_tracking_number=tracking_number, status=ReturnStatus.AUTHORISED)
           .first() if tracking_number else None)
    if rma is None:
        return None
    try:
        return return_mark_in_transit(rma=rma, actor="carrier tracking",
                                      note=f"Carrier scanned the return label ({status})")
    except InvalidReturnTransition:  # received at the desk meanwhile
        logger.info("return %s moved on before its tracking event", rma.number)
        return None


# --- Receiving and inspection -------------------------------------------------------------------------------


@transaction.atomic
def return_receive_start(*, rma: ReturnAuthorization, user=None) -> ReturnAuthorization:
    """Scan a return's parcel in at the returns desk (status received). Scanning it again changes nothing.

    Raises ReceivingError when the return is not expected back (requested, rejected, finished).
    """
    locked = return_lock(rma.pk)
    if locked.status == ReturnStatus.RECEIVED:
        return locked
    if locked.status not in RECEIVABLE_STATUSES:
        raise ReceivingError(
            f"Return {locked.number} is {locked.get_status_display().lower()}; it cannot be received."
        )
    return return_transition(rma=locked.pk, to_status=ReturnStatus.RECEIVED, user=user, note="Parcel received")


def _find_product(*, rma: ReturnAuthorization, code: str) -> Product:
    code = code.strip()
    if not code:
        raise ReceivingError("Scan an item's barcode (or type its SKU).", field="barcode")
    products = Product.objects.filter(client_id=rma.client_id).filter(Q(barcode=code) | Q(sku__iexact=code))
    product = products.order_by("pk").first()
    if product is None:
        raise ReceivingError(f"“{code}” is not a product of {rma.client.name}. Set it aside for a manager.",
                             field="barcode")
    return product


def returns_area_location(*, warehouse: Warehouse) -> Location:
    """The warehouse's returns area. Raises ReceivingError when it has none."""
    location = (
        Location.objects.filter(warehouse=warehouse, kind=LocationKind.RETURNS, is_active=True).order_by("code").first()
    )
    if location is None:
        raise ReceivingError(f"{warehouse.code} has no active returns area location.", field="location")
    return location


def _put_away(*, rma: ReturnAuthorization, product: Product, quantity: int, disposition: str,
              location: Location | None, note: str, user) -> tuple[Location, object, object]:
    """Book the units into stock through the ledger according to the disposition; returns (where, in, out)."""
    reference = rma.number
    if disposition == Disposition.RESTOCK:
        if location is None:
            raise ReceivingError("Choose the location to restock to.", field="location")
        if location.warehouse_id != rma.warehouse_id or location.kind not in RESTOCK_LOCATION_KINDS:
            raise ReceivingError(f"Restock to a pick or reserve location of {rma.warehouse.code}.", field="location")
        movement = stock_receive(product=product, location=location, quantity=quantity, reference=reference,
                                 user=user, kind=MovementKind.RETURN, reason=f"Return {reference}: restocked")
        return location, movement, None
    area = location if location is not None and location.kind == LocationKind.RETURNS else None
    if area is not None and area.warehouse_id != rma.warehouse_id:
        raise ReceivingError(f"Use a returns area of {rma.warehouse.code}.", field="location")
    area = area or returns_area_location(warehouse=rma.warehouse)
    label = {Disposition.REFURBISH: "to refurbish", Disposition.QUARANTINE: "quarantined",
             Disposition.DISPOSE: "received for disposal"}[disposition]
    movement = stock_receive(product=product, location=area, quantity=quantity, reference=reference, user=user,
                             kind=MovementKind.RETURN, reason=f"Return {reference}: {label}")
    if disposition != Disposition.DISPOSE:
        return area, movement, None
    level = StockLevel.objects.get(product=product, location=area, lot_number="")
    out = stock_remove(stock_level_id=level.pk, quantity=quantity, kind=MovementKind.DISPOSE, reference=reference,
                       reason=f"Return {reference}: disposed — {note}", user=user)
    return area, movement, out


@transaction.atomic
def return_unit_receive(
    *,
    rma: ReturnAuthorization,
    barcode: str,
    disposition: str,
    location: Location | None = None,
    quantity: int = 1,
    condition_note: str = "",
    user=None,
) -> list[ReturnUnit]:
    """Scan returned units of one product, inspect them and put them where the disposition says.

    Restock puts them on a pick or reserve location (ledger in; available stock rises, so backorders are
    released); refurbish and quarantine put them in the returns area; dispose books them in and straight out
    with the reason. Units beyond what the return expects are recorded as unexpected. Scanning the first unit
    receives the parcel if that was not done yet.

    Raises ReceivingError for an unknown barcode, a missing location or disposal reason, or a return that is
    not being received.
    """
    if disposition not in Disposition.values:
        raise ReceivingError("Choose a disposition.", field="disposition")
    if quantity < 1 or quantity > 999:
        raise ReceivingError("Quantity must be between 1 and 999.", field="quantity")
    if disposition == Disposition.DISPOSE and not condition_note.strip():
        raise ReceivingError("Say why the item is disposed of.", field="condition_note")
    locked = return_lock(rma.pk)
    if locked.status in (ReturnStatus.AUTHORISED, ReturnStatus.IN_TRANSIT):
        locked = return_receive_start(rma=locked, user=user)
    if locked.status != ReturnStatus.RECEIVED:
        raise ReceivingError(f"Return {locked.number} is {locked.get_status_display().lower()}; "
                             "scan its parcel in first.")
    if locked.warehouse_id is None:
        raise ReceivingError("The return has no warehouse; a manager must set one.")
    product = _find_product(rma=locked, code=barcode)
    lines = [line for line in return_lines_lock(locked.pk) if line.product_id == product.pk]
    # Split the scan over the lines that still expect this product, the rest is unexpected.
    parts: list[tuple[ReturnLine | None, int]] = []
    left = quantity
    for line in lines:
        take = min(left, line.outstanding)
        if take > 0:
            parts.append((line, take))
            left -= take
    if left:
        parts.append((None, left))
    units = []
    for line, qty in parts:
        where, movement_in, movement_out = _put_away(
            rma=locked, product=product, quantity=qty, disposition=disposition, location=location,
            note=condition_note.strip(), user=user,
        )
        if line is not None:
            ReturnLine.objects.filter(pk=line.pk).update(received_quantity=F("received_quantity") + qty,
                                                         updated_at=timezone.now())
        units.append(ReturnUnit.objects.create(
            rma=locked, line=line, product=product, barcode=barcode.strip()[:64], quantity=qty,
            disposition=disposition, location=where, condition_note=condition_note.strip()[:500],
            in_movement=movement_in, out_movement=movement_out, inspected_by=_user_or_none(user),
        ))
        what = "" if line is not None else " (not expected)"
        return_event_add(
            rma=locked, user=user,
            note=f"{qty} × {product.sku}{what}: {Disposition(disposition).label.split(' (')[0].lower()} "
                 f"at {where.code}" + (f" — {condition_note.strip()}" if condition_note.strip() else ""),
        )
    return units


@transaction.atomic
def return_inspection_finish(*, rma: ReturnAuthorization, user=None, note: str = "") -> ReturnAuthorization:
    """Finish receiving: record expected units that did not come back as missing, create the exchange
    order for exchanged units, and mark the return inspected (ready for the refund).

    Raises InvalidReturnTransition unless the return is received.
    """
    locked = return_lock(rma.pk)
    if locked.status != ReturnStatus.RECEIVED:
        raise InvalidReturnTransition(f"Return {locked.number} is {locked.get_status_display().lower()}, "
                                      "not being received.")
    lines = return_lines_lock(locked.pk)
    notes = []
    for line in lines:
        missing = line.outstanding
        if missing != line.missing_quantity:
            ReturnLine.objects.filter(pk=line.pk).update(missing_quantity=missing, updated_at=timezone.now())
        if missing:
            notes.append(f"{missing} × {line.product.sku} expected but not in the parcel")
    unexpected = locked.units.filter(line__isnull=True).select_related("product")
    notes += [f"{u.quantity} × {u.product.sku} not expected" for u in unexpected]
    if note.strip():
        notes.append(note.strip())
    exchange_order = _exchange_order_create(rma=locked, lines=lines, user=user)
    if exchange_order is not None:
        notes.append(f"Exchange order {exchange_order.order_number} created")
    return return_transition(
        rma=locked.pk, to_status=ReturnStatus.INSPECTED, user=user,
        note="; ".join(notes) or "Everything expected came back",
        extra_fields={"exchange_order": exchange_order} if exchange_order is not None else None,
    )


def _exchange_order_create(*, rma: ReturnAuthorization, lines: list[ReturnLine], user) -> Order | None:
    wanted: dict[str, int] = {}
    for line in lines:
        if line.resolution != Resolution.EXCHANGE or line.exchange_product_id is None:
            continue
        units = line.received_quantity if line.expects_units else line.quantity
        if units:
            sku = line.exchange_product.sku
            wanted[sku] = wanted.get(sku, 0) + units
    if not wanted or rma.exchange_order_id:
        return None
    original = rma.order
    fields = {name: getattr(original, name) for name in (
        "customer_name", "customer_email", "customer_phone", "ship_name", "ship_company", "ship_address1",
        "ship_address2", "ship_city", "ship_state", "ship_postal_code", "ship_country", "requested_service_level",
        "currency")}
    return order_create(
        channel=original.channel, order_number=f"{original.order_number}-EX-{rma.number[-4:]}",
        lines=[{"sku": sku, "quantity": qty, "unit_price": Decimal("0.00")} for sku, qty in sorted(wanted.items())],
        user=user, actor="returns", note=f"Exchange for return {rma.number} of order {original.order_number}",
        placed_at=timezone.now(), **fields,
    )


# --- Refunds ------------------------------------------------------------------------------------------------


@transaction.atomic
def return_refund(*, rma: ReturnAuthorization, user=None, actor: str = "") -> Refund:
    """Compute the refund of an inspected return from what came back, record it, mark the return refunded
    and, after commit, send it to the storefront (Shopify / WooCommerce) in a retried task.

    Raises InvalidReturnTransition unless inspected, DomainError when nothing is refundable (close it instead).
    """
    locked = return_lock(rma.pk)
    if locked.status != ReturnStatus.INSPECTED:
        raise InvalidReturnTransition(f"Return {locked.number} must be inspected before it is refunded.")
    quote = refund_quote(rma=locked)
    if not quote.lines:
        raise DomainError("Nothing refundable came back; close the return instead.")
    channel = locked.order.channel
    calls_storefront = channel.kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE) and bool(channel.store_url)
    refund = Refund.objects.create(
        rma=locked, currency=quote.currency, subtotal=quote.subtotal, restocking_fee=quote.restocking_fee,
        label_fee=quote.label_fee, amount=quote.amount, created_by=_user_or_none(user),
        status=RefundStatus.PENDING if calls_storefront else RefundStatus.MANUAL,
    )
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, return_line_id=ql.return_line_id, quantity=ql.quantity, unit_price=ql.unit_price,
                   fee=ql.fee, amount=ql.amount)
        for ql in quote.lines
    )
    return_transition(rma=locked.pk, to_status=ReturnStatus.REFUNDED, user=user, actor=actor,
                      note=f"Refund {quote.amount} {quote.currency}: {quote.explanation}")
    order_event_add(order=locked.order, note=f"Return {locked.number} refunded: {quote.amount} {quote.currency}",
                    user=user, actor=actor)
    if calls_storefront:
        work_enqueue(REFUND_SEND_TASK, refund.pk)
    return refund
