"""The order pipeline on the real production stack: signed webhooks in, routed orders out.

    .venv/bin/python bench/pipeline.py                  # 3 rounds of 300 orders
    .venv/bin/python bench/pipeline.py --orders 1000 --rounds 5 --senders 32

Starts the stack of tests/fakes/stack.py (gunicorn, a Celery worker, Celery beat, a private redis-server on a
free port, and a fresh PostgreSQL database `dh_bench_pipeline`, migrated and loaded with the demo; set
DOCKHAND_BENCH_PIPELINE_DATABASE_URL to change it), then runs --rounds paired rounds (3 by default) in that
one stack, each with N new orders, and measures in each, on one server:
  1. acknowledgement: N signed Shopify orders/create webhooks posted by 16 concurrent senders (threads, each
     with its own kept-alive connection): latency of the 200 answer, p50 / p95 / max;
  2. end to end: from the first post until every order has left `received` (allocated, backordered, on hold,
     split) and no delivery is pending or failed, timed to the last of those changes as written in the
     database (not to when the bench's poll noticed it): orders per second;
  3. baseline: the same orders, lines and first timeline events INSERTed with psycopg, one transaction per
     order, into the same database: orders per second.
It prints each round's rates and their ratio, then the median ratio (target: the pipeline at least 0.5× the
plain inserts) and the ack p95 over every round (target: under 300 ms), and the CPU per order of each process
and of the baseline (these compare across runs on a busy machine; the rates do not). Each baseline runs
straight after its round, so a burst of other load on this shared machine skews one round's ratio, not the
median. The first round starts with cold processes; later ones find them warm, as a peak finds a running
service. Without PostgreSQL or redis-server it says why and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.stack import IntakeReport, Posted, ProductionStack, percentile, stack_unavailable  # noqa: E402

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
    parser.add_argument("--rounds", type=int, default=3,
                        help="paired rounds in one stack, each N new webhooks then their baseline (default 3)")
    parser.add_argument("--senders", type=int, default=16, help="concurrent webhook senders (default 16)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8,
                        help="threads per gunicorn worker (default 8; 1 runs the sync worker, as gunicorn.conf.py does)")
    parser.add_argument("--celery-workers", type=int, default=1)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="jobs a worker claims at once (DOCKHAND_WORK_BATCH_SIZE; default the app's, 100)")
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


@dataclass
class Round:
    """One round: N webhooks through the pipeline, then the same orders as plain INSERTs straight after."""

    acked: list[float]
    refused: list[Posted]
    posting_seconds: float
    senders_cpu: float
    pipeline_seconds: float
    poll_lag: float
    report: IntakeReport
    cpu: dict[str, float]  # ms per order, by process group
    postgres_cpu: float  # ms per order
    baseline_seconds: float
    baseline_cpu: float  # ms per order
    baseline_postgres_cpu: float  # ms per order

    @property
    def ratio(self) -> float:
        """The pipeline's rate ÷ the baseline's, for the same N orders."""
        return self.baseline_seconds / self.pipeline_seconds


def round_run(stack: ProductionStack, args, seed: int) -> Round:
    n = args.orders
    hooks = stack.shopify_webhooks(n, seed=seed)
    cpu_before, pg_before = cpu_seconds(stack), postgres_cpu_seconds()
    began, senders_cpu = time.monotonic(), time.process_time()
    posted = stack.post_webhooks(hooks, concurrency=args.senders)
    senders_cpu = time.process_time() - senders_cpu
    first_post = min(p.started_at for p in posted)
    stack.wait_until(lambda s: s.intake_report(hooks).settled, timeout=args.timeout, interval=0.2)
    seen_at = time.monotonic()
    cpu_after, pg_after = cpu_seconds(stack), postgres_cpu_seconds()
    report = stack.intake_report(hooks)
    # The work ended when its last change was written, not when the poll above (every 0.2 s) noticed.
    settled_at = min(seen_at, last_change_at(stack, hooks) - (time.time() - time.monotonic()))
    baseline_seconds, cpu_baseline, pg_baseline = sql_baseline(stack, hooks)
    return Round(
        acked=[p.seconds for p in posted if p.status == 200], refused=[p for p in posted if p.status != 200],
        posting_seconds=max(p.started_at + p.seconds for p in posted) - began, senders_cpu=senders_cpu * 1000 / n,
        pipeline_seconds=settled_at - first_post, poll_lag=seen_at - settled_at,
        report=report,
        cpu={name: (cpu_after.get(name, 0.0) - cpu_before.get(name, 0.0)) * 1000 / n for name in cpu_after},
        postgres_cpu=(pg_after - pg_before) * 1000 / n, baseline_seconds=baseline_seconds,
        baseline_cpu=cpu_baseline * 1000 / n, baseline_postgres_cpu=pg_baseline * 1000 / n)


def round_print(number: int, result: Round, n: int) -> None:
    acked = result.acked
    print(f"  round {number}: end to end {n / result.pipeline_seconds:6.1f} orders/s ({result.pipeline_seconds:.2f} s, "
          f"{result.report.orders_by_status}); baseline {n / result.baseline_seconds:6.1f} orders/s "
          f"({result.baseline_seconds:.2f} s); ratio {result.ratio:.3f}×")
    if acked:
        p95 = percentile(acked, 0.95)
        print(f"    acknowledgement (POST → 200)  p50 {percentile(acked, 0.5) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms"
              f"   max {max(acked) * 1000:6.1f} ms;  posting took {result.posting_seconds:.1f} s; the poll saw the "
              f"end {result.poll_lag:.2f} s after it")
    if result.refused:
        first = result.refused[0]
        print(f"    NOT acknowledged: {len(result.refused)} webhooks (first: {first.status} {first.error[:100]})")
    print("    CPU per order  " + "   ".join(
        f"{name} {ms:.1f} ms" for name, ms in sorted(result.cpu.items()) if ms >= 0.05)
        + f"   PostgreSQL (all of the machine's) {result.postgres_cpu:.1f} ms   senders {result.senders_cpu:.1f} ms"
        + f";  baseline: psycopg {result.baseline_cpu:.1f} ms, PostgreSQL {result.baseline_postgres_cpu:.1f} ms")
    if not result.report.settled:
        print(f"    NOT SETTLED: {result.report}")


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

    n = args.orders
    print(f"Starting the stack (database {name}, logs in {workdir}) ...", flush=True)
    with stack:
        print(f"Order pipeline on the production stack: N={n} per round, {args.rounds} rounds, {args.senders} senders; "
              f"gunicorn {args.web_workers} workers × {args.web_threads} threads, Celery {args.celery_workers} "
              f"worker(s) × {args.celery_concurrency} processes, beat; PostgreSQL {name}; private Redis", flush=True)
        rounds = []
        for number in range(1, args.rounds + 1):
            rounds.append(round_run(stack, args, seed=2025 + number))
            round_print(number, rounds[-1], n)
        tasks = task_seconds(stack)
        restarts = list(stack.restarts)

    busiest = sorted(tasks.items(), key=lambda item: -item[1][0] * item[1][1])[:3]
    if busiest:  # from the workers' logs; absent when the pool processes log nothing
        print("  worker time, busiest tasks (every round)   " + "   ".join(
            f"{task.rsplit('.', 1)[-1]} {count} × {mean * 1000:.0f} ms" for task, (count, mean) in busiest))
    if restarts:
        print(f"  the supervisor restarted: {restarts}")
    acked = [seconds for result in rounds for seconds in result.acked]
    p95 = percentile(acked, 0.95) if acked else float("inf")
    ratios = sorted(result.ratio for result in rounds)
    ratio = statistics.median(ratios)
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  acknowledgement p95, every round   {p95 * 1000:.1f} ms   (target < {ACK_P95_TARGET * 1000:.0f} ms: "
          f"{'met' if p95 < ACK_P95_TARGET else 'MISSED'})")
    print(f"  pipeline ÷ baseline, median of {len(ratios)} paired rounds   {ratio:.3f}×   (rounds: "
          f"{', '.join(f'{r:.3f}' for r in ratios)}; target ≥ {RATIO_TARGET}×: "
          f"{'met' if ratio >= RATIO_TARGET and all(r.report.settled for r in rounds) else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
