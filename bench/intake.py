"""Order intake benchmark: N signed Shopify webhooks through the real HTTP path, then processed.

    .venv/bin/python bench/intake.py            # N=200 on a throw-away SQLite database
    BENCH_INTAKE_ORDERS=1000 DATABASE_URL=postgres://.../dh_bench .venv/bin/python bench/intake.py

Three figures, all in one run on the same machine and database:
  1. acknowledge: POST /webhooks/shopify/<id>/ through Django's full request stack (URL routing, middleware,
     HMAC check, the delivery and its durable job INSERTed) with the broker hand-off in the background, as in
     production;
  2. process: the stored deliveries turned into routed, allocated orders by the sweep's batches (the same
     code a worker runs);
  3. end to end: webhook in, allocated order out, with Celery eager (the demo's mode);
next to a baseline that INSERTs the same orders, lines and first timeline events with plain SQL, one
transaction per order. Use a database of its own: the script migrates it and writes test data.
bench/pipeline.py measures the same on the production stack (gunicorn, a Celery worker, Redis).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.NamedTemporaryFile(prefix="dockhand-bench-", suffix=".sqlite3", delete=False)
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.disable(logging.INFO)  # Celery's per-task "succeeded" lines

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from core.tasks import job_run_task  # noqa: E402
from core.work import jobs_sweep, wait_for_dispatches  # noqa: E402
from inventory.models import (  # noqa: E402
    Client,
    Product,
    StockLevel,  # noqa: E402
)
from orders.choices import ChannelKind, DeliveryState  # noqa: E402
from orders.intake import mapping  # noqa: E402
from orders.intake.simulator import webhooks  # noqa: E402
from orders.models import Order, OrderEvent, OrderLine, SalesChannel, WebhookDelivery  # noqa: E402
from warehouses.models import Location, Warehouse  # noqa: E402

N = int(os.environ.get("BENCH_INTAKE_ORDERS", "200"))


def setup():
    call_command("migrate", verbosity=0)
    client, _ = Client.objects.get_or_create(code="BENCH", defaults={"name": "Bench Goods"})
    warehouse, _ = Warehouse.objects.get_or_create(code="BSLC", defaults={
        "name": "Bench Salt Lake City", "city": "Salt Lake City", "state": "UT", "postal_code": "84104",
        "country": "US", "latitude": 40.75, "longitude": -111.95})
    bin_, _ = Location.objects.get_or_create(warehouse=warehouse, code="A-01-01-A", defaults={"kind": "pick"})
    for i in range(40):
        product, _ = Product.objects.get_or_create(client=client, sku=f"BENCH-{i:03d}",
                                                   defaults={"name": f"Bench item {i}"})
        StockLevel.objects.get_or_create(product=product, location=bin_, defaults={"on_hand": 1_000_000})
    channel, _ = SalesChannel.objects.get_or_create(client=client, kind=ChannelKind.SHOPIFY, name="Bench shop",
                                                    defaults={"webhook_secret": "bench-secret"})
    return channel, list(client.products.values_list("sku", flat=True))


def post_all(http, channel, batch) -> float:
    url = f"/webhooks/shopify/{channel.pk}/"
    started = time.perf_counter()
    for webhook in batch:
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in webhook.headers.items()
                   if k != "Content-Type"}
        response = http.post(url, data=webhook.body, content_type="application/json", **headers)
        assert response.status_code == 200, response.content
    return time.perf_counter() - started


def sql_baseline(channel, batch) -> float:
    """The same orders, lines and first events, as plain INSERTs (one transaction per order)."""
    import json

    intakes = [mapping.shopify_order(json.loads(w.body)) for w in batch]
    for intake in intakes:
        intake.external_id = f"sql-{intake.external_id}"
    order_fields = [f for f in Order._meta.concrete_fields if not f.primary_key]
    line_fields = [f for f in OrderLine._meta.concrete_fields if not f.primary_key]
    event_fields = [f for f in OrderEvent._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name

    def insert_sql(model, fields, returning=True):
        cols = ", ".join(table(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        tail = f" RETURNING {table(model._meta.pk.column)}" if returning else ""
        return f"INSERT INTO {table(model._meta.db_table)} ({cols}) VALUES ({marks}){tail}"

    order_sql, line_sql = insert_sql(Order, order_fields), insert_sql(OrderLine, line_fields, False)
    event_sql = insert_sql(OrderEvent, event_fields, False)

    def prep(fields, values):
        return [f.get_db_prep_save(values.get(f.attname, f.get_default()), connection) for f in fields]

    started = time.perf_counter()
    for intake in intakes:
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(order_sql, prep(order_fields, {
                **intake.fields, "client_id": channel.client_id, "channel_id": channel.pk,
                "external_id": intake.external_id, "order_number": intake.order_number, "status": "received",
                "received_at": now, "created_at": now, "updated_at": now}))
            order_id = cursor.fetchone()[0]
            cursor.executemany(line_sql, [prep(line_fields, {
                **line.as_dict(), "order_id": order_id, "product_id": None, "created_at": now, "updated_at": now})
                for line in intake.lines])
            cursor.execute(event_sql, prep(event_fields, {
                "order_id": order_id, "from_status": "", "to_status": "received", "note": "Order received",
                "actor": "bench", "created_at": now}))
    return time.perf_counter() - started


def main():
    channel, skus = setup()
    rng = random.Random(2026)
    http = HttpClient()
    rows = []

    # 1 + 2: production mode, the broker dispatch in the background (a no-op publish here), then processing
    batch = webhooks(count=N, skus=skus, secret=channel.webhook_secret, rng=rng, bad_share=0.0,
                     first_id=7_000_000_000_000, first_number=100_000)
    celery_app.conf.task_always_eager = False
    job_run_task.apply_async = lambda *a, **k: None
    ack = post_all(http, channel, batch)
    wait_for_dispatches(30)
    celery_app.conf.task_always_eager = True
    del job_run_task.apply_async
    started = time.perf_counter()
    processed = jobs_sweep(now=timezone.now() + timezone.timedelta(minutes=1), budget_seconds=3600)
    process = time.perf_counter() - started
    assert processed == N, processed
    rows.append(("webhook acknowledged (stored, 200)", N, ack))
    rows.append(("stored delivery to allocated order", N, process))

    # 3: end to end with Celery eager
    batch = webhooks(count=N, skus=skus, secret=channel.webhook_secret, rng=rng, bad_share=0.0,
                     first_id=8_000_000_000_000, first_number=300_000)
    end_to_end = post_all(http, channel, batch)
    rows.append(("webhook in, allocated order out (eager)", N, end_to_end))

    # baseline
    baseline = sql_baseline(channel, batch)
    rows.append(("baseline: plain SQL INSERT of the same rows", N, baseline))

    done = WebhookDelivery.objects.filter(channel=channel, state=DeliveryState.PROCESSED).count()
    assert done == 2 * N, done
    assert Order.objects.filter(channel=channel).count() == 3 * N
    assert Order.objects.filter(channel=channel, status="allocated").count() == 2 * N
    print(f"Order intake benchmark, N={N}, database={connection.vendor}")
    print(f"{'step':<46} {'orders':>7} {'seconds':>8} {'orders/s':>9} {'vs SQL':>7}")
    for label, count, seconds in rows:
        print(f"{label:<46} {count:>7} {seconds:>8.2f} {count / seconds:>9.1f} {baseline / seconds:>7.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if _tmp is not None:
            os.unlink(_tmp.name)
