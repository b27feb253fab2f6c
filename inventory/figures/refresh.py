"""Computing figures: the rules' thresholds and defaults, the queue of changed pairs, the refresh and the
nightly rebuild."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from inventory.choices import INBOUND_OPEN_STATUSES, MovementKind, StockStatus
from inventory.figures.table import SUMMARY_COLUMNS, _dt, _in, _run, _table, _where
from inventory.models import (
    InboundLine,
    InboundShipment,
    Product,
    ReorderSetting,
    StockLevel,
    StockMovement,
    StockSummary,
    StockSummaryChange,
)
from warehouses.choices import LocationKind
from warehouses.models import Location

VELOCITY_DAYS = 30
DEAD_STOCK_DAYS = 90
OVERSTOCK_COVER_DAYS = 120
DEFAULT_LEAD_TIME_DAYS = 14
DEFAULT_SAFETY_DAYS = 7
DEFAULT_ORDER_COVER_DAYS = 30

# Queued pairs one reader refreshes before it reads (each is a few index lookups); the rest wait for the
# next reader or the minute task, and the page says how many changes are still being counted.
REFRESH_BATCH = 2000
# Products per statement of the nightly rebuild: big enough for hash joins, small enough to keep locks short.
REBUILD_CHUNK_PRODUCTS = 5000
PENDING_COUNT_CAP = 10_000


@dataclass(frozen=True)
class _Narrowing:
    """Which pairs one refresh statement computes: listed products, or a product id range; some warehouses."""

    product_ids: tuple[int, ...] = ()
    product_id_range: tuple[int, int] | None = None
    warehouse_ids: tuple[int, ...] = ()

    def clauses(self, *, product_column: str, warehouse_column: str) -> tuple[list[str], list]:
        # On the base tables' own columns, so each CTE reaches its rows through an index.
        clauses, params = [], []
        if self.product_ids:
            clause, values = _in(product_column, self.product_ids)
            clauses.append(clause)
            params += values
        if self.product_id_range:
            clauses.append(f"{product_column} BETWEEN %s AND %s")
            params += list(self.product_id_range)
        if self.warehouse_ids:
            clause, values = _in(warehouse_column, self.warehouse_ids)
            clauses.append(clause)
            params += values
        return clauses, params


def _figures_ctes(*, narrowing: _Narrowing, now: datetime.datetime) -> tuple[str, list]:
    """The WITH clause computing the figures of the narrowed pairs; its last CTE, `classified`, has them."""
    since_30 = now - datetime.timedelta(days=VELOCITY_DAYS)
    since_90 = now - datetime.timedelta(days=DEAD_STOCK_DAYS)
    # On PostgreSQL each grouped CTE is computed once and hash-joined; inlined, the planner may choose a
    # nested loop over many groups.
    mat = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sl, loc, m = _table(StockLevel), _table(Location), _table(StockMovement)
    il, ish, rs = _table(InboundLine), _table(InboundShipment), _table(ReorderSetting)
    params: list = []

    lv_where, lv_params = narrowing.clauses(product_column="sl.product_id", warehouse_column="loc.warehouse_id")
    # Units in the warehouse's TRANSIT location are not on hand there yet, but they give the product a
    # row in the warehouse it is travelling to (as inbound), even before its first unit arrives.
    params += [LocationKind.TRANSIT] * 3 + lv_params
    lv = f"""
      lv AS {mat}(
        SELECT sl.product_id, loc.warehouse_id,
               SUM(CASE WHEN loc.kind <> %s THEN sl.on_hand ELSE 0 END) AS on_hand,
               SUM(CASE WHEN loc.kind <> %s THEN sl.allocated ELSE 0 END) AS allocated,
               MIN(CASE WHEN loc.kind <> %s THEN sl.created_at END) AS first_at
        FROM {sl} sl JOIN {loc} loc ON loc.id = sl.location_id
        WHERE 1 = 1{_where(lv_where)}
        GROUP BY sl.product_id, loc.warehouse_id
      )"""

    sa_where, sa_params = narrowing.clauses(product_column="m.product_id", warehouse_column="loc.warehouse_id")
    params += [_dt(since_30), MovementKind.SHIP, _dt(since_90), *sa_params]
    sales = f"""
      sales AS {mat}(
        SELECT m.product_id, loc.warehouse_id,
               SUM(CASE WHEN m.created_at >= %s THEN m.quantity ELSE 0 END) AS sold_30,
               SUM(m.quantity) AS sold_90
        FROM {m} m JOIN {loc} loc ON loc.id = m.from_location_id
        WHERE m.kind = %s AND m.created_at >= %s{_where(sa_where)}
        GROUP BY m.product_id, loc.warehouse_id
      )"""

    in_where, in_params = narrowing.clauses(product_column="il.product_id", warehouse_column="s.warehouse_id")
    tr_where, tr_params = narrowing.clauses(product_column="sl.product_id", warehouse_column="loc.warehouse_id")
    open_statuses = sorted(INBOUND_OPEN_STATUSES)
    params += [*open_statuses, *in_params, LocationKind.TRANSIT, *tr_params]
    inbound = f"""
      inb AS {mat}(
        SELECT product_id, warehouse_id, SUM(qty) AS qty FROM (
          SELECT il.product_id, s.warehouse_id,
                 il.expected_quantity - il.received_quantity - il.damaged_quantity AS qty
          FROM {il} il JOIN {ish} s ON s.id = il.shipment_id
          WHERE s.status IN ({', '.join(['%s'] * len(open_statuses))})
            AND il.expected_quantity > il.received_quantity + il.damaged_quantity{_where(in_where)}
          UNION ALL
          SELECT sl.product_id, loc.warehouse_id, sl.on_hand AS qty
          FROM {sl} sl JOIN {loc} loc ON loc.id = sl.location_id
          WHERE loc.kind = %s AND sl.on_hand > 0{_where(tr_where)}
        ) x
        GROUP BY product_id, warehouse_id
      )"""

    rop_days = DEFAULT_LEAD_TIME_DAYS + DEFAULT_SAFETY_DAYS
    params += [rop_days, DEFAULT_ORDER_COVER_DAYS]
    fig = f"""
      fig AS (
        SELECT lv.product_id, lv.warehouse_id, lv.on_hand, lv.allocated, lv.on_hand - lv.allocated AS available,
               COALESCE(inb.qty, 0) AS inbound,
               COALESCE(sales.sold_30, 0) AS sold_30, COALESCE(sales.sold_90, 0) AS sold_90,
               lv.first_at,
               COALESCE(rs.reorder_point, (COALESCE(sales.sold_30, 0) * %s + 29) / 30) AS reorder_point,
               COALESCE(rs.reorder_quantity, (COALESCE(sales.sold_30, 0) * %s + 29) / 30) AS reorder_quantity,
               rs.id IS NOT NULL AS has_setting,
               CASE WHEN COALESCE(sales.sold_30, 0) > 0
                    THEN (lv.on_hand - lv.allocated) * 30.0 / sales.sold_30 END AS days_of_cover
        FROM lv
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
            WHEN (has_setting AND available > reorder_point + reorder_quantity)
              OR (NOT has_setting AND days_of_cover > %s) THEN %s
            ELSE %s
          END AS status
        FROM fig
      )"""
    return f"WITH {lv},{sales},{inbound},{fig},{classified}", params


def _upsert_figures(narrowing: _Narrowing, *, now: datetime.datetime) -> None:
    """Compute the narrowed pairs' figures and write those that changed into StockSummary."""
    ctes, params = _figures_ctes(narrowing=narrowing, now=now)
    table = _table(StockSummary)
    columns = ", ".join(SUMMARY_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in SUMMARY_COLUMNS)
    changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM excluded.{c}" for c in SUMMARY_COLUMNS)
    stamp = _dt(now)
    # WHERE 1 = 1 tells SQLite's parser the ON CONFLICT belongs to the INSERT, not to a join.
    _run(f"{ctes}\nINSERT INTO {table} (product_id, warehouse_id, {columns}, created_at, updated_at)\n"
         f"SELECT product_id, warehouse_id, {columns}, %s, %s FROM classified WHERE 1 = 1\n"
         # In key order, so two refreshes of the same pairs lock their rows in the same order.
         f"ORDER BY product_id, warehouse_id\n"
         f"ON CONFLICT (product_id, warehouse_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at\n"
         f"WHERE {changed}", [*params, stamp, stamp])


