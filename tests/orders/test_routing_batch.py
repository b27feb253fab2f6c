"""The routing job's batch: received orders that need nothing but stock are routed together in one transaction,
every other one on its own as before, oldest first, never overselling."""

import pytest
from django.db import OperationalError, connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Job
from core.work import job_run
from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from orders import processing, routing
from orders.choices import OrderStatus
from orders.models import Allocation, Order, OrderEvent
from orders.tasks import order_route_task
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ClientFactory, ProductFactory
from tests.orders.factories import order_with_lines, put_stock, salt_lake_city
from tests.rules.factories import RuleFactory

pytestmark = pytest.mark.django_db

ROUTE = order_route_task.name
SEATTLE = {"ship_address1": "1 Pike St", "ship_city": "Seattle", "ship_state": "WA", "ship_postal_code": "98101",
           "ship_country": "US"}


def routing_jobs_for(orders) -> None:
    """Each order's durable routing job, as order_create leaves it when the broker is away."""
    now = timezone.now()
    Job.objects.bulk_create([Job(task=ROUTE, object_id=o.pk, run_after=now, created_at=now) for o in orders])


def status_of(order) -> str:
    order.refresh_from_db()
    return order.status


@pytest.fixture
def merchant():
    return ClientFactory()


def test_a_batch_routes_the_plain_orders_together_and_the_others_alone_oldest_first(merchant):
    # Given 3 units, and in this order: a plain order of 1, an order without a street (held), a plain order of 1,
    # an order of 2 (only 1 left: backordered) and a plain order of 1 after it
    sku = ProductFactory(client=merchant)
    put_stock(sku, 3, warehouse=salt_lake_city())
    first = order_with_lines(merchant, [(sku, 1)], **SEATTLE)
    no_street = order_with_lines(merchant, [(sku, 1)], **{**SEATTLE, "ship_address1": ""})
    second = order_with_lines(merchant, [(sku, 1)], **SEATTLE)
    big = order_with_lines(merchant, [(sku, 2)], **SEATTLE)
    last = order_with_lines(merchant, [(sku, 1)], **SEATTLE)
    routing_jobs_for([first, no_street, second, big, last])

    # When a worker takes the jobs as one batch
    assert job_run(ROUTE, limit=50) == 5

    # Then the big order, older, is backordered and the last one takes the last unit after it
    assert [status_of(o) for o in (first, no_street, second, big, last)] == [
        OrderStatus.ALLOCATED, OrderStatus.ON_HOLD, OrderStatus.ALLOCATED, OrderStatus.BACKORDERED,
        OrderStatus.ALLOCATED]
    assert first.warehouse.code == "SLC"
    assert not Job.objects.filter(task=ROUTE).exists()
    level = StockLevel.objects.get(product=sku)
    assert level.allocated == 3
    ledger = StockMovement.objects.filter(kind=MovementKind.ALLOCATE)
    assert sorted(ledger.values_list("reference", "quantity")) == sorted(
        [(first.order_number, 1), (second.order_number, 1), (last.order_number, 1)])
    assert Allocation.objects.aggregate(n=Sum("quantity"))["n"] == 3
    event = OrderEvent.objects.get(order=first, to_status=OrderStatus.ALLOCATED)
    assert (event.from_status, event.actor) == (OrderStatus.RECEIVED, "routing")
    assert event.note.startswith("Routed to SLC, ")


def test_an_order_a_rule_matches_is_processed_alone_with_its_rule(merchant):
    sku = ProductFactory(client=merchant)
    put_stock(sku, 5, warehouse=salt_lake_city())
    RuleFactory(name="Tag all")
    order = order_with_lines(merchant, [(sku, 1)], **SEATTLE)
    routing_jobs_for([order])

    job_run(ROUTE, limit=50)

    assert status_of(order) == OrderStatus.ALLOCATED
    assert OrderEvent.objects.filter(order=order, note__startswith="Rule “Tag all” matched").exists()


