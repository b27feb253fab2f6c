"""Orders per second on one hot SKU: 32 threads routing orders through the routing job against the bare row update.

Every order takes 1 unit of the same SKU, held at one pick location, so every worker queues for the same
stock row and the throughput is set by how long each transaction holds that row's lock. Two runs on the
same PostgreSQL, same threads (each with its own connection):

- bare: `UPDATE inventory_stocklevel SET allocated = allocated + 1 WHERE id = …` (it takes the row lock),
  COMMIT, one transaction per order: what a reservation needs at least;
- routed: the production path of a `received` order. Each order has its durable routing job (as order_create
  leaves it), and each thread is a worker: `core.work.job_run` claims a batch of due jobs (SKIP LOCKED) and
  runs the routing job's batch handler, orders.processing.orders_received_process (the orders locked, rules
  and hold checks, placement, the stock rows locked once per batch, the plans, ledger rows, allocations,
  status changes and timeline entries, in one transaction), until no job is left.

The routed run has THREADS fewer units than orders, so the last orders must backorder: afterwards the
bench checks that nothing was oversold (allocated <= on hand, allocations sum to allocated, the ledger's
ALLOCATE rows agree, exactly as many orders allocated as there were units) and that no worker hit a deadlock.

Two figures say what limits each run. "Row held" is the mean time from the return of the statement that
locks the hot row to the end of the commit: 1000 / that is the most orders per second any number of workers can get.
"CPU per order" is this process's CPU time per routed order, measured first on one thread (SERIAL orders):
the threads share one interpreter lock, so 1000 / that is their ceiling too, however short the row hold.

Runs against its own database (default postgres://postgres@127.0.0.1:5432/dh_bench_hot, created if
missing; DOCKHAND_BENCH_HOT_DATABASE_URL changes it), which it empties first. Without a reachable
PostgreSQL it says so and exits 0. BENCH_THREADS (default 32), BENCH_ORDERS (default 2000) and
BENCH_SERIAL (default 200) tune it; DOCKHAND_WORK_BATCH_SIZE (default 100) is the jobs a worker claims at once.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgbench_db import django_setup_empty, ensure_database  # noqa: E402  (bench/ is sys.path[0])

BENCH_URL = os.environ.get("DOCKHAND_BENCH_HOT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dh_bench_hot")
THREADS = int(os.environ.get("BENCH_THREADS", "32"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "2000"))
SERIAL = int(os.environ.get("BENCH_SERIAL", "200"))


def setup_django() -> None:
    django_setup_empty(BENCH_URL)


def build(*, orders: int, units: int):
    """A warehouse, a client, the hot SKU with `units` at one pick face, a bare row with `orders` units, and
    `orders` received orders from Seattle for 1 unit each. Returns (hot level id, bare level id, order ids)."""
    from inventory.models import Client, Product, StockLevel
    from inventory.services import stock_receive
    from orders.choices import ChannelKind, OrderStatus
    from orders.models import Order, OrderLine, SalesChannel
    from warehouses.choices import LocationKind
    from warehouses.models import Location, Warehouse

    slc = Warehouse.objects.create(
        code="SLC", name="Salt Lake City", address_line1="4300 W 2100 S", city="Salt Lake City", state="UT",
        postal_code="84120", latitude=Decimal("40.725190"), longitude=Decimal("-111.985870"))
    client = Client.objects.create(code="HOT", name="Bench hot SKU")
    channel = SalesChannel.objects.create(client=client, kind=ChannelKind.API, name="Hot API")
    hot, bare = Product.objects.bulk_create([Product(client=client, sku="HOT-1", name="Hot item"),
                                             Product(client=client, sku="BARE-1", name="Bare row")])
    pick, bare_bin = Location.objects.bulk_create([
        Location(warehouse=slc, code="P-01", kind=LocationKind.PICK, walk_sequence=1),
        Location(warehouse=slc, code="P-02", kind=LocationKind.PICK, walk_sequence=2)])
    stock_receive(product=hot, location=pick, quantity=units, reference="BENCH")
    stock_receive(product=bare, location=bare_bin, quantity=orders, reference="BENCH")
    rows = Order.objects.bulk_create([
        Order(client=client, channel=channel, order_number=f"HOT-{n}", ship_name="Bench", ship_address1="1 Pike St",
              ship_city="Seattle",
              ship_state="WA", ship_postal_code="98101", ship_country="US", status=OrderStatus.RECEIVED)
        for n in range(orders)])
    OrderLine.objects.bulk_create([OrderLine(order=o, product=hot, sku=hot.sku, quantity=1) for o in rows])
    return (StockLevel.objects.get(product=hot).pk, StockLevel.objects.get(product=bare).pk,
            [o.pk for o in rows])


class RowHoldTimer:
    """Times each transaction from its first statement that locks the hot SKU's stock row to its commit."""

    def __init__(self) -> None:
        self.holds: list[float] = []
        self.local = threading.local()

    def new_transaction(self) -> None:
        self.local.started = None

    def _committed(self, started: float) -> None:
        self.holds.append(time.perf_counter() - started)
        self.local.started = None  # a worker's next transaction (it runs several) is timed afresh

    def __call__(self, execute, sql, params, many, context):
        from django.db import transaction

        result = execute(sql, params, many, context)
        if getattr(self.local, "started", None) is None and "inventory_stocklevel" in sql and (
                "FOR UPDATE" in sql or sql.lstrip().upper().startswith("UPDATE")):
            self.local.started = time.perf_counter()  # the statement has returned: the lock is ours
            transaction.on_commit(partial(self._committed, self.local.started))
        return result

    def mean_ms(self) -> float:
        return 1000 * statistics.fmean(self.holds) if self.holds else float("nan")


