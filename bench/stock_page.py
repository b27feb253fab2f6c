"""The stock page and /api/v1/stock/ at 100,000 SKUs × 10 warehouses and 1,000,000 ledger rows, on PostgreSQL.

Loads (once; BENCH_RELOAD=1 loads again) 10 clients × 10,000 products, 10 warehouses × 500 locations,
one stock level per SKU and warehouse (1,000,000 rows), 1,000,000 ledger rows (600,000 SHIP rows spread
over the last 120 days, 400,000 receipts), 100,000 reorder settings and 2,000 open ASN lines, with
PostgreSQL's COPY, and builds the stock figures (StockSummary) with the nightly rebuild, timed: COPY
bypasses the services, so nothing was queued. Then times, as a logged-in manager through Django's test
client, the stock page and
the API unfiltered, filtered (status, client, warehouse, search), sorted by a computed figure, a deep
page, and a streamed CSV export of one client, printing the median of BENCH_REPEAT (default 3) runs and
the number of SQL queries of each request. Last, the cost of keeping the figures live: a page read right
after 100 stock changes (it counts them in first), draining 2,000 queued changes, and the hourly pass that
queues what the calendar aged.

Runs against its own database (default postgres://postgres@127.0.0.1:5432/dh_bench_stock, created if
missing; DOCKHAND_BENCH_STOCK_DATABASE_URL changes it). Without a reachable PostgreSQL it says so and
exits 0. BENCH_SKUS (default 100000) and BENCH_WAREHOUSES (default 10) scale it down for a quick look.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgbench_db import ensure_database  # noqa: E402  (bench/ is sys.path[0])

BENCH_URL = os.environ.get("DOCKHAND_BENCH_STOCK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dh_bench_stock")
SKUS = int(os.environ.get("BENCH_SKUS", "100000"))
WAREHOUSES = int(os.environ.get("BENCH_WAREHOUSES", "10"))
LEDGER_ROWS = int(os.environ.get("BENCH_LEDGER_ROWS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
CLIENTS = 10
LOCATIONS_PER_WAREHOUSE = 500




def setup_django() -> None:
    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def copy_rows(model, rows, *, columns: list[str]) -> int:
    """COPY rows (tuples in `columns` order) into the model's table; every other column takes its default."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields]
    given = {name: i for i, name in enumerate(columns)}
    defaults = {}
    for f in fields:
        if f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    names = [f.attname for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[given[name]] if name in given else defaults[name] for name in names])
            n += 1
    return n


