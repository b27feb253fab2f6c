"""The manager's KPIs over a period, per warehouse and client, read only through the apps' selectors.

What the data supports now: orders received and shipped per day (the order timeline's SHIPPED events),
backlog by status and age, cycle time received → shipped (median, 90th percentile) and on-time shipping
against the ship cut-off, and pick errors per 1,000 lines (mis-picks caught at packing). Wrong-item
returns, return rate and survey rating need returns (issue 7): they read "no data yet" until it lands.
"""

from __future__ import annotations

import datetime
import statistics
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate

from orders.choices import OPEN_STATUSES, OrderStatus
from orders.selectors import order_list

AGE_BUCKETS = [("< 1 day", 0, 24), ("1–2 days", 24, 48), ("2–5 days", 48, 120), ("> 5 days", 120, None)]


def ship_cutoff_hour() -> int:
    # Carriers' own cut-offs arrive with shipping (issue 6); until then one cut-off for every warehouse.
    return getattr(settings, "DOCKHAND_SHIP_CUTOFF_HOUR", 14)


@dataclass(frozen=True)
class KpiFilters:
    date_from: datetime.date
    date_to: datetime.date
    warehouse_id: int | None = None
    client_id: int | None = None

    @property
    def start_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.date_from, datetime.time.min, tzinfo=datetime.UTC)

    @property
    def end_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.date_to + datetime.timedelta(days=1), datetime.time.min,
                                         tzinfo=datetime.UTC)

    @property
    def days(self) -> list[datetime.date]:
        n = (self.date_to - self.date_from).days + 1
        return [self.date_from + datetime.timedelta(days=i) for i in range(n)]


@dataclass
class Kpis:
    filters: KpiFilters
    received_per_day: list[tuple[datetime.date, int]]
    shipped_per_day: list[tuple[datetime.date, int]]
    backlog: list[dict]  # status, label, buckets: list[int], total
    cycle_hours_median: float | None
    cycle_hours_p90: float | None
    cycle_hours: list[float]
    on_time_rate: float | None
    shipped_count: int
    received_count: int
    unavailable: dict[str, str] = field(default_factory=dict)
    pick_accuracy: float | None = None
    return_rate: float | None = None
    survey_rating: float | None = None
    mispicks: int = 0
    lines_shipped: int = 0

    def as_dict(self) -> dict:
        return {
            "date_from": self.filters.date_from.isoformat(), "date_to": self.filters.date_to.isoformat(),
            "warehouse": self.filters.warehouse_id, "client": self.filters.client_id,
            "orders_received": self.received_count, "orders_shipped": self.shipped_count,
            "received_per_day": [{"date": d.isoformat(), "orders": n} for d, n in self.received_per_day],
            "shipped_per_day": [{"date": d.isoformat(), "orders": n} for d, n in self.shipped_per_day],
            "backlog": [{"status": b["status"], "total": b["total"],
                         "by_age": dict(zip([a[0] for a in AGE_BUCKETS], b["buckets"], strict=True))}
                        for b in self.backlog],
            "cycle_time_hours": {"median": _round(self.cycle_hours_median), "p90": _round(self.cycle_hours_p90)},
            "on_time_rate": _round(self.on_time_rate, 4), "ship_cutoff_hour": ship_cutoff_hour(),
            "pick_errors_per_1000_lines": _round(self.pick_accuracy), "mispicks_caught": self.mispicks,
            "lines_shipped": self.lines_shipped, "return_rate": _round(self.return_rate, 4),
            "survey_rating": _round(self.survey_rating), "no_data_yet": self.unavailable,
        }


def _round(value, digits: int = 1):
    return None if value is None else round(value, digits)


