"""What rules and the automatic hold checks look at on an order, loaded once and computed once per order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Prefetch, QuerySet
from django.db.models.functions import Lower

from orders.models import Order, OrderLine


def orders_for_rules(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Load what evaluating rules needs, in a fixed number of queries."""
    lines = OrderLine.objects.select_related("product").only(
        "order_id", "product_id", "sku", "quantity", "unit_price", "is_insert", "product__weight_g",
    ).order_by("pk")
    return qs.select_related("client", "channel", "forced_warehouse").prefetch_related(
        Prefetch("lines", queryset=lines),
        "allowed_warehouses",
        "holds",
    )


@dataclass
class OrderFacts:
    """What conditions look at, computed once per order."""

    order: Order
    lines: list[OrderLine]
    first_order: bool
    # The order's holds and rule-allowed warehouse codes; None: read them from the order (prefetched by
    # orders_for_rules). A new order has none of either.
    holds: list | None = None
    allowed_warehouse_codes: list[str] | None = None

    def _holds(self) -> list:
        return self.holds if self.holds is not None else list(self.order.holds.all())

    @property
    def goods_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if not line.is_insert]

    @property
    def order_total(self) -> Decimal:
        if self.order.total_price:
            return Decimal(self.order.total_price)
        return sum((line.unit_price * line.quantity for line in self.goods_lines), Decimal(0))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.goods_lines)

    @property
    def total_weight_g(self) -> int:
        return sum((line.product.weight_g if line.product else 0) * line.quantity for line in self.goods_lines)

    @property
    def skus(self) -> set[str]:
        return {line.sku.casefold() for line in self.goods_lines}

    @property
    def email_domain(self) -> str:
        email = self.order.customer_email or ""
        return email.rsplit("@", 1)[1].lower() if "@" in email else ""

    def open_hold(self, kind: str, rule_id: int | None) -> bool:
        return any(h.kind == kind and h.rule_id == rule_id and h.released_at is None for h in self._holds())

    def released_hold(self, kind: str, rule_id: int | None) -> bool:
        """A person (or the date task) released such a hold before: do not put it back."""
        return any(h.kind == kind and h.rule_id == rule_id and h.released_at is not None for h in self._holds())


def first_order_pks(customers: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The pk of the first order of each (client id, email) customer that has one; emails compare lower-case."""
    customers = {(client_id, email.lower()) for client_id, email in customers if email}
    if not customers:
        return {}
    rows = (
        Order.objects.filter(client_id__in={c for c, _ in customers}, parent__isnull=True)
        .annotate(email_l=Lower("customer_email"))
        .filter(email_l__in={e for _, e in customers})
        .values("client_id", "email_l")
        .annotate(first_pk=Min("pk"))
    )
    return {(r["client_id"], r["email_l"]): r["first_pk"] for r in rows}


def first_order_ids(orders: Iterable[Order]) -> set[int]:
    """Return the ids, among `orders`, that are the first order of their customer (client and email)."""
    orders = list(orders)
    firsts = first_order_pks((o.client_id, o.customer_email) for o in orders)
    return {o.pk for o in orders if o.customer_email
            and firsts.get((o.client_id, o.customer_email.lower())) in (o.pk, o.parent_id)}


def facts_for_orders(orders: Iterable[Order]) -> list[OrderFacts]:
    """Build facts for orders loaded with orders_for_rules (one extra query for first orders)."""
    orders = list(orders)
    firsts = first_order_ids(orders)
    return [OrderFacts(order=o, lines=list(o.lines.all()), first_order=o.pk in firsts) for o in orders]