def stock_summary_mark_changed(*, product_id: int, location_ids: Iterable[int | None]) -> None:
    """Queue a product's figures for refresh in the warehouses of these locations (None ones are skipped).

    Call it inside the transaction that changes the stock: the queue row commits (or rolls back) with the
    change.
    """
    stock_summary_mark_locations((product_id, location_id) for location_id in location_ids)


def stock_summary_mark_locations(pairs: Iterable[tuple[int, int | None]]) -> None:
    """Queue (product id, location id) pairs for refresh in the locations' warehouses (None locations skipped).

    Call it inside the transaction that changes the stock. One statement however many pairs, with no lookup
    of the locations first; it never waits on another writer.
    """
    pairs = sorted({(product_id, location_id) for product_id, location_id in pairs if location_id is not None})
    if not pairs:
        return
    # Typed, so the union's columns are integers on PostgreSQL whichever way parameters are bound.
    rows = " UNION ALL ".join(["SELECT CAST(%s AS BIGINT) AS product_id, CAST(%s AS BIGINT) AS location_id"]
                              * len(pairs))
    _run(f"INSERT INTO {_table(StockSummaryChange)} (product_id, warehouse_id, created_at) "
         f"SELECT DISTINCT x.product_id, loc.warehouse_id, %s FROM ({rows}) x "
         f"JOIN {_table(Location)} loc ON loc.id = x.location_id",
         [_dt(timezone.now()), *(value for pair in pairs for value in pair)])