def run_threads(work: list, job, *, threads: int = THREADS) -> tuple[float, list, list[BaseException], RowHoldTimer]:
    """Run job(item) for every item on `threads` threads started together, each with its own connection;
    return the seconds, the results, the errors and the row hold times."""
    from django.db import connection, connections

    barrier = threading.Barrier(threads)
    timer = RowHoldTimer()
    results: list = []
    errors: list[BaseException] = []

    def worker(chunk: list) -> None:
        try:
            connection.ensure_connection()  # connecting is not what is measured
            barrier.wait(timeout=60)
            with connection.execute_wrapper(timer):
                for item in chunk:
                    timer.new_transaction()
                    try:
                        results.append(job(item))
                    except Exception as exc:  # counted and reported, not raised from the thread
                        errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker, args=(work[i::threads],)) for i in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return time.perf_counter() - started, results, errors, timer


def bare_update(level_id: int):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_stocklevel SET allocated = allocated + 1 WHERE id = %s", [level_id])
    return "allocated"


def jobs_queue(order_ids: list[int]) -> None:
    """Give each order its routing job, as order_create does for a received order (the broker away)."""
    from django.utils import timezone

    from core.models import Job
    from orders.tasks import order_route_task

    now = timezone.now()
    Job.objects.bulk_create([Job(task=order_route_task.name, object_id=pk, run_after=now, created_at=now)
                             for pk in order_ids])


def route_worker(_slot: int) -> int:
    """Be a routing worker: claim batches of due routing jobs and run them until none is left."""
    from core.work import job_run
    from orders.tasks import order_route_task

    done = 0
    while claimed := job_run(order_route_task.name):
        done += claimed
    return done


def warm_up() -> None:
    """What a long-lived worker process has done once before: load the tasks and the offline ZIP table, and
    set start-up's objects aside from the garbage collector (config/celery.py, as a pool process starts)."""
    from core.handlers import collector_settle
    from warehouses.geo import address_place

    route_worker(0)  # no job is due yet: this only loads the tasks
    address_place(country="US", state="WA", postal_code="98101")
    collector_settle()


def outcomes_of(order_ids: list[int]) -> list[str]:
    from orders.models import Order

    return list(Order.objects.filter(pk__in=order_ids).values_list("status", flat=True))