def percentile(values: list[float], p: float) -> float | None:
    """Return the p-th percentile (0–100) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ship_deadline(received_at: datetime.datetime, tz_name: str) -> datetime.datetime:
    """When an order received at `received_at` must ship to be on time: that day's cut-off in the
    warehouse's time zone, or the next day's when it came in after the cut-off."""
    try:
        tz = zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = datetime.UTC
    local = received_at.astimezone(tz)
    cutoff = local.replace(hour=ship_cutoff_hour(), minute=0, second=0, microsecond=0)
    if local >= cutoff:
        cutoff += datetime.timedelta(days=1)
    return cutoff


def _scoped_orders(user, filters: KpiFilters):
    orders = order_list(user=user)
    if filters.warehouse_id is not None:
        orders = orders.filter(warehouse_id=filters.warehouse_id)
    if filters.client_id is not None:
        orders = orders.filter(client_id=filters.client_id)
    return orders


def kpis_compute(*, user, filters: KpiFilters, now: datetime.datetime | None = None) -> Kpis:
    """Compute the dashboard's KPIs for the period and scope (orders the user may see)."""
    now = now or datetime.datetime.now(tz=datetime.UTC)
    orders = _scoped_orders(user, filters)
    received = dict(
        orders.filter(received_at__gte=filters.start_at, received_at__lt=filters.end_at)
        .annotate(day=TruncDate("received_at", tzinfo=datetime.UTC)).values("day")
        .annotate(n=Count("pk")).order_by().values_list("day", "n")
    )
    shipped_rows = list(
        orders.annotate(shipped_at=Min("events__created_at", filter=Q(events__to_status=OrderStatus.SHIPPED)))
        .filter(shipped_at__gte=filters.start_at, shipped_at__lt=filters.end_at)
        .values_list("received_at", "shipped_at", "warehouse__timezone")
    )
    shipped: dict[datetime.date, int] = {}
    cycle_hours, on_time = [], 0
    for received_at, shipped_at, tz_name in shipped_rows:
        day = shipped_at.astimezone(datetime.UTC).date()
        shipped[day] = shipped.get(day, 0) + 1
        cycle_hours.append((shipped_at - received_at).total_seconds() / 3600)
        on_time += shipped_at <= ship_deadline(received_at, tz_name)
    backlog_aggregates = {}
    for i, (_label, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(received_at__lte=now - datetime.timedelta(hours=low))
        if high is not None:
            condition &= Q(received_at__gt=now - datetime.timedelta(hours=high))
        backlog_aggregates[f"b{i}"] = Count("pk", filter=condition)
    backlog_rows = {row["status"]: row for row in orders.filter(status__in=OPEN_STATUSES).values("status")
                    .annotate(**backlog_aggregates).order_by()}
    backlog = []
    for status, label in OrderStatus.choices:
        if status not in OPEN_STATUSES:
            continue
        row = backlog_rows.get(status, {})
        buckets = [row.get(f"b{i}", 0) for i in range(len(AGE_BUCKETS))]
        backlog.append({"status": status, "label": label, "buckets": buckets, "total": sum(buckets)})
    kpis = Kpis(
        filters=filters,
        received_per_day=[(d, received.get(d, 0)) for d in filters.days],
        shipped_per_day=[(d, shipped.get(d, 0)) for d in filters.days],
        backlog=backlog,
        cycle_hours_median=statistics.median(cycle_hours) if cycle_hours else None,
        cycle_hours_p90=percentile(cycle_hours, 90),
        cycle_hours=cycle_hours,
        on_time_rate=(on_time / len(shipped_rows)) if shipped_rows else None,
        shipped_count=len(shipped_rows),
        received_count=sum(received.values()),
    )
    _add_quality_kpis(kpis, user=user, filters=filters)
    return kpis


def _add_quality_kpis(kpis: Kpis, *, user, filters: KpiFilters) -> None:
    """Pick accuracy from packing's caught mis-picks; return rate and survey rating once returns exist."""
    from shipping.selectors import mispick_list

    kpis.unavailable = {
        "return_rate": "No data yet: returns arrive with issue 7.",
        "survey_rating": "No data yet: post-delivery surveys arrive with issue 7.",
    }
    lines = (_scoped_orders(user, filters)
             .annotate(shipped_at=Min("events__created_at", filter=Q(events__to_status=OrderStatus.SHIPPED)))
             .filter(shipped_at__gte=filters.start_at, shipped_at__lt=filters.end_at)
             .aggregate(n=Count("lines", distinct=True))["n"] or 0)
    mispicks = mispick_list(user=user).filter(created_at__gte=filters.start_at, created_at__lt=filters.end_at)
    if filters.warehouse_id is not None:
        mispicks = mispicks.filter(shipment__warehouse_id=filters.warehouse_id)
    if filters.client_id is not None:
        mispicks = mispicks.filter(shipment__order__client_id=filters.client_id)
    caught = mispicks.count()
    kpis.mispicks = caught
    kpis.lines_shipped = lines
    if lines:
        kpis.pick_accuracy = caught * 1000 / lines
    else:
        kpis.unavailable["pick_accuracy"] = "No order lines shipped in this period."
    kpis.unavailable["wrong_item_returns"] = ("Wrong-item returns are not counted yet (returns arrive with "
                                              "issue 7); pick errors are the mis-picks caught at packing.")
