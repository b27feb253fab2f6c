"""Stock figures per product and warehouse, computed in one SQL statement.

The stock page, its CSV export, the API and the daily digest all read these rows. Everything is
aggregated by the database (stock levels, the ledger's SHIP rows, open ASNs, units in transit and the
reorder settings are each grouped once and joined), so a page costs one query whatever the data size;
the same statement runs on PostgreSQL and SQLite.

The rules, in the order they are applied to one product in one warehouse:

* **available** = on hand − allocated, over the warehouse's real locations (not its virtual TRANSIT one);
* **inbound** = units still expected on open ASNs + units in transit to the warehouse;
* **30-day velocity** = units shipped from the warehouse (ledger SHIP rows) in the last 30 days;
* **days of cover** = available ÷ (velocity ÷ 30); empty when nothing sold;
* **reorder point / quantity**: the manager's ReorderSetting if there is one, else a default of
  velocity/day × (default lead time + default safety days) and velocity/day × cover days
  (the z·σ·√L suggestion lives in inventory.reorder, which needs the daily spread, not just the sum);
* **status**: *stock-out* when nothing is available; *dead* when units are on hand, none shipped in
  90 days and the stock has been here at least 90 days; *under* when available + inbound ≤ reorder
  point; *over* when available exceeds reorder point + reorder quantity (with a setting) or covers more
  than OVERSTOCK_COVER_DAYS (without one); else *healthy*.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from inventory.choices import INBOUND_OPEN_STATUSES, MovementKind, StockStatus
from inventory.models import (
    Client,
    InboundLine,
    InboundShipment,
    Product,
    ReorderSetting,
    StockLevel,
    StockMovement,
)
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse

VELOCITY_DAYS = 30
DEAD_STOCK_DAYS = 90
OVERSTOCK_COVER_DAYS = 120
DEFAULT_LEAD_TIME_DAYS = 14
DEFAULT_SAFETY_DAYS = 7
DEFAULT_ORDER_COVER_DAYS = 30

STATUS_SEVERITY = [StockStatus.STOCKOUT, StockStatus.UNDER, StockStatus.OVER, StockStatus.DEAD,
                   StockStatus.HEALTHY]

# Sort keys the page and the API accept; each maps to an SQL expression over the figures row.
ORDERINGS: dict[str, str] = {
    "sku": "sku",
    "warehouse": "warehouse_code",
    "client": "client_name",
    "on_hand": "on_hand",
    "allocated": "allocated",
    "available": "available",
    "inbound": "inbound",
    "velocity": "sold_30",
    "days_of_cover": "CASE WHEN days_of_cover IS NULL THEN 1 ELSE 0 END, days_of_cover",
    "reorder_point": "reorder_point",
    "status": "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUS_SEVERITY))
              + " END",
    "value": "stock_value",
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
    # Internal: limit every aggregate to these products and warehouses (the page-first plan).
    product_ids: tuple[int, ...] = ()
    warehouse_ids: tuple[int, ...] = ()


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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _scope_clauses(*, access_client_id, access_warehouse_ids, filters: StockFigureFilters,
                   product_alias: str, warehouse_column: str) -> tuple[list[str], list]:
    """WHERE clauses limiting one CTE to what the user may see and what the filters ask for."""
    clauses: list[str] = []
    params: list = []
    if access_client_id is not None:
        clauses.append(f"{product_alias}.client_id = %s")
        params.append(access_client_id)
    if filters.client_id is not None:
        clauses.append(f"{product_alias}.client_id = %s")
        params.append(filters.client_id)
    if access_warehouse_ids is not None:
        ids = sorted(access_warehouse_ids) or [-1]
        clauses.append(f"{warehouse_column} IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    if filters.warehouse_id is not None:
        clauses.append(f"{warehouse_column} = %s")
        params.append(filters.warehouse_id)
    if filters.warehouse_code:
        clauses.append(f"{warehouse_column} IN (SELECT id FROM {_table(Warehouse)} WHERE code = %s)")
        params.append(filters.warehouse_code)
    if filters.product_id is not None:
        clauses.append(f"{product_alias}.id = %s")
        params.append(filters.product_id)
    if filters.product_ids:
        clauses.append(f"{product_alias}.id IN ({', '.join(['%s'] * len(filters.product_ids))})")
        params.extend(filters.product_ids)
    if filters.warehouse_ids:
        clauses.append(f"{warehouse_column} IN ({', '.join(['%s'] * len(filters.warehouse_ids))})")
        params.extend(filters.warehouse_ids)
    if filters.sku:
        clauses.append(f"{product_alias}.sku = %s")
        params.append(filters.sku)
    if filters.search:
        clauses.append(f"(LOWER({product_alias}.sku) LIKE %s OR LOWER({product_alias}.name) LIKE %s)")
        needle = "%" + filters.search.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        params.extend([needle, needle])
    return clauses, params


def _where(clauses: list[str]) -> str:
    return " AND " + " AND ".join(clauses) if clauses else ""


def figures_sql(*, access, filters: StockFigureFilters, now: datetime.datetime | None = None,
                paginate: bool = True) -> tuple[str, list]:
    """Build the figures statement and its parameters (page via LIMIT/OFFSET placeholders when paginate)."""
    now = now or timezone.now()
    since_30 = now - datetime.timedelta(days=VELOCITY_DAYS)
    since_90 = now - datetime.timedelta(days=DEAD_STOCK_DAYS)
    client_id = access.client_id
    warehouse_ids = access.warehouse_ids if access.client_id is None else None

    def scope(product_alias, warehouse_column):
        return _scope_clauses(access_client_id=client_id, access_warehouse_ids=warehouse_ids, filters=filters,
                              product_alias=product_alias, warehouse_column=warehouse_column)

    # On PostgreSQL each grouped CTE is computed once and hash-joined; inlined, the planner may choose a
    # nested loop over a million groups when it hopes to stop early for the LIMIT.
    mat = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sl, loc, p, m = _table(StockLevel), _table(Location), _table(Product), _table(StockMovement)
    il, ish, rs = _table(InboundLine), _table(InboundShipment), _table(ReorderSetting)
    cl, wh = _table(Client), _table(Warehouse)
    params: list = []

    lv_where, lv_params = scope("p", "loc.warehouse_id")
    params += [LocationKind.TRANSIT, *lv_params]
    lv = f"""
      lv AS {mat}(
        SELECT sl.product_id, loc.warehouse_id, SUM(sl.on_hand) AS on_hand, SUM(sl.allocated) AS allocated,
               MIN(sl.created_at) AS first_at
        FROM {sl} sl JOIN {loc} loc ON loc.id = sl.location_id JOIN {p} p ON p.id = sl.product_id
        WHERE loc.kind <> %s{_where(lv_where)}
        GROUP BY sl.product_id, loc.warehouse_id
      )"""

    sa_where, sa_params = scope("p", "loc.warehouse_id")
    params += [_dt(since_30), MovementKind.SHIP, _dt(since_90), *sa_params]
    sales = f"""
      sales AS {mat}(
        SELECT m.product_id, loc.warehouse_id,
               SUM(CASE WHEN m.created_at >= %s THEN m.quantity ELSE 0 END) AS sold_30,
               SUM(m.quantity) AS sold_90
        FROM {m} m JOIN {loc} loc ON loc.id = m.from_location_id JOIN {p} p ON p.id = m.product_id
        WHERE m.kind = %s AND m.created_at >= %s{_where(sa_where)}
        GROUP BY m.product_id, loc.warehouse_id
      )"""

    in_where, in_params = scope("p", "s.warehouse_id")
    tr_where, tr_params = scope("p", "loc.warehouse_id")
    open_statuses = sorted(INBOUND_OPEN_STATUSES)
    params += [*open_statuses, *in_params, LocationKind.TRANSIT, *tr_params]
    inbound = f"""
      inb AS {mat}(
        SELECT product_id, warehouse_id, SUM(qty) AS qty FROM (
          SELECT il.product_id, s.warehouse_id,
                 il.expected_quantity - il.received_quantity - il.damaged_quantity AS qty
          FROM {il} il JOIN {ish} s ON s.id = il.shipment_id JOIN {p} p ON p.id = il.product_id
          WHERE s.status IN ({', '.join(['%s'] * len(open_statuses))})
            AND il.expected_quantity > il.received_quantity + il.damaged_quantity{_where(in_where)}
          UNION ALL
          SELECT sl.product_id, loc.warehouse_id, sl.on_hand AS qty
          FROM {sl} sl JOIN {loc} loc ON loc.id = sl.location_id JOIN {p} p ON p.id = sl.product_id
          WHERE loc.kind = %s AND sl.on_hand > 0{_where(tr_where)}
        ) x
        GROUP BY product_id, warehouse_id
      )"""

    rop_days = DEFAULT_LEAD_TIME_DAYS + DEFAULT_SAFETY_DAYS
    params += [rop_days, DEFAULT_ORDER_COVER_DAYS]
    fig = f"""
      fig AS (
        SELECT lv.product_id, lv.warehouse_id, p.sku, p.name AS product_name, p.client_id,
               c.name AS client_name, w.code AS warehouse_code, p.unit_value,
               lv.on_hand, lv.allocated, lv.on_hand - lv.allocated AS available,
               COALESCE(inb.qty, 0) AS inbound,
               COALESCE(sales.sold_30, 0) AS sold_30, COALESCE(sales.sold_90, 0) AS sold_90,
               lv.first_at,
               COALESCE(rs.reorder_point, (COALESCE(sales.sold_30, 0) * %s + 29) / 30) AS reorder_point,
               COALESCE(rs.reorder_quantity, (COALESCE(sales.sold_30, 0) * %s + 29) / 30) AS reorder_quantity,
               CASE WHEN rs.id IS NULL THEN 0 ELSE 1 END AS has_setting,
               CASE WHEN COALESCE(sales.sold_30, 0) > 0
                    THEN (lv.on_hand - lv.allocated) * 30.0 / sales.sold_30 END AS days_of_cover,
               lv.on_hand * p.unit_value AS stock_value
        FROM lv
        JOIN {p} p ON p.id = lv.product_id
        JOIN {cl} c ON c.id = p.client_id
        JOIN {wh} w ON w.id = lv.warehouse_id
        LEFT JOIN sales ON sales.product_id = lv.product_id AND sales.warehouse_id = lv.warehouse_id
        LEFT JOIN inb ON inb.product_id = lv.product_id AND inb.warehouse_id = lv.warehouse_id
        LEFT JOIN {rs} rs ON rs.product_id = lv.product_id AND rs.warehouse_id = lv.warehouse_id
      )"""

    params += [StockStatus.STOCKOUT, _dt(since_90), StockStatus.DEAD, StockStatus.UNDER, OVERSTOCK_COVER_DAYS,
               StockStatus.OVER, StockStatus.HEALTHY]
    classified = """
      classified AS (
        SELECT fig.*,
          CASE
            WHEN available <= 0 THEN %s
            WHEN on_hand > 0 AND sold_90 = 0 AND first_at <= %s THEN %s
            WHEN available + inbound <= reorder_point THEN %s
            WHEN (has_setting = 1 AND available > reorder_point + reorder_quantity)
              OR (has_setting = 0 AND days_of_cover > %s) THEN %s
            ELSE %s
          END AS status
        FROM fig
      )"""

    outer_where = ""
    if filters.status:
        outer_where = " WHERE status = %s"
        params.append(filters.status)
    key = filters.ordering.lstrip("-")
    direction = "DESC" if filters.ordering.startswith("-") else "ASC"
    expression = ORDERINGS.get(key, ORDERINGS["sku"])
    order_by = ", ".join(f"{part.strip()} {direction}" for part in expression.split(", "))
    sql = (f"WITH {lv},{sales},{inbound},{fig},{classified}\n"
           f"SELECT classified.*, COUNT(*) OVER () AS total_count FROM classified{outer_where}\n"
           f"ORDER BY {order_by}, sku ASC, warehouse_code ASC")
    if paginate:
        sql += "\nLIMIT %s OFFSET %s"
    return sql, params


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


# Orderings that need no figure: the page's rows can be chosen before anything is aggregated.
PAGE_FIRST_ORDERINGS = {"sku": "p.sku", "warehouse": "w.code", "client": "c.name"}


def _run(sql: str, params: list) -> tuple[list[str], list]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.description is None:
            return [], []
        return [col[0] for col in cursor.description], cursor.fetchall()


def _pairs_page(*, access, filters: StockFigureFilters, limit: int, offset: int) -> tuple[list, int]:
    """Choose one page of (product, warehouse) pairs in SKU/warehouse/client order, and count them all."""
    client_id = access.client_id
    warehouse_ids = access.warehouse_ids if access.client_id is None else None
    where, params = _scope_clauses(access_client_id=client_id, access_warehouse_ids=warehouse_ids, filters=filters,
                                   product_alias="p", warehouse_column="loc.warehouse_id")
    sl, loc, p, wh, cl = _table(StockLevel), _table(Location), _table(Product), _table(Warehouse), _table(Client)
    outer_where, outer_params = _scope_clauses(access_client_id=client_id, access_warehouse_ids=warehouse_ids,
                                               filters=filters, product_alias="p", warehouse_column="w.id")
    key = filters.ordering.lstrip("-")
    direction = "DESC" if filters.ordering.startswith("-") else "ASC"
    # Walk products × warehouses in the wanted order and stop at the page's end: no aggregation at all.
    _cols, rows = _run(
        f"SELECT p.id, w.id FROM {p} p CROSS JOIN {wh} w JOIN {cl} c ON c.id = p.client_id "
        f"WHERE EXISTS (SELECT 1 FROM {sl} sl JOIN {loc} loc ON loc.id = sl.location_id "
        f"WHERE sl.product_id = p.id AND loc.warehouse_id = w.id AND loc.kind <> %s){_where(outer_where)} "
        f"ORDER BY {PAGE_FIRST_ORDERINGS[key]} {direction}, p.sku ASC, w.code ASC LIMIT %s OFFSET %s",
        [LocationKind.TRANSIT, *outer_params, limit, offset])
    _cols, count = _run(
        f"SELECT COUNT(*) FROM (SELECT DISTINCT sl.product_id, loc.warehouse_id FROM {sl} sl "
        f"JOIN {loc} loc ON loc.id = sl.location_id JOIN {p} p ON p.id = sl.product_id "
        f"WHERE loc.kind <> %s{_where(where)}) x", [LocationKind.TRANSIT, *params])
    return [tuple(row) for row in rows], int(count[0][0])


def stock_figures_page(*, access, filters: StockFigureFilters, limit: int, offset: int,
                       now: datetime.datetime | None = None) -> StockFigurePage:
    """Return one page of figures and the total row count in a fixed number of queries.

    Ordered by SKU, warehouse or client without a status filter, the page's pairs are chosen first
    (index order, no aggregation) and the figures computed for those 50 only: three queries. Filtered by
    status or ordered by a figure, every row's figures must be known: one query over everything.
    """
    if not filters.status and filters.ordering.lstrip("-") in PAGE_FIRST_ORDERINGS:
        pairs, total = _pairs_page(access=access, filters=filters, limit=limit, offset=offset)
        if not pairs:
            return StockFigurePage(rows=[], total=total)
        narrowed = replace(filters, product_ids=tuple(sorted({p for p, _ in pairs})),
                           warehouse_ids=tuple(sorted({w for _, w in pairs})))
        sql, params = figures_sql(access=access, filters=narrowed, now=now)
        columns, rows = _run(sql, [*params, len(pairs) * len(narrowed.warehouse_ids), 0])
        by_pair = {(fig.product_id, fig.warehouse_id): fig for fig in (_row_to_figure(columns, r) for r in rows)}
        return StockFigurePage(rows=[by_pair[pair] for pair in pairs if pair in by_pair], total=total)
    sql, params = figures_sql(access=access, filters=filters, now=now)
    if connection.vendor == "postgresql":
        # Grouped CTEs carry no statistics, so the planner guesses a few thousand rows and picks nested
        # loops over what are a million; hash joins are right at every size here.
        with transaction.atomic():
            _run("SET LOCAL enable_nestloop = off", [])
            columns, rows = _run(sql, [*params, limit, offset])
    else:
        columns, rows = _run(sql, [*params, limit, offset])
    total = int(rows[0][columns.index("total_count")]) if rows else 0
    if not rows and offset:
        total = stock_figures_page(access=access, filters=filters, limit=1, offset=0, now=now).total
    return StockFigurePage(rows=[_row_to_figure(columns, row) for row in rows], total=total)


def stock_figures_iter(*, access, filters: StockFigureFilters, now: datetime.datetime | None = None,
                       chunk_size: int = 2000) -> Iterator[StockFigure]:
    """Yield every figures row through a server-side cursor (PostgreSQL), for streaming exports."""
    sql, params = figures_sql(access=access, filters=filters, now=now, paginate=False)
    connection.ensure_connection()
    with transaction.atomic():  # read-only; keeps the server-side cursor and the planner setting together
        if connection.vendor == "postgresql":
            _run("SET LOCAL enable_nestloop = off", [])
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            columns = [col[0] for col in cursor.description]
            while rows := cursor.fetchmany(chunk_size):
                for row in rows:
                    yield _row_to_figure(columns, row)