def check(*, level_id: int, units: int, outcomes: list[str], errors: list[BaseException]) -> list[str]:
    """What went wrong in the routed run (empty when nothing did)."""
    from django.db.models import Sum

    from inventory.choices import MovementKind
    from inventory.models import StockLevel, StockMovement
    from orders.models import Allocation

    problems = []
    deadlocks = [e for e in errors if "deadlock" in str(e).lower()]
    if deadlocks:
        problems.append(f"{len(deadlocks)} deadlocks")
    if errors:
        problems.append(f"{len(errors)} errors, first: {errors[0]!r}")
    level = StockLevel.objects.get(pk=level_id)
    if not 0 <= level.allocated <= level.on_hand:
        problems.append(f"oversold: {level.allocated} allocated of {level.on_hand} on hand")
    held = Allocation.objects.filter(stock_level_id=level_id).aggregate(n=Sum("quantity"))["n"] or 0
    if held != level.allocated:
        problems.append(f"allocations sum to {held}, the stock row says {level.allocated}")
    ledger = StockMovement.objects.filter(product_id=level.product_id, from_location_id=level.location_id)
    allocated = ledger.filter(kind=MovementKind.ALLOCATE).aggregate(n=Sum("quantity"))["n"] or 0
    released = ledger.filter(kind=MovementKind.DEALLOCATE).aggregate(n=Sum("quantity"))["n"] or 0
    if allocated - released != level.allocated:
        problems.append(f"ledger says {allocated - released} allocated, the stock row {level.allocated}")
    if outcomes.count("allocated") != units or level.allocated != units:
        problems.append(f"{outcomes.count('allocated')} orders allocated, {level.allocated} units, "
                        f"{units} were there")
    return problems


def main() -> int:
    reason = ensure_database(BENCH_URL)
    if reason:
        print(f"bench/hot_sku.py skipped: {reason}. Start PostgreSQL or set DOCKHAND_BENCH_HOT_DATABASE_URL.")
        return 0
    setup_django()
    from django.db import connections, transaction

    from core.models import Job
    from inventory.signals import stock_available_increased

    units = SERIAL + ORDERS - THREADS
    stock_available_increased.disconnect(dispatch_uid="orders.allocate_backorders_on_arrival")
    with transaction.atomic():
        hot_id, bare_id, order_ids = build(orders=SERIAL + ORDERS, units=units)
    logging.getLogger("celery").setLevel(logging.WARNING)
    connections.close_all()

    bare_seconds, bare_done, bare_errors, bare_timer = run_threads([bare_id] * ORDERS, bare_update)
    warm_up()
    jobs_queue(order_ids[:SERIAL])
    cpu_started = time.process_time()
    serial_seconds, _, serial_errors, serial_timer = run_threads([0], route_worker, threads=1)
    cpu_per_order = 1000 * (time.process_time() - cpu_started) / max(SERIAL, 1)
    serial_outcomes = outcomes_of(order_ids[:SERIAL])
    jobs_queue(order_ids[SERIAL:])
    routed_seconds, _, errors, routed_timer = run_threads(list(range(THREADS)), route_worker)
    outcomes = outcomes_of(order_ids[SERIAL:])
    if left := Job.objects.count():
        errors.append(RuntimeError(f"{left} routing jobs left (failed or not run)"))
    problems = check(level_id=hot_id, units=units, outcomes=serial_outcomes + outcomes,
                     errors=serial_errors + errors)
    if bare_errors:
        problems.append(f"bare run: {len(bare_errors)} errors, first: {bare_errors[0]!r}")

    bare_rate = len(bare_done) / bare_seconds
    routed_rate = len(outcomes) / routed_seconds
    print(f"PostgreSQL {BENCH_URL.rsplit('/', 1)[-1]}: one hot SKU at one pick face, {ORDERS} orders of 1 unit, "
          f"{THREADS} threads each with its own connection, {os.cpu_count()} CPUs")
    print(f"{'':34}{'orders/s':>9}{'row held ms':>13}")
    print(f"{'bare locked UPDATE, ' + str(THREADS) + ' threads':34}{bare_rate:>9,.0f}{bare_timer.mean_ms():>13.2f}")
    print(f"{'routing job, ' + str(THREADS) + ' threads':34}{routed_rate:>9,.0f}{routed_timer.mean_ms():>13.2f}"
          f"   ({outcomes.count('allocated')} allocated, {outcomes.count('backordered')} backordered)")
    print(f"{'routing job, 1 thread':34}{len(serial_outcomes) / serial_seconds:>9,.0f}{serial_timer.mean_ms():>13.2f}"
          f"   (CPU {cpu_per_order:.2f} ms per order: at most {1000 / cpu_per_order:,.0f} orders/s per interpreter)")
    print(f"ratio routing job / bare ({THREADS} threads): {routed_rate / bare_rate:.2f}")
    print("check: " + ("ok (no oversell, allocations and ledger agree, no deadlock)" if not problems
                       else "FAILED: " + "; ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
