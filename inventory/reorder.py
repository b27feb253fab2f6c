"""Reorder points and quantities: the manager's settings and the suggestion from sales velocity.

The suggestion is the textbook reorder point for variable demand and a fixed lead time:

    reorder point = d × L + z × σ × √L
    reorder quantity = d × DEFAULT_ORDER_COVER_DAYS

where d is the mean units shipped per day from the warehouse over the last SUGGESTION_WINDOW_DAYS days
(from the ledger's SHIP rows, days without sales counted as 0), σ the standard deviation of those daily
sums, L the supplier's lead time in days and z the standard-normal quantile of the chosen service level
(0.95 → 1.645). d × L covers the expected demand while the goods are on their way; z × σ × √L is the safety
stock that covers a worse-than-average lead time with the chosen probability. Why this formula: the ledger
gives us the demand and its spread, the merchant knows its lead time, and the service level is a
business choice a manager can reason about. We do not know lead-time variation, nor ordering and
holding costs, so neither the fuller σ formula nor EOQ is used; the order quantity simply buys a month
of cover.
"""

from __future__ import annotations

import datetime
import math
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from inventory.choices import MovementKind
from inventory.exceptions import StockLedgerError
from inventory.figures.refresh import (
    DEFAULT_LEAD_TIME_DAYS,
    DEFAULT_ORDER_COVER_DAYS,
    stock_summary_mark_pairs,
)
from inventory.models import Product, ReorderSetting, StockMovement
from warehouses.models import Warehouse

SUGGESTION_WINDOW_DAYS = 90
DEFAULT_SERVICE_LEVEL = Decimal("0.950")


@dataclass(frozen=True)
class ReorderSuggestion:
    daily_mean: float
    daily_stddev: float
    lead_time_days: int
    service_level: Decimal
    z: float
    safety_stock: int
    reorder_point: int
    reorder_quantity: int

    @property
    def explanation(self) -> str:
        return (f"{self.daily_mean:.2f}/day × {self.lead_time_days} days + z {self.z:.2f} × σ "
                f"{self.daily_stddev:.2f} × √{self.lead_time_days} = {self.reorder_point}")


def daily_shipped(*, product: Product, warehouse: Warehouse, days: int = SUGGESTION_WINDOW_DAYS,
                  now: datetime.datetime | None = None) -> list[int]:
    """Return units shipped from the warehouse on each of the last `days` days (oldest first, zeros kept)."""
    now = now or timezone.now()
    today = now.date()
    start = today - datetime.timedelta(days=days - 1)
    start_at = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    rows = (
        StockMovement.objects.filter(product=product, kind=MovementKind.SHIP, from_location__warehouse=warehouse,
                                     created_at__gte=start_at, created_at__lte=now)
        .annotate(day=TruncDate("created_at", tzinfo=datetime.UTC))
        .values("day").annotate(units=Sum("quantity")).order_by()
    )
    by_day = {row["day"]: row["units"] for row in rows}
    return [by_day.get(start + datetime.timedelta(days=i), 0) for i in range(days)]


def reorder_suggest(*, product: Product, warehouse: Warehouse, lead_time_days: int | None = None,
                    service_level: Decimal | None = None, now: datetime.datetime | None = None) -> ReorderSuggestion:
    """Suggest a reorder point and quantity from the last 90 days of shipments (formula in the module doc).

    Raises StockLedgerError for a lead time below one day or a service level outside 0.5–0.999.
    """
    setting = ReorderSetting.objects.filter(product=product, warehouse=warehouse).first()
    lead = lead_time_days or (setting.lead_time_days if setting else DEFAULT_LEAD_TIME_DAYS)
    level = Decimal(service_level if service_level is not None
                    else (setting.service_level if setting else DEFAULT_SERVICE_LEVEL))
    if lead < 1:
        raise StockLedgerError("Lead time must be at least one day.", field="lead_time_days")
    if not Decimal("0.5") <= level <= Decimal("0.999"):
        raise StockLedgerError("Service level must be between 0.5 and 0.999.", field="service_level")
    series = daily_shipped(product=product, warehouse=warehouse, now=now)
    mean = statistics.fmean(series)
    stddev = statistics.pstdev(series)
    z = statistics.NormalDist().inv_cdf(float(level))
    safety = math.ceil(z * stddev * math.sqrt(lead)) if stddev else 0
    reorder_point = math.ceil(mean * lead) + safety
    reorder_quantity = math.ceil(mean * DEFAULT_ORDER_COVER_DAYS)
    return ReorderSuggestion(daily_mean=mean, daily_stddev=stddev, lead_time_days=lead, service_level=level, z=z,
                             safety_stock=safety, reorder_point=reorder_point,
                             reorder_quantity=max(reorder_quantity, 1 if mean else 0))


@transaction.atomic
def reorder_setting_save(*, product: Product, warehouse: Warehouse, reorder_point: int, reorder_quantity: int,
                         lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
                         service_level: Decimal = DEFAULT_SERVICE_LEVEL, user=None,
                         is_suggested: bool = False) -> ReorderSetting:
    """Set the reorder point and quantity of a product in a warehouse. Raises StockLedgerError on bad values."""
    if reorder_point < 0 or reorder_quantity < 0:
        raise StockLedgerError("Reorder point and quantity must not be negative.", field="reorder_point")
    if lead_time_days < 1:
        raise StockLedgerError("Lead time must be at least one day.", field="lead_time_days")
    if not Decimal("0.5") <= Decimal(service_level) <= Decimal("0.999"):
        raise StockLedgerError("Service level must be between 0.5 and 0.999.", field="service_level")
    setting, _ = ReorderSetting.objects.update_or_create(
        product=product, warehouse=warehouse,
        defaults={"reorder_point": reorder_point, "reorder_quantity": reorder_quantity,
                  "lead_time_days": lead_time_days, "service_level": service_level, "is_suggested": is_suggested,
                  "updated_by": user if getattr(user, "is_authenticated", False) else None},
    )
    stock_summary_mark_pairs([(product.pk, warehouse.pk)])
    return setting


def reorder_setting_apply_suggestion(*, product: Product, warehouse: Warehouse, user=None,
                                     lead_time_days: int | None = None,
                                     service_level: Decimal | None = None) -> ReorderSetting:
    """Compute the suggestion and save it as the product's setting for the warehouse."""
    suggestion = reorder_suggest(product=product, warehouse=warehouse, lead_time_days=lead_time_days,
                                 service_level=service_level)
    return reorder_setting_save(product=product, warehouse=warehouse, reorder_point=suggestion.reorder_point,
                                reorder_quantity=suggestion.reorder_quantity,
                                lead_time_days=suggestion.lead_time_days, service_level=suggestion.service_level,
                                user=user, is_suggested=True)
