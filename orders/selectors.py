"""Reads of orders, always scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from core.access import restrict
from inventory.models import Product, StockLevel
from orders.choices import OrderStatus
from orders.models import Allocation, Order, OrderEvent, OrderLine, SalesChannel, SkuMapping


def order_list(*, user) -> QuerySet[Order]:
    """Orders the user may see: a client user its client's; staff limited to warehouses only theirs."""
    qs = Order.objects.select_related("client", "channel", "warehouse", "forced_warehouse")
    return restrict(qs, user, client="client", warehouse="warehouse")


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
    return restrict(SalesChannel.objects.select_related("client"), user, client="client", warehouse=None)


def order_reservations(*, order: Order) -> list:
    """Where each unit of the order is reserved: allocations with line, location, lot and warehouse."""
    return list(
        Allocation.objects.filter(line__order=order)
        .select_related("line", "stock_level__location__warehouse")
        .order_by("line_id", "stock_level__location__walk_sequence", "pk")
    )


def order_parts(*, order: Order) -> list[Order]:
    """The parts of a split order with their warehouse and line count, in number order."""
    return list(
        Order.objects.filter(parent=order).select_related("warehouse")
        .annotate(line_count=Count("lines"), unit_count=Sum("lines__quantity"))
        .order_by("pk")
    )


@dataclass
class BackorderWait:
    order: Order
    quantity: int
    released_at_units: int  # more units needed (beyond what is available now) before this order can go


@dataclass
class BackorderRow:
    product_id: int
    sku: str
    name: str
    client_name: str
    units_waiting: int
    available_now: int
    orders: list[BackorderWait] = field(default_factory=list)

    @property
    def units_short(self) -> int:
        return max(self.units_waiting - self.available_now, 0)


def backorder_list(*, user) -> list[BackorderRow]:
    """What backordered orders wait for, per SKU, oldest order first, with how many more units would
    release each one (counting the SKU alone: its other lines may still be short). Three queries."""
    waiting = list(
        OrderLine.objects.filter(order__in=order_list(user=user).filter(status=OrderStatus.BACKORDERED))
        .exclude(product=None)
        .select_related("order", "product__client")
        .order_by("product__sku", "order__received_at", "order_id", "pk")
    )
    product_ids = {line.product_id for line in waiting}
    today = timezone.localdate()
    available = dict(
        StockLevel.objects.filter(product_id__in=product_ids, location__kind__in=("pick", "reserve"),
                                  location__is_active=True, location__warehouse__is_active=True)
        .exclude(expiry_date__lte=today)
        .filter(on_hand__gt=F("allocated"))
        .values("product_id").annotate(units=Sum(F("on_hand") - F("allocated"))).values_list("product_id", "units")
    )
    rows: dict[int, BackorderRow] = {}
    for line in waiting:
        row = rows.get(line.product_id)
        if row is None:
            row = rows[line.product_id] = BackorderRow(
                product_id=line.product_id, sku=line.product.sku, name=line.product.name,
                client_name=line.product.client.name, units_waiting=0,
                available_now=available.get(line.product_id, 0))
        row.units_waiting += line.quantity
        row.orders.append(BackorderWait(order=line.order, quantity=line.quantity,
                                        released_at_units=max(row.units_waiting - row.available_now, 0)))
    return sorted(rows.values(), key=lambda r: (-r.units_short, r.sku))


def products_for_skus(*, client_id: int, channel_id: int | None, skus: Iterable[str]) -> dict[str, Product]:
    """Resolve storefront SKUs to the client's products: the channel's mapping, then the client-wide mapping,
    then the product with that SKU. SKUs that resolve to nothing are left out. Two queries at most."""
    skus = {sku for sku in skus if sku}
    if not skus:
        return {}
    found: dict[str, Product] = {}
    scope = Q(channel__isnull=True) | Q(channel_id=channel_id) if channel_id else Q(channel__isnull=True)
    mappings = SkuMapping.objects.filter(scope, client_id=client_id, external_sku__in=skus).select_related("product")
    # Client-wide first, so that a channel's own mapping overwrites it.
    for mapping in sorted(mappings, key=lambda m: m.channel_id is not None):
        found[mapping.external_sku] = mapping.product
    rest = skus - set(found)
    if rest:
        found.update({p.sku: p for p in Product.objects.filter(client_id=client_id, sku__in=rest)})
    return found
