"""Orders routed and allocated per second, with many concurrent workers, on PostgreSQL.

Two shapes of demand on one warehouse's stock:
- hot: every order takes 2 of 3 best-selling SKUs, so every worker queues for the same few rows;
- cold: every order takes 2 of 2,000 SKUs, so workers rarely meet.

Each shape runs twice on the same stock rows and the same worker processes: first the bare SQL a
reservation needs at least (lock the product's rows in pk order, UPDATE allocated, COMMIT), then
orders.routing.order_route (address placement, client rules, all warehouses' stock locked, the plan,
ledger rows, Allocation rows, the status change and its timeline entry). The ratio is what the
bookkeeping costs beyond the row updates.

Runs against its own database (default postgres://postgres@127.0.0.1:5432/dh_bench_alloc, created if
missing; set DOCKHAND_BENCH_ALLOC_DATABASE_URL to change it), which it empties first. Without a reachable
PostgreSQL it says so and exits 0. BENCH_WORKERS (default 8) and BENCH_ORDERS (default 400) tune it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgbench_db import django_setup_empty, ensure_database  # noqa: E402  (bench/ is sys.path[0])

BENCH_URL = os.environ.get("DOCKHAND_BENCH_ALLOC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dh_bench_alloc")
WORKERS = int(os.environ.get("BENCH_WORKERS", "8"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "400"))




def setup_django() -> None:
    django_setup_empty(BENCH_URL)


def build_scenario(name: str, *, skus: int, units_per_sku: int, orders: int, seed: int):
    """Create a warehouse pair, a client with `skus` products stocked at SLC, and `orders` received orders
    from Seattle of 2 distinct SKUs each. Returns (order ids, {order id: [(product id, qty)]})."""
    from decimal import Decimal

    from inventory.models import Client, Product
    from inventory.services import stock_receive
    from orders.choices import ChannelKind, OrderStatus
    from orders.models import Order, OrderLine, SalesChannel
    from warehouses.choices import LocationKind
    from warehouses.models import Location, Warehouse

    rng = random.Random(seed)
    slc, _ = Warehouse.objects.get_or_create(code="SLC", defaults=dict(
        name="Salt Lake City", address_line1="4300 W 2100 S", city="Salt Lake City", state="UT",
        postal_code="84120", latitude=Decimal("40.725190"), longitude=Decimal("-111.985870")))
    Warehouse.objects.get_or_create(code="NSH", defaults=dict(
        name="Nashville", address_line1="1500 Elm Hill Pike", city="Nashville", state="TN",
        postal_code="37210", latitude=Decimal("36.148740"), longitude=Decimal("-86.712610")))
    client = Client.objects.create(code=name.upper(), name=f"Bench {name}")
    channel = SalesChannel.objects.create(client=client, kind=ChannelKind.API, name=f"{name} API")
    products = Product.objects.bulk_create(
        [Product(client=client, sku=f"{name}-{i:05d}", name=f"{name} item {i}") for i in range(skus)])
    locations = Location.objects.bulk_create(
        [Location(warehouse=slc, code=f"{name}-{i:05d}", kind=LocationKind.PICK, walk_sequence=i)
         for i in range(skus)])
    for product, location in zip(products, locations, strict=True):
        stock_receive(product=product, location=location, quantity=units_per_sku, reference="BENCH")
    order_rows = Order.objects.bulk_create([
        Order(client=client, channel=channel, order_number=f"{name}-{n}", ship_name="Bench",
              ship_city="Seattle", ship_state="WA", ship_postal_code="98101", ship_country="US",
              status=OrderStatus.RECEIVED) for n in range(orders)])
    lines, plan = [], {}
    for order in order_rows:
        picked = rng.sample(products, 2)
        plan[order.pk] = [(p.pk, 1 + rng.randrange(2)) for p in picked]
        lines += [OrderLine(order=order, product=p, sku=p.sku, quantity=q)
                  for p, (_, q) in zip(picked, plan[order.pk], strict=True)]
    OrderLine.objects.bulk_create(lines)
    return [o.pk for o in order_rows], plan


# --- work done in the worker processes ------------------------------------------------------------

def _bare_sql(chunk: list[tuple[int, list[tuple[int, int]]]]) -> int:
    from django.db import connection, transaction

    done = 0
    for _order_id, wanted in chunk:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT id, product_id FROM inventory_stocklevel WHERE product_id = ANY(%s) "
                        "ORDER BY id FOR UPDATE", [[p for p, _ in wanted]])
            first_row = {}
            for row_id, product_id in cur.fetchall():
                first_row.setdefault(product_id, row_id)
            for product_id, quantity in wanted:
                cur.execute("UPDATE inventory_stocklevel SET allocated = allocated + %s WHERE id = %s",
                            [quantity, first_row[product_id]])
        done += 1
    connection.close()
    return done


def _route(chunk: list[tuple[int, list[tuple[int, int]]]]) -> int:
    from django.db import connection

    from orders.models import Order
    from orders.routing import order_route

    done = 0
    for order_id, _wanted in chunk:
        if order_route(order=Order(pk=order_id)).outcome == "allocated":
            done += 1
    connection.close()
    return done


def _run(pool, func, work) -> tuple[float, int]:
    chunks = [work[i::WORKERS] for i in range(WORKERS)]
    started = time.perf_counter()
    done = sum(pool.map(func, chunks))
    return time.perf_counter() - started, done


def main() -> int:
    reason = ensure_database(BENCH_URL)
    if reason:
        print(f"bench/allocation.py skipped: {reason}. Start PostgreSQL or set DOCKHAND_BENCH_ALLOC_DATABASE_URL.")
        return 0
    setup_django()
    from django.db import connections, transaction
    from django.db.models import Sum

    from inventory.models import StockLevel
    from inventory.signals import stock_available_increased

    scenarios = [
        ("hot", dict(skus=3, units_per_sku=ORDERS * 2, orders=ORDERS, seed=1)),
        ("cold", dict(skus=2000, units_per_sku=50, orders=ORDERS, seed=2)),
    ]
    # Setting up is not what is measured: one transaction, and no backorder sweep after every receipt.
    stock_available_increased.disconnect(dispatch_uid="orders.allocate_backorders_on_arrival")
    with transaction.atomic():
        built = {name: build_scenario(name, **params) for name, params in scenarios}
    logging.getLogger("celery").setLevel(logging.WARNING)
    connections.close_all()  # each forked worker opens its own connection
    ctx = multiprocessing.get_context("fork")
    print(f"PostgreSQL {BENCH_URL.rsplit('/', 1)[-1]}: {ORDERS} orders of 2 lines per scenario, "
          f"{WORKERS} worker processes, {os.cpu_count()} CPUs")
    print(f"{'scenario':<8} {'bare SQL orders/s':>18} {'routed orders/s':>16} {'ratio':>7}  check")
    with ctx.Pool(WORKERS) as pool:
        for name, _ in scenarios:
            ids, plan = built[name]
            work = [(order_id, plan[order_id]) for order_id in ids]
            sql_seconds, sql_done = _run(pool, _bare_sql, work)
            StockLevel.objects.filter(product__client__code=name.upper()).update(allocated=0)
            connections.close_all()
            route_seconds, routed = _run(pool, _route, work)
            units = sum(q for wanted in plan.values() for _, q in wanted)
            allocated = StockLevel.objects.filter(product__client__code=name.upper()).aggregate(
                n=Sum("allocated"))["n"]
            connections.close_all()
            ok = routed == len(ids) and allocated == units and sql_done == len(ids)
            print(f"{name:<8} {sql_done / sql_seconds:>18,.0f} {routed / route_seconds:>16,.0f} "
                  f"{(sql_done / sql_seconds) / (routed / route_seconds):>6.1f}×  "
                  f"{'ok' if ok else 'MISMATCH'}: {routed}/{len(ids)} allocated, {allocated}/{units} units")
            if not ok:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
