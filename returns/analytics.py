"""The managers' “learning from returns” figures: return rates by SKU and client, reasons over time, and
the trace of warehouse mistakes to the step that made them. Reads only, scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from orders.choices import OrderStatus
from orders.models import OrderLine
from orders.selectors import order_list
from returns.choices import PICK_PACK_REASONS, TRANSPORT_REASONS, ReturnReason, ReturnStatus, SurveyProblem
from returns.models import FeedbackSurvey, ReturnLine
from returns.selectors import return_list
from returns.trace import order_traces

SHIPPED_STATUSES = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
TRACED_PROBLEMS = {SurveyProblem.WRONG_ITEM, SurveyProblem.MISSING_ITEM, SurveyProblem.DAMAGED}


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Scope:
    date_from: datetime.date
    date_to: datetime.date
    period: str = "month"
    client_id: int | None = None
    warehouse_id: int | None = None

    def narrow(self, qs, prefix: str = ""):
        """Keep the rows of the chosen client and warehouse; `prefix` is the path to them ("order__")."""
        if self.client_id:
            qs = qs.filter(**{f"{prefix}client_id": self.client_id})
        if self.warehouse_id:
            qs = qs.filter(**{f"{prefix}warehouse_id": self.warehouse_id})
        return qs


def _orders(user, scope: Scope):
    return scope.narrow(order_list(user=user).filter(
        status__in=SHIPPED_STATUSES, received_at__date__gte=scope.date_from, received_at__date__lte=scope.date_to
    ))


def _return_lines(user, scope: Scope):
    returns = scope.narrow(return_list(user=user).exclude(status=ReturnStatus.REJECTED))
    return ReturnLine.objects.filter(rma__in=returns)


def return_rate_by_sku(*, user, scope: Scope, limit: int = 25) -> list[dict]:
    """Units returned per units shipped, per SKU, for orders received in the period (highest rate first)."""
    orders = _orders(user, scope)
    shipped = {
        row["product_id"]: row
        for row in OrderLine.objects.filter(order__in=orders, product__isnull=False)
        .values("product_id", "product__sku", "product__name", "order__client__name")
        .annotate(units=Sum("quantity"))
    }
    returned = dict(
        _return_lines(user, scope).filter(rma__order__in=orders).values("product_id")
        .annotate(units=Sum("quantity")).values_list("product_id", "units")
    )
    rows = []
    for product_id, row in shipped.items():
        units_returned = returned.get(product_id, 0)
        if not units_returned:
            continue
        rows.append({"sku": row["product__sku"], "name": row["product__name"], "client": row["order__client__name"],
                     "shipped": row["units"], "returned": units_returned, "rate": _rate(units_returned, row["units"])})
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["returned"], r["sku"]))
    return rows[:limit]


def return_rate_by_client(*, user, scope: Scope) -> list[dict]:
    """Per client: orders shipped in the period, how many had a return, and units returned per shipped."""
    orders = _orders(user, scope)
    shipped = {
        row["client_id"]: row for row in orders.order_by().values("client_id", "client__name")
        .annotate(orders=Count("pk", distinct=True), units=Sum("lines__quantity"))
    }
    returned = {
        row["rma__client_id"]: row
        for row in _return_lines(user, scope).filter(rma__order__in=orders).values("rma__client_id")
        .annotate(orders=Count("rma__order_id", distinct=True), units=Sum("quantity"))
    }
    rows = []
    for client_id, row in sorted(shipped.items(), key=lambda kv: kv[1]["client__name"]):
        back = returned.get(client_id, {"orders": 0, "units": 0})
        rows.append({"client": row["client__name"], "orders": row["orders"], "orders_returned": back["orders"],
                     "order_rate": _rate(back["orders"], row["orders"]), "units": row["units"] or 0,
                     "units_returned": back["units"] or 0, "unit_rate": _rate(back["units"] or 0, row["units"] or 0)})
    return rows


def reasons_over_time(*, user, scope: Scope) -> dict:
    """Units returned per reason per week or month (by when the return was opened)."""
    trunc = TruncWeek if scope.period == "week" else TruncMonth
    lines = _return_lines(user, scope).filter(
        rma__created_at__date__gte=scope.date_from, rma__created_at__date__lte=scope.date_to
    )
    counts = (
        lines.annotate(period=trunc("rma__created_at")).values("period", "reason").annotate(units=Sum("quantity"))
        .order_by("period", "reason")
    )
    table: dict[datetime.date, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for row in counts:
        period = row["period"].date() if hasattr(row["period"], "date") else row["period"]
        table.setdefault(period, {})[row["reason"]] = row["units"]
        totals[row["reason"]] = totals.get(row["reason"], 0) + row["units"]
    reasons = [(value, label) for value, label in ReturnReason.choices if value in totals]
    rows = [{"period": period, "cells": [cells.get(value, 0) for value, _ in reasons],
             "total": sum(cells.values())} for period, cells in sorted(table.items())]
    return {"reasons": reasons, "rows": rows, "totals": [totals[value] for value, _ in reasons],
            "grand_total": sum(totals.values()), "max_total": max(totals.values(), default=0)}


def mistake_traces(*, user, scope: Scope, limit: int = 200) -> list[dict]:
    """Wrong-item, missing-item and damaged returns and survey answers, each with the pick list, picker,
    pack station and packer (and for damage the box type and carrier) of the order."""
    items = []
    lines = (
        _return_lines(user, scope)
        .filter(reason__in=sorted(PICK_PACK_REASONS | TRANSPORT_REASONS),
                rma__created_at__date__gte=scope.date_from, rma__created_at__date__lte=scope.date_to)
        .select_related("rma", "rma__order", "rma__client", "product")
        .order_by("-rma__created_at", "pk")[:limit]
    )
    for line in lines:
        items.append({"when": line.rma.created_at, "source": f"Return {line.rma.number}", "rma_id": line.rma_id,
                      "order": line.rma.order, "client": line.rma.client.name, "problem": line.get_reason_display(),
                      "kind": line.reason, "detail": f"{line.quantity} × {line.product.sku}"})
    surveys = scope.narrow(FeedbackSurvey.objects.filter(
        order__in=order_list(user=user), answered_at__date__gte=scope.date_from, answered_at__date__lte=scope.date_to
    ).exclude(problems=[]).select_related("order", "order__client").order_by("-answered_at"), prefix="order__")
    for survey in surveys[:limit]:
        problems = [p for p in survey.problems if p in TRACED_PROBLEMS]
        for problem in problems:
            items.append({"when": survey.answered_at, "source": "Survey", "rma_id": None, "order": survey.order,
                          "client": survey.order.client.name, "problem": SurveyProblem(problem).label,
                          "kind": problem, "detail": survey.comment[:120]})
    traces = order_traces(item["order"].pk for item in items)
    for item in items:
        trace = traces[item["order"].pk].as_row()
        if item["kind"] not in TRANSPORT_REASONS:
            trace["box_types"] = trace["carriers"] = ""
        item["trace"] = trace
    items.sort(key=lambda i: i["when"], reverse=True)
    return items[:limit]