def stock_summary_mark_pairs(pairs: Iterable[tuple[int, int]]) -> None:
    """Queue (product id, warehouse id) pairs for refresh; inside the transaction that changed them."""
    StockSummaryChange.objects.bulk_create(
        StockSummaryChange(product_id=p, warehouse_id=w) for p, w in sorted(set(pairs)))


def stock_summary_refresh(*, pairs: Iterable[tuple[int, int]], now: datetime.datetime | None = None) -> None:
    """Recompute the figures of these (product id, warehouse id) pairs into StockSummary."""
    pairs = set(pairs)
    if not pairs:
        return
    # Products × warehouses of the set: a few extra pairs at most, each computed correctly anyway.
    _upsert_figures(_Narrowing(product_ids=tuple(sorted({p for p, _ in pairs})),
                               warehouse_ids=tuple(sorted({w for _, w in pairs}))), now=now or timezone.now())


def stock_summary_refresh_pending(*, limit: int = REFRESH_BATCH) -> int:
    """Take up to `limit` queued changes off StockSummaryChange and refresh their pairs; return how many.

    Taking and refreshing share a transaction, so a failed refresh puts the changes back. On PostgreSQL
    concurrent callers skip each other's rows instead of waiting.
    """
    queue = _table(StockSummaryChange)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with transaction.atomic():
        _cols, taken = _run(
            f"DELETE FROM {queue} WHERE id IN (SELECT id FROM {queue} ORDER BY id LIMIT %s{skip_locked}) "
            f"RETURNING product_id, warehouse_id", [limit])
        stock_summary_refresh(pairs={(p, w) for p, w in taken})
    return len(taken)


def stock_summary_refresh_all(*, max_seconds: float | None = None) -> int:
    """Refresh queued changes batch after batch until none is left (or `max_seconds` have passed)."""
    started = time.monotonic()
    taken = 0
    while max_seconds is None or time.monotonic() - started < max_seconds:
        batch = stock_summary_refresh_pending()
        taken += batch
        if not batch:
            break
    return taken