def load() -> None:
    from decimal import Decimal

    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from inventory.choices import InboundStatus, MovementKind
    from inventory.models import (
        Client,
        InboundLine,
        InboundShipment,
        Product,
        ReorderSetting,
        StockLevel,
        StockMovement,
    )
    from warehouses.models import Location, Warehouse

    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(8)
    started = time.perf_counter()
    clients = Client.objects.bulk_create(Client(code=f"C{i:02d}", name=f"Client {i:02d}") for i in range(CLIENTS))
    warehouses = Warehouse.objects.bulk_create(
        Warehouse(code=f"W{i:02d}", name=f"Warehouse {i:02d}", address_line1="1 Dock Rd", city="Town",
                  postal_code="84120", latitude=Decimal("40.7") - i, longitude=Decimal("-111.9") + 2 * i)
        for i in range(WAREHOUSES))
    locations = Location.objects.bulk_create(
        Location(warehouse=w, code=f"A-{j // 50:02d}-{j % 50:02d}", zone="A", aisle=j // 50, bay=j % 50,
                 walk_sequence=j * 10)
        for w in warehouses for j in range(LOCATIONS_PER_WAREHOUSE))
    by_warehouse = [locations[i * LOCATIONS_PER_WAREHOUSE:(i + 1) * LOCATIONS_PER_WAREHOUSE]
                    for i in range(WAREHOUSES)]
    copy_rows(Product, ((i + 1, clients[i % CLIENTS].pk, f"SKU-{i:06d}", f"Product {i}", f"{i:012d}",
                         Decimal(rng.randint(100, 9000)) / 100) for i in range(SKUS)),
              columns=["id", "client_id", "sku", "name", "barcode", "unit_value"])
    now = timezone.now()
    # one stock level per SKU and warehouse; ids are (sku index × warehouses + warehouse index + 1)
    copy_rows(StockLevel, (
        (p * WAREHOUSES + w + 1, p + 1, by_warehouse[w][p % LOCATIONS_PER_WAREHOUSE].pk, on_hand,
         min(on_hand, rng.choice((0, 0, 0, 1, 2))), now - datetime.timedelta(days=rng.randint(1, 400)))
        for p in range(SKUS) for w in range(WAREHOUSES) for on_hand in (rng.choice((0, 3, 10, 40, 80, 200, 900)),)
    ), columns=["id", "product_id", "location_id", "on_hand", "allocated", "created_at"])
    ships = LEDGER_ROWS * 6 // 10

    def ledger():
        for i in range(LEDGER_ROWS):
            p = int(rng.paretovariate(1.2)) % SKUS if i % 2 else rng.randrange(SKUS)  # some fast movers
            w = rng.randrange(WAREHOUSES)
            loc = by_warehouse[w][p % LOCATIONS_PER_WAREHOUSE].pk
            when = now - datetime.timedelta(minutes=rng.randint(0, 120 * 24 * 60))
            if i < ships:
                yield (i + 1, p + 1, MovementKind.SHIP, rng.randint(1, 3), loc, None, f"#{i}", when)
            else:
                yield (i + 1, p + 1, MovementKind.RECEIPT, rng.randint(10, 100), None, loc, "BENCH", when)

    copy_rows(StockMovement, ledger(), columns=["id", "product_id", "kind", "quantity", "from_location_id",
                                                "to_location_id", "reference", "created_at"])
    copy_rows(ReorderSetting, ((i + 1, (i * 7) % SKUS + 1,  # 7 is prime to SKUS: each product once
                                warehouses[i % WAREHOUSES].pk, rng.randint(5, 60), rng.randint(20, 200))
                               for i in range(SKUS)),
              columns=["id", "product_id", "warehouse_id", "reorder_point", "reorder_quantity"])
    shipments = InboundShipment.objects.bulk_create(
        InboundShipment(client=clients[i % CLIENTS], warehouse=warehouses[i % WAREHOUSES], reference=f"ASN-{i}",
                        status=InboundStatus.EXPECTED) for i in range(100))
    InboundLine.objects.bulk_create(
        InboundLine(shipment=shipments[i % 100], product_id=(i * 37 % SKUS) // CLIENTS * CLIENTS
                    + (i % 100) % CLIENTS + 1, expected_quantity=rng.randint(10, 500)) for i in range(2000))
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Product, StockLevel, StockMovement,
                                                                  ReorderSetting]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    print(f"loaded {SKUS:,} SKUs × {WAREHOUSES} warehouses, {LEDGER_ROWS:,} ledger rows "
          f"in {time.perf_counter() - started:.0f} s")


def loaded() -> bool:
    from inventory.models import Product, StockMovement

    # At least: each run's live-figures step adds a hundred ledger rows of its own.
    return Product.objects.count() == SKUS and StockMovement.objects.count() >= LEDGER_ROWS


