"""Reads of returns, refunds and surveys, always scoped to what the user may see."""

from __future__ import annotations

import datetime

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from core.access import restrict
from inventory.selectors import client_list
from orders.choices import OrderStatus
from orders.models import Order, OrderEvent
from orders.selectors import order_list
from returns.choices import CLAIMING_STATUSES, ReturnStatus
from returns.models import (
    FeedbackCase,
    FeedbackSurvey,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    ReturnPolicy,
    ReturnUnit,
)
from warehouses.geo import normalise_us_zip


def _status_reached_at(order: Order, status: str) -> datetime.datetime | None:
    return (
        OrderEvent.objects.filter(order=order, to_status=status).exclude(from_status=status)
        .aggregate(at=Max("created_at"))["at"]
    )


def return_policy_list(*, user) -> QuerySet[ReturnPolicy]:
    """The return policies of the clients the user may see, with their per-reason rules."""
    return ReturnPolicy.objects.filter(client__in=client_list(user=user)).prefetch_related("reason_rules")


def return_policy_get(*, client) -> ReturnPolicy:
    """The client's return policy, with its per-reason rules. Every client has one from its creation on
    (returns.receivers). Raises ReturnPolicy.DoesNotExist."""
    return ReturnPolicy.objects.prefetch_related("reason_rules").get(client=client)


def order_delivered_at(*, order: Order) -> datetime.datetime | None:
    """When the order was delivered (its last move to delivered), or None."""
    return _status_reached_at(order, OrderStatus.DELIVERED)


def order_shipped_at(*, order: Order) -> datetime.datetime | None:
    """When the order was handed to the carrier (its last move to shipped), or None."""
    return _status_reached_at(order, OrderStatus.SHIPPED)


def delivered_at_subquery():
    """A Subquery annotating each order with when it was delivered."""
    return Subquery(
        OrderEvent.objects.filter(order=OuterRef("pk"), to_status=OrderStatus.DELIVERED)
        .exclude(from_status=OrderStatus.DELIVERED).order_by("-created_at").values("created_at")[:1]
    )


def order_returnable_quantities(*, order: Order) -> dict[int, int]:
    """Units of each order line that no open or finished return has claimed yet, by order line id."""
    claimed = dict(
        ReturnLine.objects.filter(order_line__order=order)
        .filter(Q(rma__status__in=CLAIMING_STATUSES) | Q(rma__status=ReturnStatus.CLOSED, rma__inspected_at__isnull=False))
        .values("order_line_id").annotate(n=Sum("quantity")).values_list("order_line_id", "n")
    )
    return {line.pk: max(0, line.quantity - claimed.get(line.pk, 0)) for line in order.lines.all()}


def order_find_for_customer(*, order_number: str, email_or_postcode: str) -> Order | None:
    """The order a customer means by its number plus the email or ship-to postal code on it, or None.

    For the self-service page (no login): both must match, so an order number alone reveals nothing.
    """
    number = order_number.strip().lstrip("#")
    secret = email_or_postcode.strip()
    if not number or not secret:
        return None
    candidates = Order.objects.filter(Q(order_number__iexact=number) | Q(order_number__iexact=f"#{number}"))
    candidates = candidates.select_related("client", "channel").order_by("-received_at")[:10]
    for order in candidates:
        if "@" in secret:
            if order.customer_email and order.customer_email.strip().lower() == secret.lower():
                return order
            continue
        wanted = normalise_us_zip(secret) or secret.replace(" ", "").upper()
        have = normalise_us_zip(order.ship_postal_code) or order.ship_postal_code.replace(" ", "").upper()
        if have and wanted == have:
            return order
    return None


def return_list(*, user) -> QuerySet[ReturnAuthorization]:
    """Returns the user may see: a client user its client's; staff limited to warehouses only theirs."""
    qs = ReturnAuthorization.objects.select_related("client", "order", "warehouse")
    return restrict(qs, user, client="client", warehouse="warehouse")


def return_list_with_details(*, user) -> QuerySet[ReturnAuthorization]:
    return return_list(user=user).select_related("refund", "exchange_order").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("product", "order_line", "exchange_product")),
        Prefetch("units", queryset=ReturnUnit.objects.select_related("product", "location", "inspected_by")),
        Prefetch("events", queryset=ReturnEvent.objects.select_related("user")),
    )


def return_get(*, user, pk: int) -> ReturnAuthorization:
    """One return the user may see. Raises ReturnAuthorization.DoesNotExist otherwise (a 404, never a 403)."""
    return return_list_with_details(user=user).get(pk=pk)


def return_find_by_number(*, user, number: str) -> ReturnAuthorization | None:
    """The return with this RMA number (as scanned: any case, spaces ignored) the user may see, or None."""
    cleaned = number.strip().upper().replace(" ", "")
    if cleaned and not cleaned.startswith("RMA-"):
        cleaned = "RMA-" + cleaned.removeprefix("RMA")
    return return_list(user=user).filter(number=cleaned).first()


def survey_list(*, user) -> QuerySet[FeedbackSurvey]:
    """Surveys the user may see: a client user its client's; staff limited to some warehouses those of their orders."""
    qs = FeedbackSurvey.objects.select_related("order", "order__client", "order__warehouse")
    return restrict(qs, user, client="order__client", warehouse="order__warehouse")


def _shipping_orders(*, user, warehouse_id: int | None, client_id: int | None) -> QuerySet[Order]:
    orders = order_list(user=user)
    if warehouse_id is not None:
        orders = orders.filter(warehouse_id=warehouse_id)
    if client_id is not None:
        orders = orders.filter(client_id=client_id)
    return orders.values("pk")


def return_list_opened(
    *,
    user,
    start_at: datetime.datetime,
    end_at: datetime.datetime,
    warehouse_id: int | None = None,
    client_id: int | None = None,
) -> QuerySet[ReturnAuthorization]:
    """Return the returns opened in [start_at, end_at), rejected requests left out, on orders the user may see.

    For figures set beside shipments (the manager's dashboard): `warehouse_id` is the warehouse that shipped
    the order, not the one the parcel goes back to, and tenancy follows the order (a client user its
    client's, staff limited to some warehouses the orders those warehouses shipped).
    """
    return (
        ReturnAuthorization.objects.filter(
            order__in=_shipping_orders(user=user, warehouse_id=warehouse_id, client_id=client_id),
            created_at__gte=start_at, created_at__lt=end_at,
        )
        .exclude(status=ReturnStatus.REJECTED)
        .order_by()
    )


def survey_list_answered(
    *,
    user,
    start_at: datetime.datetime,
    end_at: datetime.datetime,
    warehouse_id: int | None = None,
    client_id: int | None = None,
) -> QuerySet[FeedbackSurvey]:
    """Return the surveys answered with a rating in [start_at, end_at) on orders the user may see.

    `warehouse_id` and `client_id` are the order's, as in return_list_opened.
    """
    return FeedbackSurvey.objects.filter(
        order__in=_shipping_orders(user=user, warehouse_id=warehouse_id, client_id=client_id),
        answered_at__gte=start_at, answered_at__lt=end_at, rating__isnull=False,
    ).order_by()


def case_list(*, user) -> QuerySet[FeedbackCase]:
    qs = FeedbackCase.objects.select_related("order", "order__client", "order__warehouse", "survey", "resolved_by")
    return restrict(qs, user, client="order__client", warehouse="order__warehouse")