def stock_summary_pending_count(*, access=None) -> int:
    """Queued changes not yet in the figures, of what `access` may see (all without), up to PENDING_COUNT_CAP."""
    sql = f"SELECT 1 FROM {_table(StockSummaryChange)} q"
    params: list = []
    if access is not None and access.client_id is not None:
        # A client learns nothing of other clients' activity, not even how busy the floor is.
        sql += f" JOIN {_table(Product)} p ON p.id = q.product_id WHERE p.client_id = %s"
        params.append(access.client_id)
    elif access is not None and access.warehouse_ids is not None:
        clause, values = _in("q.warehouse_id", sorted(access.warehouse_ids) or [-1])
        sql += f" WHERE {clause}"
        params += values
    _cols, rows = _run(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) x", [*params, PENDING_COUNT_CAP])
    return int(rows[0][0])


def stock_summary_queue_aged(*, now: datetime.datetime | None = None,
                             period: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
    """Queue the pairs whose figures the calendar changed during `period` up to `now`; return how many.

    A shipment leaving the 30- or 90-day window changes sales (and cover and status) with no stock
    moving; a bin's stock turning 90 days old can make it dead. Run hourly (with a little overlap), it
    keeps that drift within the hour instead of waiting for the nightly rebuild.
    """
    now = now or timezone.now()
    m, sl, loc = _table(StockMovement), _table(StockLevel), _table(Location)
    edges = []
    for days in (VELOCITY_DAYS, DEAD_STOCK_DAYS):
        edge = now - datetime.timedelta(days=days)
        edges += [_dt(edge - period), _dt(edge)]
    aged_stock = [_dt(now - datetime.timedelta(days=DEAD_STOCK_DAYS) - period),
                  _dt(now - datetime.timedelta(days=DEAD_STOCK_DAYS))]
    _cols, rows = _run(
        f"INSERT INTO {_table(StockSummaryChange)} (product_id, warehouse_id, created_at) "
        f"SELECT product_id, warehouse_id, %s FROM ("
        f"SELECT m.product_id, loc.warehouse_id FROM {m} m JOIN {loc} loc ON loc.id = m.from_location_id "
        f"WHERE m.kind = %s AND ((m.created_at > %s AND m.created_at <= %s) "
        f"OR (m.created_at > %s AND m.created_at <= %s)) "
        f"UNION SELECT sl.product_id, loc.warehouse_id FROM {sl} sl JOIN {loc} loc ON loc.id = sl.location_id "
        f"WHERE sl.on_hand > 0 AND sl.created_at > %s AND sl.created_at <= %s) aged "
        f"RETURNING product_id",
        [_dt(now), MovementKind.SHIP, *edges, *aged_stock])
    return len(rows)


def stock_summary_rebuild(*, chunk_products: int = REBUILD_CHUNK_PRODUCTS,
                          now: datetime.datetime | None = None) -> dict:
    """Recompute every pair's figures, a chunk of products per transaction; rows that did not change stay.

    Returns {"chunks": n, "seconds": s, "rows": rows in StockSummary}.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    bounds = Product.objects.order_by().values_list("pk", flat=True)
    low, high = bounds.order_by("pk").first(), bounds.order_by("-pk").first()
    chunks = 0
    if low is not None:
        for start in range(low, high + 1, chunk_products):
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Thousands of groups per CTE, and CTEs carry no statistics: hash joins are right here.
                    _run("SET LOCAL enable_nestloop = off", [])
                _upsert_figures(_Narrowing(product_id_range=(start, start + chunk_products - 1)), now=now)
            chunks += 1
    if connection.vendor == "postgresql":
        # Fresh statistics, so the page's planner knows how rare each status is (autovacuum may be hours away).
        _run(f"ANALYZE {_table(StockSummary)}", [])
    return {"chunks": chunks, "seconds": round(time.perf_counter() - started, 2),
            "rows": StockSummary.objects.count()}
