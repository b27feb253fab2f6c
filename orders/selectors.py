"""Reads of orders, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from inventory.access import scope_by_client, user_access
from orders.models import Order, OrderEvent, OrderLine, SalesChannel


def order_list(*, user) -> QuerySet[Order]:
    """Orders the user may see: a client user its client's; staff limited to warehouses only theirs."""
    qs = Order.objects.select_related("client", "channel", "warehouse", "forced_warehouse")
    qs = scope_by_client(qs, user)
    access = user_access(user)
    if access.warehouse_ids is not None and access.client_id is None:
        qs = qs.filter(warehouse_id__in=access.warehouse_ids)
    return qs


def order_list_with_details(*, user) -> QuerySet[Order]:
    return order_list(user=user).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
        Prefetch("events", queryset=OrderEvent.objects.select_related("user")),
        "allowed_warehouses",
    )


def order_get(*, user, pk: int) -> Order:
    """Return one order the user may see. Raises Order.DoesNotExist otherwise (a 404, never a 403)."""
    return order_list_with_details(user=user).get(pk=pk)


def channel_list(*, user) -> QuerySet[SalesChannel]:
    return scope_by_client(SalesChannel.objects.select_related("client"), user)
