"""The order pipeline on the real production stack: signed webhooks in, routed orders out.

    .venv/bin/python bench/pipeline.py                  # 300 orders
    .venv/bin/python bench/pipeline.py --orders 1000 --senders 32

Starts the stack of tests/fakes/stack.py (gunicorn, a Celery worker, Celery beat, a private redis-server on a
free port, and a fresh PostgreSQL database `dh_bench_pipeline`, migrated and loaded with the demo; set
DOCKHAND_BENCH_PIPELINE_DATABASE_URL to change it), then measures, in one run on one server:
  1. acknowledgement: N signed Shopify orders/create webhooks posted by 16 concurrent senders (threads, each
     with its own kept-alive connection): latency of the 200 answer, p50 / p95 / max;
  2. end to end: from the first post until every order has left `received` (allocated, backordered, on hold,
     split) and no delivery is pending or failed, timed to the last of those changes as written in the
     database (not to when the bench's poll noticed it): orders per second;
  3. baseline: the same orders, lines and first timeline events INSERTed with psycopg, one transaction per
     order, into the same database: orders per second.
It prints both rates and their ratio (target: the pipeline at least 0.5× the plain inserts) and the ack p95
(target: under 300 ms), and the CPU per order of each process and of the baseline (these compare across runs
on a busy machine; the rates do not). Without PostgreSQL or redis-server it says why and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.stack import ProductionStack, percentile, stack_unavailable  # noqa: E402

BENCH_URL = os.environ.get("DOCKHAND_BENCH_PIPELINE_DATABASE_URL",
                           "postgres://postgres@127.0.0.1:5432/dh_bench_pipeline")
ACK_P95_TARGET = 0.300
RATIO_TARGET = 0.5


def setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_PIPELINE_ORDERS", "300")))
    parser.add_argument("--senders", type=int, default=16, help="concurrent webhook senders (default 16)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--celery-workers", type=int, default=1)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="jobs a worker claims at once (DOCKHAND_WORK_BATCH_SIZE; default the app's, 250)")
    parser.add_argument("--publish-linger-ms", type=int, default=None,
                        help="how long a web process gathers committed jobs into one message "
                             "(DOCKHAND_WORK_PUBLISH_LINGER_MS; default the app's, 250)")
    parser.add_argument("--env", action="append", type=setting, default=[], metavar="NAME=VALUE",
                        help="a setting for the stack's processes, e.g. DATABASE_PREPARED_STATEMENTS=false (repeatable)")
    parser.add_argument("--timeout", type=float, default=600.0, help="longest wait for the orders to settle")
    parser.add_argument("--keep", action="store_true", help="keep the database and the processes' logs")
    return parser.parse_args()


def sql_baseline(stack: ProductionStack, hooks) -> tuple[float, float, float]:
    """INSERT the same orders, lines and first events with psycopg, one transaction per order; seconds taken,
    CPU seconds this process spent on it, and CPU seconds of PostgreSQL meanwhile."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from orders.intake import mapping
    from orders.models import Order, OrderEvent, OrderLine

    channel = stack.shopify_channel()
    products = dict(stack.query("SELECT sku, id FROM inventory_product WHERE client_id = %s",
                                [channel["client_id"]]))
    intakes = [mapping.shopify_order(json.loads(hook.body)) for hook in hooks]
    quote = connection.ops.quote_name

    def insert(model, returning: bool):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        return fields, sql + (f" RETURNING {quote(model._meta.pk.column)}" if returning else "")

    def values(fields, given: dict) -> list:
        # Django's own adaptation (Decimal, JSON, defaults), so the rows are what the ORM would write
        return [f.get_db_prep_save(given.get(f.attname, f.get_default()), connection) for f in fields]

    order_fields, order_sql = insert(Order, True)
    line_fields, line_sql = insert(OrderLine, False)
    event_fields, event_sql = insert(OrderEvent, False)
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        started, cpu, postgres = time.perf_counter(), time.process_time(), postgres_cpu_seconds()
        for intake in intakes:
            now = timezone.now()
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(order_sql, values(order_fields, {
                    **intake.fields, "client_id": channel["client_id"], "channel_id": channel["id"],
                    "external_id": f"sql-{intake.external_id}", "order_number": intake.order_number,
                    "status": "received", "received_at": now, "created_at": now, "updated_at": now}))
                order_id = cursor.fetchone()[0]
                cursor.executemany(line_sql, [values(line_fields, {
                    **line.as_dict(), "order_id": order_id, "product_id": products.get(line.sku),
                    "created_at": now, "updated_at": now}) for line in intake.lines])
                cursor.execute(event_sql, values(event_fields, {
                    "order_id": order_id, "from_status": "", "to_status": "received", "note": "Order received",
                    "actor": "bench", "created_at": now}))
        # read while the connection is open: its server process's CPU goes with it when it ends
        return time.perf_counter() - started, time.process_time() - cpu, postgres_cpu_seconds() - postgres


