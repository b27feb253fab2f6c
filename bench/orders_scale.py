"""Does the order pipeline stay fast as the orders table grows? Routing and the order lists at 10,000 and at
1,000,000 orders, on PostgreSQL.

Each size has its own database (DOCKHAND_BENCH_ORDERS_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/dh_bench_orders, with the size appended: dh_bench_orders_10000,
dh_bench_orders_1000000; created if missing), its schema made by the app's migrations. It is loaded once
(BENCH_RELOAD=1 loads it again): the demo's two warehouses, two clients and their 64 products, four channels
per client, plenty of stock, the demo's rules, then with bulk INSERT ... SELECT generate_series a year of orders
(repeat customers, a few thousand real US ZIP codes, statuses by age: the last two days still open), 1-4 lines
each, their timelines, holds and webhook deliveries. Then, in one process per size:

(a) routing: BENCH_ROUTE_SAMPLE (30) new orders, each through orders.tasks.order_route_task (rules, the
    address/payment/fraud checks, routing and allocation), timed one by one; half of them are repeat
    customers. All of it is rolled back afterwards, so the data stay as loaded.
(b) lists: BENCH_REPEAT (20) requests of each list page and endpoint, through Django's test client as a
    manager, as a client user and with API tokens, with p50 and p95 and the number of SQL queries.

It prints both sizes side by side and the ratios (1M / 10k); flat routing is a ratio near 1. Without a
reachable PostgreSQL it says so and exits 0. BENCH_ORDERS_SMALL / BENCH_ORDERS_LARGE change the sizes.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgbench_db import ensure_database  # noqa: E402  (bench/ is sys.path[0])

BASE_URL = os.environ.get("DOCKHAND_BENCH_ORDERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dh_bench_orders")
SMALL = int(os.environ.get("BENCH_ORDERS_SMALL", "10000"))
LARGE = int(os.environ.get("BENCH_ORDERS_LARGE", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
ROUTE_SAMPLE = int(os.environ.get("BENCH_ROUTE_SAMPLE", "30"))
ZIP_POOL = 4000  # distinct ship-to ZIP codes
STOCK_PER_LEVEL = 1_000_000
RESULT_MARK = "RESULT "
US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
             "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY")


def database_url(size: int) -> str:
    return f"{BASE_URL}_{size}"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for name in ("celery", "kombu", "orders", "inventory", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)


# --- loading -------------------------------------------------------------------------------------------------

STATUS_BY_AGE = """
    CASE WHEN t.age_days > 7 THEN
           CASE WHEN t.r < 0.95 THEN 'delivered' WHEN t.r < 0.99 THEN 'cancelled' ELSE 'shipped' END
         WHEN t.age_days > 2 THEN
           CASE WHEN t.r < 0.60 THEN 'shipped' WHEN t.r < 0.95 THEN 'delivered' ELSE 'cancelled' END
         ELSE
           CASE WHEN t.r < 0.03 THEN 'received' WHEN t.r < 0.43 THEN 'allocated' WHEN t.r < 0.48 THEN 'backordered'
                WHEN t.r < 0.53 THEN 'on_hold' WHEN t.r < 0.63 THEN 'picking' WHEN t.r < 0.71 THEN 'picked'
                WHEN t.r < 0.81 THEN 'packed' ELSE 'shipped' END
    END"""

# The timeline of an order in each status (one event per step).
TIMELINES = {
    "received": ["received"],
    "allocated": ["received", "allocated"],
    "backordered": ["received", "backordered"],
    "on_hold": ["received", "on_hold"],
    "picking": ["received", "allocated", "picking"],
    "picked": ["received", "allocated", "picking", "picked"],
    "packed": ["received", "allocated", "picking", "packed"],
    "shipped": ["received", "allocated", "packed", "shipped"],
    "delivered": ["received", "allocated", "packed", "shipped", "delivered"],
    "cancelled": ["received", "cancelled"],
}


def ship_to_zips() -> list[tuple[int, str, str, str]]:
    """(index, ZIP, state, city) of ZIP_POOL active standard ZIP codes of the 50 states and DC."""
    import zipcodes

    states = set(US_STATES.split())
    rows = [z for z in zipcodes.list_all()
            if z["active"] and z["zip_code_type"] == "STANDARD" and z["state"] in states]
    step = max(len(rows) // ZIP_POOL, 1)
    return [(i, z["zip_code"], z["state"], z["city"]) for i, z in enumerate(rows[::step][:ZIP_POOL])]


def load_master_data():
    """Warehouses, clients and products as in the demo; channels, users, stock and rules (ORM, small)."""
    from demo.seed import DEMO_RULES, seed_clients_and_products, seed_users, seed_warehouses
    from inventory.models import Product
    from inventory.services import stock_receive
    from orders.choices import ChannelKind
    from orders.models import SalesChannel
    from orders.rules.services import rule_create
    from warehouses.choices import LocationKind

    warehouses = seed_warehouses()
    clients = seed_clients_and_products()
    seed_users(clients)
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    channels = []
    for client in clients.values():
        for kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE, ChannelKind.CSV, ChannelKind.API):
            channels.append(SalesChannel.objects.create(
                client=client, kind=kind, name=f"{client.name} {kind.label}",
                webhook_secret=f"bench-{client.code.lower()}-{kind}", store_url=""))
    for warehouse in warehouses:
        pick = list(warehouse.locations.filter(kind=LocationKind.PICK).order_by("walk_sequence"))
        for i, product in enumerate(Product.objects.order_by("client__code", "sku")):
            stock_receive(product=product, location=pick[i % len(pick)], quantity=STOCK_PER_LEVEL,
                          reference="BENCH", user=manager, reason="Bench stock")
    for name, client_code, position, active, conditions, actions in DEMO_RULES:
        rule_create(user=manager, name=name, client=clients.get(client_code) if client_code else None,
                    position=position, is_active=active, conditions=conditions, actions=actions)
    return list(clients.values()), warehouses, channels


def load(size: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    clients, warehouses, channels = load_master_data()
    zips = ship_to_zips()
    customers = max(size // 4, 10)
    params = {
        "n": size, "customers": customers, "zips": len(zips),
        "clients": [c.pk for c in clients], "warehouses": [w.pk for w in warehouses],
        "channels": [c.pk for c in channels],  # per client: shopify, woocommerce, csv, api
    }
    steps = []

    def step(label, sql, args=None):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.rowcount
        steps.append(f"{label} {rows:,} ({time.perf_counter() - t:.0f} s)")

    with transaction.atomic(), connection.cursor() as cursor:
        # The rows are made consistent here; skipping the per-row foreign-key triggers halves the load time.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("CREATE TEMP TABLE bench_zip (i int PRIMARY KEY, zip text, state text, city text) "
                       "ON COMMIT DROP")
        with cursor.cursor.copy("COPY bench_zip (i, zip, state, city) FROM STDIN") as copy:
            for row in zips:
                copy.write_row(row)
        cursor.execute("""
            CREATE TEMP TABLE bench_product ON COMMIT DROP AS
            SELECT row_number() OVER (PARTITION BY client_id ORDER BY sku) - 1 AS i,
                   count(*) OVER (PARTITION BY client_id) AS n, id, client_id, sku, name, unit_value
            FROM inventory_product""")
        step("orders", f"""
            INSERT INTO orders_order (
              id, created_at, updated_at, external_id, order_number, customer_name, customer_email, customer_phone,
              ship_name, ship_company, ship_address1, ship_address2, ship_city, ship_state, ship_postal_code,
              ship_country, requested_service_level, requested_shipping_method, currency, total_price, status,
              hold_reason, placed_at, received_at, client_id, parent_id, warehouse_id, channel_id, billing_country,
              box_type_code, carrier_code, customer_note, forced_warehouse_id, hold_until_date, payment_status,
              priority, service_code, tags)
            SELECT s.g, s.at, s.at, 'B' || s.g, '#' || (100000 + s.g), 'Customer ' || s.c,
                   CASE WHEN s.c %% 5 = 0 THEN 'Customer' || s.c || '@Example.com'
                        ELSE 'customer' || s.c || '@example.com' END,
                   '', 'Customer ' || s.c, '', (100 + s.c %% 9000) || ' Main St', '', z.city, z.state, z.zip, 'US',
                   'standard', '', 'USD', round((20 + s.r * 380)::numeric, 2), s.status,
                   CASE WHEN s.status = 'on_hold' THEN 'Held for review' ELSE '' END,
                   s.at - interval '5 minutes', s.at, (%(clients)s::bigint[])[1 + s.c %% 2], NULL,
                   CASE WHEN s.status IN ('allocated', 'picking', 'picked', 'packed', 'shipped', 'delivered')
                        THEN (%(warehouses)s::bigint[])[1 + s.g %% 2] END,
                   (%(channels)s::bigint[])[1 + (s.c %% 2) * 4 + s.g %% 4], '', '', '', '', NULL, NULL,
                   CASE WHEN s.g %% 4 < 2 THEN 'paid' ELSE '' END, 20, '', '[]'::jsonb
            FROM (
              SELECT t.*, {STATUS_BY_AGE} AS status
              FROM (SELECT g, now() - ((%(n)s - g)::float8 / %(n)s) * interval '365 days' AS at,
                           (%(n)s - g)::float8 / %(n)s * 365 AS age_days,
                           floor(power(random(), 2) * %(customers)s)::int AS c, random() AS r
                    FROM generate_series(1, %(n)s) g) t
            ) s
            JOIN bench_zip z ON z.i = s.c %% %(zips)s""", params)
        step("lines", """
            INSERT INTO orders_orderline (created_at, updated_at, sku, name, external_line_id, quantity, unit_price,
                                          order_id, product_id, is_insert)
            SELECT o.received_at, o.received_at, p.sku, p.name, '', 1 + (o.id + k) % 3, p.unit_value, o.id, p.id,
                   false
            FROM orders_order o
            CROSS JOIN LATERAL generate_series(1, 1 + (o.id * 7) % 4) k
            JOIN bench_product p ON p.client_id = o.client_id AND p.i = (o.id * 13 + k * 5) % p.n""")
        timeline = "CASE o.status " + " ".join(
            f"WHEN '{status}' THEN ARRAY[{', '.join(repr(s) for s in steps_)}]" for status, steps_ in TIMELINES.items()
        ) + " END"
        step("events", f"""
            INSERT INTO orders_orderevent (from_status, to_status, note, actor, created_at, order_id, user_id)
            SELECT coalesce(c.chain[k - 1], ''), c.chain[k], CASE WHEN k = 1 THEN 'Order received' ELSE '' END,
                   'bench', o.received_at + (k - 1) * interval '6 hours', o.id, NULL
            FROM orders_order o
            CROSS JOIN LATERAL (SELECT {timeline} AS chain) c
            CROSS JOIN LATERAL generate_series(1, array_length(c.chain, 1)) k""")
        step("holds", """
            INSERT INTO orders_hold (kind, reason, until_date, actor, released_at, release_note, created_at,
                                     updated_at, created_by_id, order_id, released_by_id, rule_id)
            SELECT (ARRAY['address', 'payment', 'fraud', 'manual'])[1 + o.id % 4], 'Held for review', NULL::date,
                   'bench', NULL::timestamptz, '', o.received_at, o.received_at, NULL::int, o.id, NULL::int,
                   NULL::bigint
            FROM orders_order o WHERE o.status = 'on_hold'
            UNION ALL
            SELECT (ARRAY['address', 'fraud'])[1 + o.id % 2], 'Held for review', NULL, 'bench',
                   o.received_at + interval '2 hours', 'Checked', o.received_at, o.received_at, NULL, o.id, NULL,
                   NULL
            FROM orders_order o WHERE o.id % 97 = 0 AND o.status <> 'on_hold'""")
        step("webhook deliveries", """
            INSERT INTO orders_webhookdelivery (created_at, updated_at, source, topic, delivery_id, event_id,
                headers, body, received_at, state, attempts, last_error, processed_at,
                external_id, channel_id, order_id)
            SELECT o.received_at, o.received_at, 'webhook', 'orders/create', 'd-' || o.id, '', '{}'::jsonb,
                   '{"id": ' || o.id || '}', o.received_at,
                   CASE WHEN o.id % 5001 = 0 THEN 'failed' ELSE 'processed' END, 1,
                   CASE WHEN o.id % 5001 = 0 THEN 'Timed out' ELSE '' END, o.received_at, o.external_id,
                   o.channel_id, o.id
            FROM orders_order o WHERE o.payment_status = 'paid'""")
        cursor.execute("SELECT setval(pg_get_serial_sequence('orders_order', 'id'), %s)", [size])
    with connection.cursor() as cursor:
        t = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now: visibility map and statistics
        steps.append(f"vacuum analyze ({time.perf_counter() - t:.0f} s)")
    print(f"  loaded {size:,} orders in {time.perf_counter() - started:.0f} s: " + ", ".join(steps), flush=True)


def loaded(size: int) -> bool:
    from orders.models import Order

    return Order.objects.filter(order_number=f"#{100000 + size}").exists() and Order.objects.count() == size


# --- measuring -------------------------------------------------------------------------------------------------

def route_sample(size: int) -> dict:
    """Create ROUTE_SAMPLE new orders and time order_route_task on each; roll everything back."""
    import random

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from demo.catalog import CLIENTS
    from inventory.models import Product
    from orders.choices import ChannelKind
    from orders.intake.creation import order_create
    from orders.models import Order, SalesChannel
    from orders.tasks import order_route_task

    rng = random.Random(7)
    zips = ship_to_zips()
    channels = list(SalesChannel.objects.filter(kind=ChannelKind.SHOPIFY).select_related("client"))
    client_index = {c["code"]: i for i, c in enumerate(CLIENTS)}  # the load gives customer c to client c % 2
    skus = {c.client_id: list(Product.objects.filter(client_id=c.client_id).values_list("sku", flat=True))
            for c in channels}
    customers = max(size // 4, 10)
    times, outcomes, slowest = [], {}, []
    with transaction.atomic():
        for n in range(ROUTE_SAMPLE + 3):  # the first three warm the caches and are not counted
            channel = channels[n % len(channels)]
            repeat = n % 2 == 0
            c = (rng.randrange(customers // 2) * 2 + client_index[channel.client.code] if repeat
                 else customers + n)
            email = f"CUSTOMER{c}@example.com" if repeat else f"new{n}@example.net"
            _, zip_code, state, city = zips[c % len(zips)]
            order = order_create(
                channel=channel, order_number=f"RT-{n}", external_id=f"rt-{n}",
                lines=[{"sku": sku, "quantity": 1} for sku in rng.sample(skus[channel.client_id], rng.randint(1, 3))],
                customer_name=f"Customer {c}", customer_email=email, ship_name=f"Customer {c}",
                ship_address1=f"{100 + c % 9000} Main St", ship_city=city, ship_state=state,
                ship_postal_code=zip_code, ship_country="US", payment_status="paid", actor="bench",
            )
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                outcome = order_route_task(order.pk)
                took = time.perf_counter() - started
            if n >= 3:
                times.append(took)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                slowest.extend((float(q["time"]), q["sql"][:160]) for q in ctx.captured_queries)
        assert Order.objects.filter(order_number__startswith="RT-").count() == ROUTE_SAMPLE + 3
        transaction.set_rollback(True)
    slowest.sort(reverse=True)
    top, seen = [], set()
    for seconds, sql in slowest:
        if sql[:80] not in seen:
            seen.add(sql[:80])
            top.append((seconds, sql))
        if len(top) == 3:
            break
    return {"mean": statistics.mean(times), "p50": statistics.median(times), "outcomes": outcomes,
            "queries": len(ctx.captured_queries), "slowest": top}


def list_cases() -> list[tuple[str, str, str, dict]]:
    from orders.choices import ChannelKind
    from orders.models import SalesChannel

    shop = SalesChannel.objects.filter(kind=ChannelKind.SHOPIFY).order_by("client__code").first()
    return [
        # label, who, url, params
        ("page /orders/", "manager", "/orders/", {}),
        ("page /orders/?status=allocated", "manager", "/orders/", {"status": "allocated"}),
        ("page /orders/?page=2", "manager", "/orders/", {"page": 2}),
        ("page /orders/?status=delivered (most rows)", "manager", "/orders/", {"status": "delivered"}),
        ("page /orders/?channel=<shopify>", "manager", "/orders/", {"channel": shop.pk}),
        ("page /orders/?received_from=<7 days>", "manager", "/orders/", {"received_from": "{week_ago}"}),
        ("page /orders/ (client user)", "client", "/orders/", {}),
        ("page /orders/?status=allocated (client)", "client", "/orders/", {"status": "allocated"}),
        ("api /orders/", "manager_api", "/api/v1/orders/", {}),
        ("api /orders/?status=allocated", "manager_api", "/api/v1/orders/", {"status": "allocated"}),
        ("api /orders/?page=2", "manager_api", "/api/v1/orders/", {"page": 2}),
        ("api /orders/?status=allocated&status=packed", "manager_api", "/api/v1/orders/",
         {"status": ["allocated", "packed"]}),
        ("api /orders/ (client token)", "client_api", "/api/v1/orders/", {}),
        ("api /orders/?status=allocated (client)", "client_api", "/api/v1/orders/", {"status": "allocated"}),
        ("page /orders/holds/", "manager", "/orders/holds/", {}),
        ("page /orders/holds/ (client user)", "client", "/orders/holds/", {}),
        ("api /holds/?open=true", "manager_api", "/api/v1/holds/", {"open": "true"}),
        ("page /orders/channels/", "manager", "/orders/channels/", {}),
        ("page /orders/channels/<shopify>/", "manager", f"/orders/channels/{shop.pk}/", {}),
    ]


def measure_lists() -> dict:
    import datetime

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    users = get_user_model().objects
    manager, client_user = users.get(username="manager"), users.get(username="cascade")
    agents = {}
    for who, user in (("manager", manager), ("client", client_user)):
        http = HttpClient()
        http.force_login(user)
        agents[who] = (http, {})
        token, _ = Token.objects.get_or_create(user=user)
        agents[f"{who}_api"] = (HttpClient(), {"HTTP_AUTHORIZATION": f"Token {token.key}"})
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    results = {}
    for label, who, url, params in list_cases():
        params = {k: (week_ago if v == "{week_ago}" else v) for k, v in params.items()}
        http, headers = agents[who]
        times = []
        for n in range(REPEAT + 2):  # two to warm up
            started = time.perf_counter()
            response = http.get(url, params, **headers)
            if n >= 2:
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            http.get(url, params, **headers)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results[label] = {"p50": statistics.median(times), "p95": p95, "queries": len(ctx)}
    return results


def run_size(size: int) -> int:
    url = database_url(size)
    reason = ensure_database(url)
    if reason:
        print(RESULT_MARK + json.dumps({"skip": reason}))
        return 0
    setup_django(url)
    if os.environ.get("BENCH_RELOAD") or not loaded(size):
        load(size)
    # The requests below run in this process, so it starts as a web worker does (config/wsgi.py, then
    # gunicorn.conf.py): views imported, then start-up's objects, the bench's own ZIP codes with them, set
    # aside from the garbage collector.
    ship_to_zips()
    from core.handlers import collector_settle, warm_up

    warm_up()
    collector_settle()
    result = {"size": size, "routing": route_sample(size), "lists": measure_lists()}
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


# --- the report ------------------------------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def main() -> int:
    reason = ensure_database(database_url(SMALL))
    if reason:
        print(f"SKIP orders scale bench: {reason}")
        return 0
    results = {}
    for size in (SMALL, LARGE):
        print(f"{size:,} orders (database {database_url(size).rsplit('/', 1)[1]}) ...", flush=True)
        proc = subprocess.run([sys.executable, __file__, "--size", str(size)], stdout=subprocess.PIPE, text=True,
                              check=False)
        for line in proc.stdout.splitlines():
            if line.startswith(RESULT_MARK):
                results[size] = json.loads(line[len(RESULT_MARK):])
            else:
                print(line)
        if proc.returncode or size not in results:
            print(f"the run at {size:,} orders failed (exit {proc.returncode})")
            return proc.returncode or 1
        if "skip" in results[size]:
            print(f"SKIP orders scale bench: {results[size]['skip']}")
            return 0
    small, large = results[SMALL], results[LARGE]
    s_label, l_label = f"{SMALL:,}", f"{LARGE:,}"
    print()
    print(f"routing per order (order_route_task: rules, hold checks, routing), {ROUTE_SAMPLE} new orders")
    print(f"  {s_label:>10} orders: mean {ms(small['routing']['mean'])} ms, median {ms(small['routing']['p50'])} ms "
          f"{small['routing']['outcomes']}")
    print(f"  {l_label:>10} orders: mean {ms(large['routing']['mean'])} ms, median {ms(large['routing']['p50'])} ms "
          f"{large['routing']['outcomes']}")
    print(f"  ratio {LARGE:,} / {SMALL:,}: {large['routing']['mean'] / small['routing']['mean']:.2f} (flat is 1)")
    print(f"  slowest queries at {l_label}: " + "; ".join(f"{s * 1000:.0f} ms {sql[:70]}"
                                                           for s, sql in large["routing"]["slowest"]))
    print()
    print(f"lists: {REPEAT} requests each (ms); target p95 under 150 ms at {l_label}")
    print(f"{'request':44} {s_label + ' p50':>11} {l_label + ' p50':>13} {l_label + ' p95':>13} {'ratio':>6} "
          f"{'queries':>8}")
    for label, row in large["lists"].items():
        base = small["lists"][label]
        flag = "" if row["p95"] < 0.150 else "  over 150 ms"
        print(f"{label:44} {ms(base['p50']):>11} {ms(row['p50']):>13} {ms(row['p95']):>13} "
              f"{row['p50'] / base['p50']:6.1f} {row['queries']:8d}{flag}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--size":
        sys.exit(run_size(int(sys.argv[2])))
    sys.exit(main())
