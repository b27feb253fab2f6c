"""Rebalancing suggestions: move stock towards the warehouse whose region orders a SKU most.

An order's region is the warehouse nearest (great-circle) to its ship-to ZIP code. For every SKU ordered
in the last DEMAND_DAYS days, each warehouse's fair share of the SKU's available units is its share of
that demand; a warehouse holding more than its share by at least MIN_UNITS gives the surplus to the
warehouses short of theirs, biggest shortfall first.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from inventory.selectors import stock_level_list
from orders.choices import OrderStatus
from orders.selectors import order_list
from warehouses.choices import LocationKind
from warehouses.geo import great_circle_km, us_zip_coordinates
from warehouses.selectors import warehouse_list

DEMAND_DAYS = 90
MIN_UNITS = 2


@dataclass(frozen=True)
class RebalanceSuggestion:
    product_id: int
    sku: str
    from_warehouse: str
    to_warehouse: str
    quantity: int
    demand_share: float  # of the destination region
    stock_share: float  # the destination holds now


def rebalance_suggestions(*, user, limit: int = 50, now: datetime.datetime | None = None) -> list[RebalanceSuggestion]:
    """Return the biggest stock moves that would bring each SKU's stock in line with where it is ordered."""
    since = (now or timezone.now()) - datetime.timedelta(days=DEMAND_DAYS)
    warehouses = list(warehouse_list(user=user).filter(is_active=True))
    if len(warehouses) < 2:
        return []
    nearest_cache: dict[str, int | None] = {}

    def region_of(postal_code: str) -> int | None:
        if postal_code not in nearest_cache:
            point = us_zip_coordinates(postal_code)
            nearest_cache[postal_code] = None if point is None else min(
                warehouses, key=lambda w: great_circle_km(point[0], point[1], w.latitude, w.longitude)).pk
        return nearest_cache[postal_code]

    demand: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lines = (order_list(user=user).filter(received_at__gte=since, lines__product__isnull=False)
             .exclude(status=OrderStatus.CANCELLED)
             .values("lines__product_id", "ship_postal_code").annotate(units=Sum("lines__quantity")).order_by())
    for row in lines:
        region = region_of(row["ship_postal_code"] or "")
        if region is not None:
            demand[row["lines__product_id"]][region] += row["units"]
    if not demand:
        return []
    stock: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    skus: dict[int, str] = {}
    levels = (stock_level_list(user=user).filter(product_id__in=list(demand),
                                                 location__kind__in=[LocationKind.PICK, LocationKind.RESERVE])
              .values("product_id", "product__sku", "location__warehouse_id")
              .annotate(on_hand=Sum("on_hand"), allocated=Sum("allocated")).order_by())
    for row in levels:
        stock[row["product_id"]][row["location__warehouse_id"]] += row["on_hand"] - row["allocated"]
        skus[row["product_id"]] = row["product__sku"]
    codes = {w.pk: w.code for w in warehouses}
    suggestions = []
    for product_id, by_region in demand.items():
        total_stock = sum(max(v, 0) for v in stock[product_id].values())
        total_demand = sum(by_region.values())
        if total_stock < MIN_UNITS or not total_demand:
            continue
        target = {w: total_stock * by_region.get(w, 0) / total_demand for w in codes}
        surplus = {w: stock[product_id].get(w, 0) - target[w] for w in codes}
        givers = sorted((w for w in codes if surplus[w] >= MIN_UNITS), key=lambda w: -surplus[w])
        takers = sorted((w for w in codes if -surplus[w] >= MIN_UNITS), key=lambda w: surplus[w])
        for taker in takers:
            need = int(-surplus[taker])
            for giver in givers:
                give = min(need, int(surplus[giver]))
                if give < MIN_UNITS:
                    continue
                surplus[giver] -= give
                need -= give
                suggestions.append(RebalanceSuggestion(
                    product_id=product_id, sku=skus.get(product_id, str(product_id)), from_warehouse=codes[giver],
                    to_warehouse=codes[taker], quantity=give, demand_share=by_region.get(taker, 0) / total_demand,
                    stock_share=max(stock[product_id].get(taker, 0), 0) / total_stock))
                if need < MIN_UNITS:
                    break
    suggestions.sort(key=lambda s: (-s.quantity, s.sku))
    return suggestions[:limit]
