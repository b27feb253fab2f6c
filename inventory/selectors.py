"""Reads of inventory, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from core.access import restrict, user_access
from inventory.figures.read import StockFigurePage, stock_figures_iter, stock_figures_page
from inventory.models import (
    Client,
    CycleCount,
    CycleCountLine,
    InboundLine,
    InboundShipment,
    Product,
    ReceiptDifference,
    ReorderSetting,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)


def client_list(*, user) -> QuerySet[Client]:
    return restrict(Client.objects.all(), user, client="pk", warehouse=None)


def product_list(*, user) -> QuerySet[Product]:
    return restrict(Product.objects.select_related("client"), user, client="client", warehouse=None)


def stock_level_list(*, user) -> QuerySet[StockLevel]:
    """Stock per product and location, scoped by client and by the staff member's warehouses."""
    qs = StockLevel.objects.select_related("product", "product__client", "location", "location__warehouse")
    qs = restrict(qs, user, client="product__client", warehouse="location__warehouse")
    return qs.annotate(available_units=F("on_hand") - F("allocated"))


def stock_movement_list(*, user) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("product", "from_location", "to_location", "user")
    return restrict(qs, user, client="product__client", warehouse=None)


# --- Stock control ------------------------------------------------------------------------------------------


def stock_figure_page(*, user, filters, page: int = 1, per_page: int = 50):
    """Return one page of stock figures per product and warehouse (inventory.figures), scoped to the user."""
    access = user_access(user)
    if not access.roles:
        return StockFigurePage(rows=[], total=0)
    return stock_figures_page(access=access, filters=filters, limit=per_page, offset=(page - 1) * per_page)


def stock_figure_iter(*, user, filters):
    """Yield every stock figures row the user may see (for CSV export)."""
    access = user_access(user)
    if not access.roles:
        return iter(())
    return stock_figures_iter(access=access, filters=filters)


def inbound_shipment_list(*, user) -> QuerySet[InboundShipment]:
    qs = InboundShipment.objects.select_related("client", "warehouse")
    return restrict(qs, user, client="client", warehouse="warehouse")


def inbound_shipment_get(*, user, pk: int) -> InboundShipment:
    """Return one ASN the user may see with its lines. Raises InboundShipment.DoesNotExist otherwise."""
    return inbound_shipment_list(user=user).prefetch_related(
        Prefetch("lines", queryset=InboundLine.objects.select_related("product").order_by("pk")),
        Prefetch("differences", queryset=ReceiptDifference.objects.order_by("pk")),
    ).get(pk=pk)


def reorder_setting_list(*, user) -> QuerySet[ReorderSetting]:
    qs = ReorderSetting.objects.select_related("product", "product__client", "warehouse")
    return restrict(qs, user, client="product__client", warehouse="warehouse")


def cycle_count_list(*, user) -> QuerySet[CycleCount]:
    """Counts are warehouse work: staff see those of their warehouses, client users none."""
    access = user_access(user)
    if not access.is_staff_member:
        return CycleCount.objects.none()
    qs = CycleCount.objects.select_related("warehouse", "created_by")
    return restrict(qs, user, client=None, warehouse="warehouse")


def cycle_count_get(*, user, pk: int) -> CycleCount:
    return cycle_count_list(user=user).prefetch_related(
        Prefetch("lines", queryset=CycleCountLine.objects.select_related("product", "location", "counted_by"))
    ).get(pk=pk)


def transfer_list(*, user) -> QuerySet[Transfer]:
    access = user_access(user)
    if not access.is_staff_member:
        return Transfer.objects.none()
    qs = Transfer.objects.select_related("from_warehouse", "to_warehouse", "created_by")
    return restrict(qs, user, client=None, warehouse=("from_warehouse", "to_warehouse"))


def transfer_get(*, user, pk: int) -> Transfer:
    return transfer_list(user=user).prefetch_related(
        Prefetch("lines", queryset=TransferLine.objects.select_related("product", "from_location", "to_location")
                 .order_by("pk"))
    ).get(pk=pk)
