"""Reading figures: filters, sort keys and pages of StockSummary rows, through its indexes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from inventory.choices import StockStatus
from inventory.figures.refresh import (
    REFRESH_BATCH,
    VELOCITY_DAYS,
    stock_summary_pending_count,
    stock_summary_refresh_pending,
)
from inventory.figures.table import SUMMARY_COLUMNS, _in, _run, _table
from inventory.models import Client, Product, StockSummary
from warehouses.models import Warehouse

STATUS_SEVERITY = [StockStatus.STOCKOUT, StockStatus.UNDER, StockStatus.OVER, StockStatus.DEAD,
                   StockStatus.HEALTHY]

# Sort keys the page and the API accept; each maps to an SQL expression of the read query.
ORDERINGS: dict[str, str] = {
    "sku": "p.sku",
    "warehouse": "w.code",
    "client": "c.name",
    "on_hand": "s.on_hand",
    "allocated": "s.allocated",
    "available": "s.available",
    "inbound": "s.inbound",
    "velocity": "s.sold_30",
    "days_of_cover": "s.days_of_cover",
    "reorder_point": "s.reorder_point",
    "status": "CASE s.status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUS_SEVERITY))
              + " END",
    "value": "s.on_hand * p.unit_value",
}


@dataclass(frozen=True)
class StockFigureFilters:
    client_id: int | None = None
    warehouse_id: int | None = None
    warehouse_code: str = ""
    status: str = ""
    search: str = ""
    sku: str = ""
    product_id: int | None = None
    ordering: str = "sku"  # a key of ORDERINGS, '-' in front for descending


@dataclass
class StockFigure:
    product_id: int
    warehouse_id: int
    sku: str
    product_name: str
    client_id: int
    client_name: str
    warehouse_code: str
    unit_value: Decimal
    on_hand: int
    allocated: int
    available: int
    inbound: int
    sold_30: int
    sold_90: int
    reorder_point: int
    reorder_quantity: int
    has_setting: bool
    days_of_cover: float | None
    status: str
    stock_value: Decimal = field(default=Decimal("0"))

    @property
    def velocity_per_day(self) -> float:
        return self.sold_30 / VELOCITY_DAYS

    @property
    def status_label(self) -> str:
        return StockStatus(self.status).label

    @property
    def suggested_order(self) -> int:
        """Units to order now: enough to get back above the reorder point, at least one reorder quantity."""
        if self.status not in (StockStatus.UNDER, StockStatus.STOCKOUT):
            return 0
        gap = self.reorder_point - (self.available + self.inbound)
        return max(self.reorder_quantity, gap, 1)


@dataclass
class StockFigurePage:
    rows: list[StockFigure]
    total: int
    pending_changes: int = 0  # queued stock changes not yet counted into the figures (capped)



def _read_clauses(*, access, filters: StockFigureFilters) -> tuple[list[str], list]:
    """WHERE clauses of the read query: what the user may see and what the filters ask for."""
    clauses: list[str] = []
    params: list = []
    if access.client_id is not None:
        clauses.append("p.client_id = %s")
        params.append(access.client_id)
    elif access.warehouse_ids is not None:
        clause, values = _in("s.warehouse_id", sorted(access.warehouse_ids) or [-1])
        clauses.append(clause)
        params += values
    equal_to = {"p.client_id": filters.client_id, "s.warehouse_id": filters.warehouse_id,
                "w.code": filters.warehouse_code or None, "s.product_id": filters.product_id,
                "p.sku": filters.sku or None, "s.status": filters.status or None}
    for column, value in equal_to.items():
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if filters.search:
        clauses.append("(LOWER(p.sku) LIKE %s OR LOWER(p.name) LIKE %s)")
        needle = "%" + filters.search.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        params += [needle, needle]
    return clauses, params


def _read_sql(*, access, filters: StockFigureFilters) -> tuple[str, str, list]:
    """The rows statement (ordered, no LIMIT) and the count statement, sharing one parameter list."""
    s, p, c, w = _table(StockSummary), _table(Product), _table(Client), _table(Warehouse)
    clauses, params = _read_clauses(access=access, filters=filters)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    joins = (f"FROM {s} s JOIN {p} p ON p.id = s.product_id JOIN {c} c ON c.id = p.client_id "
             f"JOIN {w} w ON w.id = s.warehouse_id")
    key = filters.ordering.lstrip("-")
    descending = filters.ordering.startswith("-")
    direction = "DESC" if descending else "ASC"
    order = f"{ORDERINGS.get(key, ORDERINGS['sku'])} {direction}"
    if key == "days_of_cover":
        # No sales means endless cover: last when ascending, first when descending.
        order += " NULLS FIRST" if descending else " NULLS LAST"
    rows_sql = (f"SELECT s.product_id, s.warehouse_id, p.sku, p.name AS product_name, p.client_id, "
                f"c.name AS client_name, w.code AS warehouse_code, p.unit_value, "
                f"{', '.join('s.' + col for col in SUMMARY_COLUMNS if col != 'first_at')}, "
                f"s.on_hand * p.unit_value AS stock_value "
                f"{joins}{where} ORDER BY {order}, p.sku ASC, w.code ASC")
    # The count joins only what its clauses name: over a million rows each join costs more than the page.
    count_joins = f"FROM {s} s"
    if "p." in where:
        count_joins += f" JOIN {p} p ON p.id = s.product_id"
    if "w." in where:
        count_joins += f" JOIN {w} w ON w.id = s.warehouse_id"
    count_sql = f"SELECT COUNT(*) {count_joins}{where}"
    return rows_sql, count_sql, params


def _row_to_figure(columns: list[str], row) -> StockFigure:
    data = dict(zip(columns, row, strict=True))
    cover = data["days_of_cover"]
    return StockFigure(
        product_id=data["product_id"], warehouse_id=data["warehouse_id"], sku=data["sku"],
        product_name=data["product_name"], client_id=data["client_id"], client_name=data["client_name"],
        warehouse_code=data["warehouse_code"], unit_value=Decimal(str(data["unit_value"])),
        on_hand=int(data["on_hand"]), allocated=int(data["allocated"]), available=int(data["available"]),
        inbound=int(data["inbound"]), sold_30=int(data["sold_30"]), sold_90=int(data["sold_90"]),
        reorder_point=int(data["reorder_point"]), reorder_quantity=int(data["reorder_quantity"]),
        has_setting=bool(data["has_setting"]), days_of_cover=float(cover) if cover is not None else None,
        status=data["status"], stock_value=Decimal(str(data["stock_value"])).quantize(Decimal("0.01")),
    )


def stock_figures_page(*, access, filters: StockFigureFilters, limit: int, offset: int) -> StockFigurePage:
    """Return one page of figures, the total row count and the changes still queued: five queries at most.

    Refreshes queued changes first (up to REFRESH_BATCH), so the reader sees every committed stock
    change; then reads StockSummary through its indexes.
    """
    taken = stock_summary_refresh_pending(limit=REFRESH_BATCH)
    rows_sql, count_sql, params = _read_sql(access=access, filters=filters)
    columns, rows = _run(f"{rows_sql} LIMIT %s OFFSET %s", [*params, limit, offset])
    _cols, count = _run(count_sql, params)
    # Fewer taken than asked for means the queue was empty behind them: nothing left to count.
    pending = stock_summary_pending_count(access=access) if taken >= REFRESH_BATCH else 0
    return StockFigurePage(rows=[_row_to_figure(columns, row) for row in rows], total=int(count[0][0]),
                           pending_changes=pending)


def stock_figures_iter(*, access, filters: StockFigureFilters, chunk_size: int = 2000) -> Iterator[StockFigure]:
    """Yield every figures row through a server-side cursor (PostgreSQL), for streaming exports."""
    stock_summary_refresh_pending()
    rows_sql, _count_sql, params = _read_sql(access=access, filters=filters)
    connection.ensure_connection()
    with transaction.atomic(), connection.chunked_cursor() as cursor:  # a server-side cursor needs a transaction
        cursor.execute(rows_sql, params)
        columns = [col[0] for col in cursor.description]
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                yield _row_to_figure(columns, row)