def main() -> int:
    reason = ensure_database(BENCH_URL)
    if reason:
        print(f"SKIP stock page bench: {reason}")
        return 0
    setup_django()
    logging.getLogger("celery").setLevel(logging.WARNING)  # eager tasks would log every backorder pass
    if os.environ.get("BENCH_RELOAD") or not loaded():
        load()
    from inventory.figures.refresh import stock_summary_rebuild
    from inventory.models import StockSummary, StockSummaryChange

    if os.environ.get("BENCH_REBUILD") or StockSummaryChange.objects.exists() or not StockSummary.objects.exists():
        StockSummaryChange.objects.all().delete()  # the rebuild below covers every pair
        result = stock_summary_rebuild()
        print(f"nightly rebuild of the figures: {result['rows']:,} rows in {result['chunks']} chunks, "
              f"{result['seconds']:.1f} s")
        result = stock_summary_rebuild()
        print(f"the same rebuild again, nothing changed: {result['seconds']:.1f} s")
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from core.choices import Role
    from inventory.models import Client
    from tests.factories import make_user

    manager = make_user(Role.MANAGER)
    http = HttpClient()
    http.force_login(manager)
    client_id = Client.objects.order_by("pk").values_list("pk", flat=True).first()
    cases = [
        ("page: first page, by SKU", "/stock/", {}),
        ("page: status = under", "/stock/", {"status": "under"}),
        ("page: status = dead", "/stock/", {"status": "dead"}),
        ("page: one client, one warehouse", "/stock/", {"client": client_id, "warehouse": "W03"}),
        ("page: search 'SKU-0123'", "/stock/", {"q": "SKU-0123"}),
        ("page: sorted by 30-day sales desc", "/stock/", {"ordering": "-velocity"}),
        ("page: page 5,000", "/stock/", {"page": 5000}),
        ("api: first page", "/api/v1/stock/", {}),
        ("api: status = stockout, one warehouse", "/api/v1/stock/", {"status": "stockout", "warehouse": "W01"}),
        ("api: sorted by days of cover", "/api/v1/stock/", {"ordering": "days_of_cover"}),
    ]
    print(f"{'request':42} {'median s':>9} {'min s':>7} {'queries':>8}")
    for label, url, params in cases:
        times, queries = [], 0
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = http.get(url, params)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (label, response.status_code)
            queries = len(ctx)
        print(f"{label:42} {statistics.median(times):9.2f} {min(times):7.2f} {queries:8d}")
    for label, params in (("csv: one client (10,000 SKUs × 10 wh)", {"client": client_id}),
                          ("csv: everything (1,000,000 rows)", {})):
        started = time.perf_counter()
        response = http.get("/stock/", {**params, "export": "csv"})
        first = None
        lines = 0
        for chunk in response.streaming_content:
            if first is None:
                first = time.perf_counter() - started
            lines += chunk.count(b"\n")
        total = time.perf_counter() - started
        print(f"{label:42} {total:9.2f}  first byte {first:.2f} s, {lines - 1:,} rows")
    live_figures_cost(http)
    return 0


def live_figures_cost(http) -> None:
    """Time a page read that first counts in 100 fresh stock changes, and a drain of 2,000 queued ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.choices import MovementKind
    from inventory.figures.refresh import (
        stock_summary_queue_aged,
        stock_summary_refresh_all,
        stock_summary_refresh_pending,
    )
    from inventory.models import StockLevel, StockSummaryChange
    from inventory.services import stock_adjust, stock_allocate, stock_remove

    levels = list(StockLevel.objects.filter(on_hand__gte=10).select_related("product", "location")
                  .order_by("pk")[:100])
    for i, level in enumerate(levels):  # a busy minute on the floor: receipts, reservations, shipments
        if i % 3 == 0:
            stock_adjust(product=level.product, location=level.location, quantity=5, reason="bench")
        elif i % 3 == 1:
            stock_allocate(stock_level_id=level.pk, quantity=1, reference="BENCH")
        else:
            stock_remove(stock_level_id=level.pk, quantity=1, kind=MovementKind.SHIP, reference="BENCH",
                         reason="bench")
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = http.get("/stock/")
        took = time.perf_counter() - started
    assert response.status_code == 200
    print(f"{'page: first page after 100 stock changes':42} {took:9.2f} {'':7} {len(ctx):8d}")
    pairs = list(StockLevel.objects.select_related("location").order_by("-pk")
                 .values_list("product_id", "location__warehouse_id")[:2000])
    StockSummaryChange.objects.bulk_create(StockSummaryChange(product_id=p, warehouse_id=w) for p, w in pairs)
    started = time.perf_counter()
    taken = stock_summary_refresh_pending(limit=2000)
    print(f"{'refresh of 2,000 queued changes':42} {time.perf_counter() - started:9.2f}  ({taken:,} taken)")
    started = time.perf_counter()
    aged = stock_summary_queue_aged(period=datetime.timedelta(minutes=65))
    print(f"{'hourly pass: pairs the calendar aged':42} {time.perf_counter() - started:9.2f}  ({aged:,} queued)")
    started = time.perf_counter()
    stock_summary_refresh_all()
    print(f"{'  and refreshing them':42} {time.perf_counter() - started:9.2f}")


if __name__ == "__main__":
    sys.exit(main())
