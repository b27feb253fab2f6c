"""The manager's KPIs over a period, per warehouse and client, read only through the apps' selectors.

Flow and speed: orders received and shipped per day (the order timeline's SHIPPED events), backlog by status
and age, cycle time received → shipped (median, 90th percentile) and on-time shipping against the ship
cut-off.

Quality, over the same period and scope (a return or survey counts for the warehouse that shipped the order
and the order's client; tenancy follows the orders the user may see):

- pick accuracy, two figures per 1,000 order lines shipped in the period: mis-picks caught at packing
  (shipping's refused pack scans) and wrong-item returns (return lines with the reason "Wrong item sent" on
  returns opened in the period; missing-item returns are not counted here);
- return rate: returns opened in the period (rejected requests left out) ÷ orders shipped in the period.
  A flow ratio, not a cohort: a return counts on the day it is opened, whenever its order shipped. The
  returns analytics page (returns/analytics.py) instead follows the orders received in its period;
- survey rating: the average 1–5 rating of the post-delivery surveys answered in the period, with the number
  of answers, and per 7-day week from the first day of the period for the trend chart.

A figure that cannot be computed (nothing shipped, no answers) is None, with the reason in `unavailable`.
"""

from __future__ import annotations

import datetime
import statistics
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate

from orders.choices import OPEN_STATUSES, OrderStatus
from orders.selectors import order_list
from returns.choices import ReturnReason
from returns.selectors import return_list_opened, survey_list_answered
from shipping.selectors import mispick_list

AGE_BUCKETS = [("< 1 day", 0, 24), ("1–2 days", 24, 48), ("2–5 days", 48, 120), ("> 5 days", 120, None)]


def ship_cutoff_hour() -> int:
    # One cut-off hour for every warehouse and carrier, in each warehouse's own time zone (ship_deadline).
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
    pick_accuracy: float | None = None  # mis-picks caught at packing per 1,000 lines shipped
    return_rate: float | None = None  # a fraction, like on_time_rate
    survey_rating: float | None = None
    mispicks: int = 0
    lines_shipped: int = 0
    wrong_item_returns: int = 0  # return lines
    wrong_item_rate: float | None = None  # per 1,000 lines shipped
    returns_opened: int = 0
    returns_per_day: list[tuple[datetime.date, int, int]] = field(default_factory=list)  # day, returns, wrong item
    survey_responses: int = 0
    survey_per_week: list[dict] = field(default_factory=list)  # date_from, date_to, responses, rating

    @property
    def return_rate_percent(self) -> float | None:
        return None if self.return_rate is None else self.return_rate * 100

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
            "lines_shipped": self.lines_shipped,
            "wrong_item_returns_per_1000_lines": _round(self.wrong_item_rate),
            "wrong_item_returns": self.wrong_item_returns,
            "returns_opened": self.returns_opened, "return_rate": _round(self.return_rate, 4),
            "returns_per_day": [{"date": d.isoformat(), "returns": n, "with_wrong_item": wrong}
                                for d, n, wrong in self.returns_per_day],
            "survey_rating": _round(self.survey_rating, 2), "survey_responses": self.survey_responses,
            "survey_rating_per_week": [
                {"date_from": w["date_from"].isoformat(), "date_to": w["date_to"].isoformat(),
                 "responses": w["responses"], "rating": _round(w["rating"], 2)} for w in self.survey_per_week],
            "no_data_yet": self.unavailable,
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
    # One query for every figure of the orders shipped in the period, their lines included.
    shipped_rows = list(
        orders.annotate(shipped_at=Min("events__created_at", filter=Q(events__to_status=OrderStatus.SHIPPED)),
                        line_count=Count("lines", distinct=True))
        .filter(shipped_at__gte=filters.start_at, shipped_at__lt=filters.end_at)
        .values_list("received_at", "shipped_at", "warehouse__timezone", "line_count")
    )
    shipped: dict[datetime.date, int] = {}
    cycle_hours, on_time = [], 0
    for received_at, shipped_at, tz_name, _lines in shipped_rows:
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
        lines_shipped=sum(row[3] for row in shipped_rows),
    )
    _add_quality_kpis(kpis, user=user, filters=filters)
    return kpis


def _add_quality_kpis(kpis: Kpis, *, user, filters: KpiFilters) -> None:
    """Pick accuracy (caught mis-picks, wrong-item returns), return rate and survey rating of the period."""
    lines = kpis.lines_shipped
    mispicks = mispick_list(user=user).filter(created_at__gte=filters.start_at, created_at__lt=filters.end_at)
    if filters.warehouse_id is not None:
        mispicks = mispicks.filter(shipment__warehouse_id=filters.warehouse_id)
    if filters.client_id is not None:
        mispicks = mispicks.filter(shipment__order__client_id=filters.client_id)
    kpis.mispicks = mispicks.count()

    scope = {"user": user, "start_at": filters.start_at, "end_at": filters.end_at,
             "warehouse_id": filters.warehouse_id, "client_id": filters.client_id}
    wrong = Q(lines__reason=ReturnReason.WRONG_ITEM)
    returns_by_day = {
        row["day"]: row for row in return_list_opened(**scope)
        .annotate(day=TruncDate("created_at", tzinfo=datetime.UTC)).values("day")
        .annotate(returns=Count("pk", distinct=True), with_wrong=Count("pk", distinct=True, filter=wrong),
                  wrong_lines=Count("lines", distinct=True, filter=wrong))
    }
    kpis.returns_per_day = [(d, returns_by_day[d]["returns"], returns_by_day[d]["with_wrong"])
                            if d in returns_by_day else (d, 0, 0) for d in filters.days]
    kpis.returns_opened = sum(row["returns"] for row in returns_by_day.values())
    kpis.wrong_item_returns = sum(row["wrong_lines"] for row in returns_by_day.values())

    if lines:
        kpis.pick_accuracy = kpis.mispicks * 1000 / lines
        kpis.wrong_item_rate = kpis.wrong_item_returns * 1000 / lines
    else:
        kpis.unavailable["pick_accuracy"] = "No order lines shipped in this period."
        kpis.unavailable["wrong_item_returns"] = "No order lines shipped in this period."
    if kpis.shipped_count:
        kpis.return_rate = kpis.returns_opened / kpis.shipped_count
    else:
        kpis.unavailable["return_rate"] = "No orders shipped in this period" + (
            f" ({kpis.returns_opened} returns opened)." if kpis.returns_opened else ".")

    answers_by_day = {
        row["day"]: (row["n"], row["total"]) for row in survey_list_answered(**scope)
        .annotate(day=TruncDate("answered_at", tzinfo=datetime.UTC)).values("day")
        .annotate(n=Count("pk"), total=Sum("rating"))
    }
    responses = sum(n for n, _total in answers_by_day.values())
    kpis.survey_responses = responses
    if responses:
        kpis.survey_rating = sum(total for _n, total in answers_by_day.values()) / responses
    else:
        kpis.unavailable["survey_rating"] = "No survey answers in this period."
    for start in filters.days[::7]:
        end = min(start + datetime.timedelta(days=6), filters.date_to)
        days = [d for d in answers_by_day if start <= d <= end]
        n = sum(answers_by_day[d][0] for d in days)
        kpis.survey_per_week.append({"date_from": start, "date_to": end, "responses": n,
                                     "rating": sum(answers_by_day[d][1] for d in days) / n if n else None})
