"""The StockSummary table as SQL sees it: its figure columns, and the helpers the refresh and the reads
share."""

from __future__ import annotations

import datetime

from django.db import connection

SUMMARY_COLUMNS = ["on_hand", "allocated", "available", "inbound", "sold_30", "sold_90", "first_at",
                   "reorder_point", "reorder_quantity", "has_setting", "days_of_cover", "status"]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _in(column: str, values) -> tuple[str, list]:
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _where(clauses: list[str]) -> str:
    return " AND " + " AND ".join(clauses) if clauses else ""


def _run(sql: str, params: list) -> tuple[list[str], list]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.description is None:
            return [], []
        return [col[0] for col in cursor.description], cursor.fetchall()
