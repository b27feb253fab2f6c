"""Billing at volume: a month's invoice of a client with 100,000 shipped orders (and their labels) and 30
nightly storage snapshots of 50,000 stock rows.

Built with bulk SQL (generate_series), then:
- snapshots: the 30 nights taken from the ledger (billing.storage.storage_snapshot_take), seconds per night;
- invoice: invoice_draft (price every event with the list in force on its date, write the lines, link every
  event to its lines), first with 10,000 orders, then with 100,000; the number of SQL statements of each build
  is printed: it must be the same, since events are summed in the database, never looped over in Python;
- baseline: one bare GROUP BY over the same events in the same database (the least any invoice must read);
  the build is reported as a ratio to it.

Targets: the 100,000-order invoice in under 10 s; the statement count the same at both sizes.

Runs against its own database (default postgres://postgres@127.0.0.1:5432/dh_bench_billing, created if
missing; DOCKHAND_BENCH_BILLING_DATABASE_URL changes it), which it empties first. Without a reachable
PostgreSQL it says so and exits 0. BENCH_ORDERS (100000) and BENCH_STOCK_ROWS (50000) tune it.
"""

from __future__ import annotations

import datetime
import logging
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgbench_db import django_setup_empty, ensure_database  # noqa: E402  (bench/ is sys.path[0])

BENCH_URL = os.environ.get("DOCKHAND_BENCH_BILLING_DATABASE_URL",
                           "postgres://postgres@127.0.0.1:5432/dh_bench_billing")
ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
STOCK_ROWS = int(os.environ.get("BENCH_STOCK_ROWS", "50000"))
LOCATIONS = 10
MONTH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def build_world():
    from billing.choices import StoragePeriod, StorageUnit
    from billing.models import PriceList, ServiceRate, StorageRate
    from inventory.models import Client
    from shipping.choices import CarrierAdapterKind
    from shipping.models import Carrier, CarrierService
    from warehouses.choices import LocationKind
    from warehouses.models import Location, Warehouse

    warehouse = Warehouse.objects.create(code="SLC", name="Salt Lake City", address_line1="1 Way", city="SLC",
                                         state="UT", postal_code="84120", latitude=Decimal("40.7"),
                                         longitude=Decimal("-111.9"))
    client = Client.objects.create(code="BENCH", name="Bench Goods")
    carrier = Carrier.objects.create(code="UPS", name="UPS", adapter=CarrierAdapterKind.TEST)
    service = CarrierService.objects.create(carrier=carrier, code="GND", name="Ground", transit_days=3,
                                            dim_divisor=Decimal("139"))
    for effective_from, order_fee in ((datetime.date(2026, 1, 1), "2.50"), (datetime.date(2026, 3, 16), "2.75")):
        prices = PriceList.objects.create(
            client=client, effective_from=effective_from, order_fee=Decimal(order_fee),
            extra_unit_fee=Decimal("0.50"), extra_sku_fee=Decimal("0.25"), extra_box_fee=Decimal("1.00"),
            packaging_markup_pct=Decimal("10"), shipping_markup_pct=Decimal("5"),
            shipping_markup_fixed=Decimal("0.75"), monthly_minimum=Decimal("500"))
        StorageRate.objects.create(price_list=prices, location_kind=LocationKind.RESERVE, unit=StorageUnit.PALLET,
                                   period=StoragePeriod.MONTH, price=Decimal("30"))
        StorageRate.objects.create(price_list=prices, location_kind=LocationKind.PICK, unit=StorageUnit.CUBIC_FOOT,
                                   period=StoragePeriod.DAY, price=Decimal("0.05"))
        ServiceRate.objects.create(price_list=prices, code="kitting", name="Kitting", price=Decimal("0.80"))
    Location.objects.bulk_create(
        Location(warehouse=warehouse, code=f"{'R' if i % 2 else 'A'}-{i:02d}", zone="R" if i % 2 else "A",
                 kind=LocationKind.RESERVE if i % 2 else LocationKind.PICK, walk_sequence=i)
        for i in range(LOCATIONS))
    return client, warehouse, carrier, service


