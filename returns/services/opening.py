"""Opening a return: by a customer, the desk or the client, within the policy's window; authorised at once
when the policy says so."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import DomainError
from inventory.models import Product
from orders.choices import OrderStatus
from orders.locks import order_lock
from orders.models import Order, OrderLine
from orders.services import order_event_add
from returns.choices import Resolution, ReturnReason, ReturnSource
from returns.exceptions import ReturnNotAllowed
from returns.models import ReturnAuthorization, ReturnEvent, ReturnLine, ReturnPolicy
from returns.policies import return_policy_for_client
from returns.selectors import order_delivered_at, order_returnable_quantities, order_shipped_at
from returns.services.status import _user_or_none, return_authorise
from warehouses.choices import LocationKind
from warehouses.geo import great_circle_km, us_zip_coordinates
from warehouses.models import Warehouse

RETURNABLE_ORDER_STATUSES = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


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