def test_stock_taken_after_the_plan_is_planned_again_under_the_locks(merchant, monkeypatch):
    # Given 2 units, of which another worker takes 1 between this batch's read and its write
    sku = ProductFactory(client=merchant)
    put_stock(sku, 2, warehouse=salt_lake_city())
    orders = [order_with_lines(merchant, [(sku, 1)], **SEATTLE) for _ in range(2)]
    routing_jobs_for(orders)
    real_read = routing.allocatable_stock_levels

    def read_then_taken(**kwargs):
        levels = real_read(**kwargs)
        StockLevel.objects.filter(product=sku).update(allocated=1)
        return levels

    monkeypatch.setattr(routing, "allocatable_stock_levels", read_then_taken)

    job_run(ROUTE, limit=50)

    # Then the older order gets the unit left and the other is backordered: nothing oversold
    assert [status_of(o) for o in orders] == [OrderStatus.ALLOCATED, OrderStatus.BACKORDERED]
    assert StockLevel.objects.get(product=sku).allocated == 2


def test_a_batch_that_fails_is_routed_one_order_at_a_time(merchant, monkeypatch):
    sku = ProductFactory(client=merchant)
    put_stock(sku, 5, warehouse=salt_lake_city())
    orders = [order_with_lines(merchant, [(sku, 1)], **SEATTLE) for _ in range(3)]
    routing_jobs_for(orders)

    def broken(**kwargs):
        raise OperationalError("could not serialize access")

    monkeypatch.setattr(processing, "orders_route_together", broken)

    assert job_run(ROUTE, limit=50) == 3

    assert [status_of(o) for o in orders] == [OrderStatus.ALLOCATED] * 3
    assert not Job.objects.filter(task=ROUTE).exists()


BATCH = 50
# The claim, the orders locked and what rules, checks and routing read, the writes, the job rows deleted.
MAX_STATEMENTS_PER_ORDER = 1


@postgres_only
def test_routing_a_batch_of_fifty_orders_costs_at_most_one_statement_per_order(merchant):
    sku, other = ProductFactory(client=merchant), ProductFactory(client=merchant)
    slc = salt_lake_city()
    put_stock(sku, 1000, warehouse=slc)
    put_stock(other, 1000, warehouse=slc)
    orders = [order_with_lines(merchant, [(sku, 1), (other, 2)], **SEATTLE) for _ in range(BATCH)]
    routing_jobs_for(orders)

    with CaptureQueriesContext(connection) as statements:
        assert job_run(ROUTE, limit=BATCH) == BATCH

    assert Order.objects.filter(status=OrderStatus.ALLOCATED).count() == BATCH
    assert len(statements) / BATCH <= MAX_STATEMENTS_PER_ORDER, [q["sql"][:80] for q in statements.captured_queries]


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_routing_batches_of_one_hot_sku_never_oversell_nor_deadlock(merchant):
    # Given 30 units of one SKU in two stacks and 40 orders of 1, each with its routing job
    sku = ProductFactory(client=merchant)
    slc = salt_lake_city()
    put_stock(sku, 18, warehouse=slc)
    put_stock(sku, 12, warehouse=slc)
    orders = [order_with_lines(merchant, [(sku, 1)], **SEATTLE) for _ in range(40)]
    routing_jobs_for(orders)

    def worker():
        while job_run(ROUTE, limit=5):
            pass

    # When 8 workers claim batches of 5 at the same moment
    _, errors = run_together([worker] * 8)

    # Then 30 orders are allocated, the other 10 backordered, and the stock, allocations and ledger agree
    assert errors == []
    statuses = list(Order.objects.values_list("status", flat=True))
    assert statuses.count(OrderStatus.ALLOCATED) == 30
    assert statuses.count(OrderStatus.BACKORDERED) == 10
    levels = list(StockLevel.objects.filter(product=sku))
    assert sum(level.allocated for level in levels) == 30
    assert all(0 <= level.allocated <= level.on_hand for level in levels)
    assert Allocation.objects.aggregate(n=Sum("quantity"))["n"] == 30
    assert StockMovement.objects.filter(kind=MovementKind.ALLOCATE).aggregate(n=Sum("quantity"))["n"] == 30
    assert not Job.objects.filter(task=ROUTE).exists()