def bulk_stock(client, warehouse) -> None:
    """STOCK_ROWS stock levels: STOCK_ROWS / LOCATIONS products, each in every location."""
    from django.db import connection

    products = STOCK_ROWS // LOCATIONS
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO inventory_product (client_id, sku, name, barcode, weight_g, length_mm, width_mm, height_mm,
                unit_value, currency, is_lot_tracked, is_active, country_of_origin, hs_code, created_at, updated_at)
            SELECT %s, 'SKU-' || g, 'Product ' || g, '', 500, 100 + g %% 200, 100, 80, 10, 'USD', false, true,
                   '', '', now(), now()
              FROM generate_series(1, %s) g""", [client.pk, products])
        cursor.execute("""
            INSERT INTO inventory_stocklevel (product_id, location_id, lot_number, on_hand, allocated,
                created_at, updated_at)
            SELECT p.id, l.id, '', 1 + (p.id + l.id) %% 40, 0, now(), now()
              FROM inventory_product p CROSS JOIN warehouses_location l
             WHERE p.client_id = %s AND l.warehouse_id = %s""", [client.pk, warehouse.pk])


def bulk_events(client, warehouse, carrier, service, first: int, last: int) -> None:
    """Shipped orders first..last spread over March: an order_shipped and a label event each."""
    from django.db import connection

    with connection.cursor() as cursor:
        for kind, extra in (("order_shipped", "1 + g %% 4, 1 + g %% 3, 1 + (g %% 10 = 0)::int, 0.85, NULL, NULL"),
                            ("label", "0, 0, 1 + (g %% 10 = 0)::int, 6.00 + (g %% 500) / 100.0, %(carrier)s, "
                                      "%(service)s")):
            cursor.execute(f"""
                INSERT INTO billing_billableevent (client_id, kind, sign, occurred_at, event_date, warehouse_id,
                    source, source_id, order_id, units, skus, boxes, cost, carrier_id, service_id,
                    cartons, minutes, restocked, disposed, quantity, service_code, note, created_at)
                SELECT %(client)s, '{kind}', 1, d + interval '12 hours', d, %(warehouse)s, 'shipping.shipment', g, g,
                       {extra}, 0, 0, 0, 0, 0, '', '', now()
                  FROM generate_series(%(first)s, %(last)s) g,
                       LATERAL (SELECT DATE '2026-03-01' + (g %% 31) AS d) day""",  # noqa: S608 - constants
                           {"client": client.pk, "warehouse": warehouse.pk, "carrier": carrier.pk,
                            "service": service.pk, "first": first, "last": last})
        cursor.execute("ANALYZE billing_billableevent")


def baseline_seconds(client) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""SELECT kind, event_date < '2026-03-16', count(*), sum(units * sign), sum(cost * sign)
                            FROM billing_billableevent WHERE client_id = %s AND event_date BETWEEN %s AND %s
                           GROUP BY 1, 2""", [client.pk, *MONTH])
        cursor.fetchall()
    return time.perf_counter() - started


def timed_build(client) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.services import invoice_draft

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        invoice = invoice_draft(client=client, period_start=MONTH[0], period_end=MONTH[1])
        seconds = time.perf_counter() - started
    if os.environ.get("BENCH_SHOW_SLOWEST"):
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
            print(f"  {query['time']} s  {query['sql'][:300]}")
    return seconds, len(queries), invoice


def main() -> int:
    reason = ensure_database(BENCH_URL)
    if reason:
        print(f"bench/billing.py skipped: {reason}. Start PostgreSQL or set DOCKHAND_BENCH_BILLING_DATABASE_URL.")
        return 0
    logging.disable(logging.WARNING)
    django_setup_empty(BENCH_URL)
    from billing.models import InvoiceLineEvent
    from billing.storage import storage_snapshot_take

    client, warehouse, carrier, service = build_world()
    started = time.perf_counter()
    bulk_stock(client, warehouse)
    print(f"stock: {STOCK_ROWS:,} stock rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    for day in range(MONTH[1].day):
        storage_snapshot_take(day=MONTH[0] + datetime.timedelta(days=day), from_ledger=True)
    nights = time.perf_counter() - started
    print(f"snapshots: 30 nights of {STOCK_ROWS:,} stock rows in {nights:.1f} s ({nights / 30:.2f} s a night)")

    small = ORDERS // 10
    bulk_events(client, warehouse, carrier, service, 1, small)
    timed_build(client)  # the first build creates the draft; both measured builds are rebuilds of it
    small_seconds, small_queries, _ = timed_build(client)
    bulk_events(client, warehouse, carrier, service, small + 1, ORDERS)
    baseline = baseline_seconds(client)
    seconds, queries, invoice = timed_build(client)
    links = InvoiceLineEvent.objects.filter(line__invoice=invoice).count()

    print(f"invoice, {small:,} orders: {small_seconds:.2f} s, {small_queries} SQL statements")
    print(f"invoice, {ORDERS:,} orders: {seconds:.2f} s, {queries} SQL statements, {invoice.lines.count()} lines, "
          f"{links:,} line-event links, total {invoice.currency} {invoice.total}")
    print(f"baseline (one GROUP BY over the same {2 * ORDERS:,} events): {baseline:.2f} s; "
          f"build / baseline = {seconds / baseline:.1f}x")
    ok = seconds < 10 and queries == small_queries
    print(f"targets: under 10 s {'met' if seconds < 10 else 'MISSED'}; statement count independent of orders "
          f"{'met' if queries == small_queries else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