def cpu_seconds(stack: ProductionStack) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each process group of the stack (web, workers, beat)."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = {p.popen.pid: name for name, p in stack.processes.items() if p.popen is not None}
    used: dict[str, float] = dict.fromkeys(groups.values(), 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        pgid = int(fields[2])
        if pgid in groups:  # utime, stime, and the children it waited for
            used[groups[pgid]] += sum(int(v) for v in fields[11:15]) / tick
    return used


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL process on the machine (other users' queries count too)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.split(" (", 1)[1].startswith("postgres"):
            total += sum(int(v) for v in stat.rsplit(")", 1)[1].split()[11:13]) / tick
    return total


def task_seconds(stack: ProductionStack) -> dict[str, tuple[int, float]]:
    """Per task name: how many ran and their mean duration, from the workers' "succeeded in" log lines."""
    import re

    seen: dict[str, list[float]] = {}
    for name in stack.processes:
        if name.startswith("worker"):
            for task, seconds in re.findall(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s",
                                            (stack.workdir / f"{name}.log").read_text(errors="replace")):
                seen.setdefault(task, []).append(float(seconds))
    return {task: (len(times), sum(times) / len(times)) for task, times in seen.items()}


def last_change_at(stack: ProductionStack, hooks) -> float:
    """When the last of these orders and their deliveries was last written (seconds since the epoch)."""
    ids = [str(hook.order_id) for hook in hooks]
    channel_id = stack.shopify_channel()["id"]
    (orders,), = stack.query("SELECT extract(epoch FROM max(updated_at)) FROM orders_order WHERE channel_id = %s "
                             "AND external_id = ANY(%s)", [channel_id, ids])
    (deliveries,), = stack.query("SELECT extract(epoch FROM max(processed_at)) FROM orders_webhookdelivery "
                                 "WHERE channel_id = %s AND external_id = ANY(%s)", [channel_id, ids])
    return float(max(orders or 0, deliveries or 0))


def main() -> int:
    args = arguments()
    reason = stack_unavailable(BENCH_URL)
    if reason:
        print(f"bench/pipeline.py skipped: {reason}")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="dockhand-pipeline-"))
    name = BENCH_URL.rpartition("/")[2]
    stack = ProductionStack(
        workdir=workdir, database_url=BENCH_URL, database_name=name, use_template=False,
        web_workers=args.web_workers, web_threads=args.web_threads, celery_workers=args.celery_workers,
        celery_concurrency=args.celery_concurrency, sweep_seconds=60.0, keep_database=args.keep,
        extra_env={name: str(value) for name, value in (("DOCKHAND_WORK_BATCH_SIZE", args.batch_size),
                                                        ("DOCKHAND_WORK_PUBLISH_LINGER_MS", args.publish_linger_ms))
                   if value is not None} | dict(args.env))
    # this process reads the same database through Django's models (the mapping and the baseline's columns)
    os.environ["DATABASE_URL"] = stack.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

    print(f"Starting the stack (database {name}, logs in {workdir}) ...", flush=True)
    with stack:
        hooks = stack.shopify_webhooks(args.orders, seed=2026)
        cpu_before, pg_before = cpu_seconds(stack), postgres_cpu_seconds()
        began, senders_cpu = time.monotonic(), time.process_time()
        posted = stack.post_webhooks(hooks, concurrency=args.senders)
        senders_cpu = time.process_time() - senders_cpu
        first_post = min(p.started_at for p in posted)
        acked = [p.seconds for p in posted if p.status == 200]
        refused = [p for p in posted if p.status != 200]
        stack.wait_until(lambda s: s.intake_report(hooks).settled, timeout=args.timeout, interval=0.2)
        seen_at = time.monotonic()
        cpu_after, pg_after = cpu_seconds(stack), postgres_cpu_seconds()
        report = stack.intake_report(hooks)
        # The work ended when its last change was written, not when the poll above (every 0.2 s) noticed.
        settled_at = min(seen_at, last_change_at(stack, hooks) - (time.time() - time.monotonic()))
        pipeline_seconds = settled_at - first_post
        baseline_seconds, cpu_baseline, pg_baseline = sql_baseline(stack, hooks)
        tasks = task_seconds(stack)

    n = args.orders
    pipeline_rate, baseline_rate = n / pipeline_seconds, n / baseline_seconds
    ratio = pipeline_rate / baseline_rate
    p95 = percentile(acked, 0.95) if acked else float("inf")
    print(f"Order pipeline on the production stack: N={n}, {args.senders} senders; gunicorn {args.web_workers} "
          f"workers × {args.web_threads} threads, Celery {args.celery_workers} worker(s) × "
          f"{args.celery_concurrency} processes, beat; PostgreSQL {name}; private Redis; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if acked:
        print(f"  acknowledgement (POST → 200)       p50 {percentile(acked, 0.5) * 1000:7.1f} ms   "
              f"p95 {p95 * 1000:7.1f} ms   max {max(acked) * 1000:7.1f} ms   "
              f"(target p95 < {ACK_P95_TARGET * 1000:.0f} ms: {'met' if p95 < ACK_P95_TARGET else 'MISSED'})")
    if refused:
        print(f"  NOT acknowledged: {len(refused)} webhooks (first: {refused[0].status} {refused[0].error[:100]})")
    print(f"  posting took {max(p.started_at + p.seconds for p in posted) - began:.1f} s; the senders (this process, "
          f"on the same 2 CPUs) used {senders_cpu * 1000 / n:.1f} ms of CPU per order")
    print(f"  end to end (first post → last order routed) {n} orders in {pipeline_seconds:6.2f} s = "
          f"{pipeline_rate:7.1f} orders/s   {report.orders_by_status}   (the poll saw it "
          f"{seen_at - settled_at:.2f} s later)")
    cpu = {name: (cpu_after.get(name, 0.0) - cpu_before.get(name, 0.0)) * 1000 / n for name in cpu_after}
    print("  CPU per order (first post → all routed)  " + "   ".join(
        f"{name} {ms:.1f} ms" for name, ms in sorted(cpu.items()) if ms >= 0.05)
        + f"   PostgreSQL (all of the machine's) {(pg_after - pg_before) * 1000 / n:.1f} ms"
        + f"   = {sum(cpu.values()) + (pg_after - pg_before) * 1000 / n:.1f} ms on {os.cpu_count()} CPUs;"
        + f" the baseline's wall time per order: {baseline_seconds * 1000 / n:.1f} ms")
    busiest = sorted(tasks.items(), key=lambda item: -item[1][0] * item[1][1])[:3]
    if busiest:  # from the workers' logs; absent when the pool processes log nothing
        print("  worker time, busiest tasks         " + "   ".join(
            f"{task.rsplit('.', 1)[-1]} {count} × {mean * 1000:.0f} ms" for task, (count, mean) in busiest))
    if stack.restarts:
        print(f"  the supervisor restarted: {stack.restarts}")
    if not report.settled:
        print(f"  NOT SETTLED after {args.timeout:.0f} s: {report}")
    print(f"  baseline (psycopg INSERTs, 1 tx/order) {n} orders in {baseline_seconds:6.2f} s = "
          f"{baseline_rate:7.1f} orders/s")
    print(f"  baseline CPU per order             client (psycopg) {cpu_baseline * 1000 / n:.1f} ms   PostgreSQL (all "
          f"of the machine's) {pg_baseline * 1000 / n:.1f} ms")
    print(f"  pipeline ÷ baseline                {ratio:.3f}×   (target ≥ {RATIO_TARGET}×: "
          f"{'met' if ratio >= RATIO_TARGET else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
