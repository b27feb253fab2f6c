"""Reads of inventory, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import F, QuerySet

from inventory.access import scope_by_client, user_access
from inventory.models import Client, Product, StockLevel, StockMovement


def client_list(*, user) -> QuerySet[Client]:
    access = user_access(user)
    qs = Client.objects.all()
    if not access.roles:
        return qs.none()
    if access.client_id is not None:
        return qs.filter(pk=access.client_id)
    return qs


def product_list(*, user) -> QuerySet[Product]:
    return scope_by_client(Product.objects.select_related("client"), user)


def stock_level_list(*, user) -> QuerySet[StockLevel]:
    """Stock per product and location, scoped by client and by the staff member's warehouses."""
    qs = StockLevel.objects.select_related("product", "product__client", "location", "location__warehouse")
    qs = scope_by_client(qs, user, field="product__client")
    access = user_access(user)
    if access.warehouse_ids is not None and access.client_id is None:
        qs = qs.filter(location__warehouse_id__in=access.warehouse_ids)
    return qs.annotate(available_units=F("on_hand") - F("allocated"))


def stock_movement_list(*, user) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("product", "from_location", "to_location", "user")
    return scope_by_client(qs, user, field="product__client")
