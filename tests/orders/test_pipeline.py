"""The order pipeline as one durable unit: a delivery becomes a routed order in one transaction, every other
order waiting to be routed has its job, and bad data fails once with a reason."""

import collections
import datetime
import re

import pytest
from django.db import DataError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app as celery_app
from core.models import Job
from core.tasks import job_run_task
from core.work import job_run, jobs_sweep, wait_for_dispatches
from inventory.models import Product
from inventory.services import stock_adjust
from orders import processing
from orders.choices import DeliveryState, OrderPriority, OrderStatus
from orders.holds.services import order_hold, order_release_hold
from orders.intake import deliveries as intake_services
from orders.models import Order, OrderEvent, Rule, WebhookDelivery
from orders.task_names import PROCESS_DELIVERY_TASK
from orders.tasks import order_route_task
from tests.conftest import postgres_only
from tests.factories import LocationFactory, ProductFactory, StockLevelFactory, WarehouseFactory
from tests.fakes.storefront import shopify_order
from tests.orders.intake_helpers import post_shopify, products_for, shopify_channel
from tests.rules.factories import RuleFactory

pytestmark = pytest.mark.django_db

ROUTE = order_route_task.name


@pytest.fixture
def stocked(client_a):
    """A Shopify channel of client A whose fixture SKUs are in stock in one warehouse."""
    products = products_for(client_a)
    warehouse = WarehouseFactory(code="SLC", latitude=40.76, longitude=-111.89)
    location = LocationFactory(warehouse=warehouse, code="A-01-01-A", kind="pick")
    for product in products.values():
        StockLevelFactory(product=product, location=location, on_hand=50)
    return shopify_channel(client_a)


def the_sweep_later() -> int:
    return jobs_sweep(now=timezone.now() + datetime.timedelta(days=1))


@pytest.fixture
def broker_refusing(monkeypatch):
    """Production mode with a broker that refuses every publish."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(job_run_task, "apply_async", refused)
    yield
    assert wait_for_dispatches()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def test_a_delivery_becomes_an_allocated_order_in_one_unit(client, stocked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, stocked, shopify_order(301, lines=[("IPOD2008RED", 2, "10")]))

    order = Order.objects.get()
    assert order.status == OrderStatus.ALLOCATED
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED
    assert not Job.objects.exists()


def test_a_routing_fault_undoes_the_order_so_none_is_left_waiting(client, stocked, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    real_route = processing.order_route

    def broken_route(**kwargs):
        raise OperationalError("could not obtain lock on row")

    monkeypatch.setattr(processing, "order_route", broken_route)
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, stocked, shopify_order(302, lines=[("IPOD2008RED", 1, "10")]))

    assert not Order.objects.exists()  # not created-but-unrouted: not created at all
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_error) == (DeliveryState.PENDING,
                                                     "OperationalError: could not obtain lock on row")
    assert Job.objects.get().task == PROCESS_DELIVERY_TASK

    monkeypatch.setattr(processing, "order_route", real_route)
    assert the_sweep_later() == 1
    assert Order.objects.get().status == OrderStatus.ALLOCATED
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda p: p["line_items"][0].update(quantity=10**12), "The quantity 1000000000000 is not a number of units"),
    (lambda p: p["line_items"][0].update(price="Infinity"), "The amount 'Infinity' is not an amount of money"),
    (lambda p: p["shipping_address"].update(name="Ann\x00Lee"), "contains a NUL character"),
], ids=["huge-quantity", "infinite-price", "nul-in-name"])
def test_bad_data_fails_the_delivery_once_with_its_reason(client, stocked, mutate, reason,
                                                          django_capture_on_commit_callbacks):
    payload = shopify_order(303, lines=[("IPOD2008RED", 1, "10")])
    mutate(payload)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_shopify(client, stocked, payload)

    assert response.status_code == 200  # stored: the storefront must not resend it forever
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert reason in delivery.last_error
    assert not Order.objects.exists()
    assert not Job.objects.exists()  # not retried
    assert the_sweep_later() == 0


def test_an_api_order_with_the_broker_down_is_routed_by_the_sweep(api_for, client_user_a, stocked, broker_refusing,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(client_user_a).post("/api/v1/orders/", {
            "order_number": "API-9", "ship_name": "Ana", "ship_address1": "1 Main St", "ship_city": "Boston",
            "ship_state": "MA", "ship_postal_code": "02134", "ship_country": "US",
            "lines": [{"sku": "IPOD2008RED", "quantity": 1}]}, format="json")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.status == OrderStatus.RECEIVED
    assert list(Job.objects.values_list("task", "object_id")) == [(ROUTE, order.pk)]

    assert the_sweep_later() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_an_order_released_from_hold_gets_its_routing_job_in_the_same_transaction(client, stocked,
                                                                                  broker_refusing):
    post_shopify(client, stocked, shopify_order(304, lines=[("IPOD2008RED", 1, "10")]))
    the_sweep_later()
    order = Order.objects.get()
    order_hold(order=order, reason="Customer called")
    assert not Job.objects.filter(task=ROUTE).exists()

    order_release_hold(order=order)

    assert list(Job.objects.filter(task=ROUTE).values_list("object_id", flat=True)) == [order.pk]
    the_sweep_later()
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED


def test_stock_arriving_queues_the_backorder_release_with_the_stock_change(client_a, broker_refusing):
    product = ProductFactory(client=client_a)
    location = LocationFactory(kind="pick")

    stock_adjust(product=product, location=location, quantity=5, reason="found")

    assert list(Job.objects.values_list("task", "object_id")) == [
        ("orders.tasks.backorders_allocate_task", product.pk)]


# --- a batch of deliveries ----------------------------------------------------------------------------------


def stored(client, channel, payloads) -> list[int]:
    """Store deliveries as the webhook view does with the broker away; return their ids, oldest first."""
    for payload in payloads:
        post_shopify(client, channel, payload)
    return list(WebhookDelivery.objects.order_by("received_at", "pk").values_list("pk", flat=True))


def test_a_batch_creates_its_new_orders_together_and_a_bad_one_fails_alone(client, stocked, broker_refusing,
                                                                          monkeypatch, caplog):
    real_create, real_create_together = intake_services.order_create, intake_services.orders_create_together

    def refused_after_writing(**kwargs):
        order = real_create(**kwargs)  # written, then refused: the savepoint must undo it
        if kwargs["external_id"] == "402":
            raise DataError("value too long for type character varying(100)")
        return order

    def together_refused_after_writing(new_orders):
        orders = real_create_together(new_orders)  # the database refuses the statement that holds the bad one
        if any(new.external_id == "402" for new in new_orders):
            raise DataError("value too long for type character varying(100)")
        return orders

    monkeypatch.setattr(intake_services, "order_create", refused_after_writing)
    monkeypatch.setattr(intake_services, "orders_create_together", together_refused_after_writing)
    ids = stored(client, stocked, [shopify_order(n, lines=[("IPOD2008RED", 1, "10")]) for n in (401, 402, 403)])

    assert job_run(PROCESS_DELIVERY_TASK, limit=BATCH) == 3

    states = dict(WebhookDelivery.objects.values_list("pk", "state"))
    assert [states[pk] for pk in ids] == [DeliveryState.PROCESSED, DeliveryState.FAILED, DeliveryState.PROCESSED]
    assert "together failed" not in caplog.text  # the batch itself held: only the bad order was undone
    assert "creating them one at a time" in caplog.text
    assert "value too long" in WebhookDelivery.objects.get(pk=ids[1]).last_error
    assert sorted(Order.objects.values_list("external_id", "status")) == [
        ("401", OrderStatus.ALLOCATED), ("403", OrderStatus.ALLOCATED)]
    order = Order.objects.get(external_id="401")
    assert list(order.events.order_by("pk").values_list("from_status", "to_status")) == [
        ("", OrderStatus.RECEIVED), (OrderStatus.RECEIVED, OrderStatus.ALLOCATED)]
    assert not OrderEvent.objects.exclude(order__in=Order.objects.all()).exists()
    assert not Job.objects.exists()


def test_a_new_order_whose_rule_adds_a_line_gets_its_routing_job_in_the_batch(client, stocked, client_a,
                                                                                 broker_refusing):
    flyer = ProductFactory(client=client_a, sku="FLYER-01")
    StockLevelFactory(product=flyer, location=LocationFactory(warehouse=WarehouseFactory(code="NSH")), on_hand=5)
    RuleFactory(name="Green ones", conditions=[{"field": "sku", "op": "any", "value": ["IPOD2008GREEN"]}],
                actions=[{"type": "add_insert", "value": {"sku": "FLYER-01", "quantity": 1}}])
    stored(client, stocked, [shopify_order(411, lines=[("IPOD2008GREEN", 1, "5")]),
                             shopify_order(412, lines=[("IPOD2008RED", 1, "10")])])

    assert job_run(PROCESS_DELIVERY_TASK, limit=BATCH) == 2

    ruled, plain = Order.objects.get(external_id="411"), Order.objects.get(external_id="412")
    assert (ruled.status, plain.status) == (OrderStatus.RECEIVED, OrderStatus.ALLOCATED)
    assert list(Job.objects.values_list("task", "object_id")) == [(ROUTE, ruled.pk)]
    assert the_sweep_later() == 1
    ruled.refresh_from_db()
    assert ruled.status != OrderStatus.RECEIVED
    assert ruled.lines.filter(sku="FLYER-01", is_insert=True).count() == 1
    assert ruled.events.filter(note__startswith="Rule “Green ones” matched").count() == 1
    assert Rule.objects.get(name="Green ones").match_count == 1


def test_an_order_whose_rules_only_change_it_is_routed_in_the_batch_with_the_rules_written_first(
        client, stocked, client_a, broker_refusing):
    nashville = WarehouseFactory(code="NSH", latitude=36.16, longitude=-86.78)
    for product in Product.objects.filter(client=client_a):
        StockLevelFactory(product=product, location=LocationFactory(warehouse=nashville, kind="pick"), on_hand=50)
    # Nashville is nearer the customer; the rule sends green ones to Salt Lake City
    RuleFactory(name="Green ones from Salt Lake City", conditions=[{"field": "sku", "op": "any",
                                                                     "value": ["IPOD2008GREEN"]}],
                actions=[{"type": "set_warehouse", "value": "SLC"}, {"type": "set_priority", "value": "urgent"}])
    RuleFactory(name="Tag everything", actions=[{"type": "add_tags", "value": ["seen"]}])
    stored(client, stocked, [shopify_order(n, lines=[("IPOD2008GREEN", 1, "5")]) for n in (431, 432)]
           + [shopify_order(433, lines=[("IPOD2008RED", 1, "10")])])

    assert job_run(PROCESS_DELIVERY_TASK, limit=BATCH) == 3

    assert not Job.objects.exists()  # routed in the batch: no order waits for a routing job of its own
    for number in ("431", "432"):
        order = Order.objects.get(external_id=number)
        assert (order.status, order.warehouse.code, order.forced_warehouse.code) == (
            OrderStatus.ALLOCATED, "SLC", "SLC")
        assert order.tags == ["seen"]
        assert order.priority == OrderPriority.URGENT
        timeline = list(order.events.order_by("pk").values_list("to_status", "actor", "note"))
        assert [status for status, _, _ in timeline] == [
            OrderStatus.RECEIVED, OrderStatus.RECEIVED, OrderStatus.RECEIVED, OrderStatus.ALLOCATED]
        assert timeline[1][2].startswith("Rule “Green ones from Salt Lake City” matched: warehouse")
        assert timeline[2][2].startswith("Rule “Tag everything” matched: tags + seen")
    plain = Order.objects.get(external_id="433")
    assert (plain.status, plain.warehouse.code, plain.forced_warehouse, plain.tags) == (
        OrderStatus.ALLOCATED, "NSH", None, ["seen"])
    assert dict(Rule.objects.values_list("name", "match_count")) == {
        "Green ones from Salt Lake City": 2, "Tag everything": 3}


def test_a_ruled_order_that_must_wait_for_stock_counts_its_rule_once(client, stocked, client_a, broker_refusing):
    RuleFactory(name="Tag everything", actions=[{"type": "add_tags", "value": ["seen"]}])
    stored(client, stocked, [shopify_order(441, lines=[("IPOD2008RED", 60, "10")]),  # 50 on hand
                             shopify_order(442, lines=[("IPOD2008GREEN", 1, "10")])])

    assert job_run(PROCESS_DELIVERY_TASK, limit=BATCH) == 2
    short = Order.objects.get(external_id="441")
    assert short.status == OrderStatus.RECEIVED
    assert not short.events.filter(actor__startswith="rule").exists()  # written by its own transaction
    assert Rule.objects.get().match_count == 1  # the other order's match: this one's was taken back
    assert the_sweep_later() >= 1  # its routing job (and what backordering it queues)

    short.refresh_from_db()
    assert short.status == OrderStatus.BACKORDERED
    assert short.tags == ["seen"]
    assert short.events.filter(note__startswith="Rule “Tag everything” matched").count() == 1
    assert Rule.objects.get().match_count == 2


def test_two_deliveries_of_one_new_order_in_a_batch_make_one_order(client, stocked, broker_refusing):
    first = shopify_order(421, lines=[("IPOD2008RED", 1, "10")])
    later = shopify_order(421, lines=[("IPOD2008RED", 1, "10")], updated_at="2026-11-20T11:00:00-05:00")
    stored(client, stocked, [first, later])

    assert job_run(PROCESS_DELIVERY_TASK, limit=BATCH) == 2

    assert Order.objects.filter(external_id="421").count() == 1
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) <= {DeliveryState.PROCESSED,
                                                                          DeliveryState.DUPLICATE}


# --- cost per order ------------------------------------------------------------------------------------------

BATCH = 50
MAX_STATEMENTS_PER_ORDER = 1.5  # measured 0.6: the batch writes orders, lines and events in one INSERT each
MAX_COMMITS_PER_ORDER = 0.2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_batch_of_deliveries_costs_at_most_1_5_statements_and_a_fifth_of_a_commit_per_order(client, client_a, monkeypatch,
                                                                                  broker_refusing):
    # Given 50 stored deliveries of two-line orders, in stock (as the webhook view leaves them, broker away)
    products = products_for(client_a)
    warehouse = WarehouseFactory(code="SLC", latitude=40.76, longitude=-111.89)
    location = LocationFactory(warehouse=warehouse, code="A-01-01-A", kind="pick")
    for product in products.values():
        StockLevelFactory(product=product, location=location, on_hand=10_000)
    channel = shopify_channel(client_a)
    for i in range(BATCH):
        post_shopify(client, channel, shopify_order(2000 + i, lines=[("IPOD2008RED", 1, "10"),
                                                                     ("IPOD2008GREEN", 2, "5")]))
    assert Job.objects.count() == BATCH
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: (commits.append(1), real_commit())[1])

    # When a worker takes them as one batch: stored delivery to allocated order
    with CaptureQueriesContext(connection) as statements:
        assert job_run(PROCESS_DELIVERY_TASK, limit=BATCH) == BATCH

    # Then every order is allocated, each delivery processed once, and the cost stays under the ceiling
    assert Order.objects.filter(status=OrderStatus.ALLOCATED).count() == BATCH
    assert not Job.objects.exists()
    # BEGIN and COMMIT are counted as commits
    sql = [q["sql"] for q in statements.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    per_order = len(sql) / BATCH
    kinds = collections.Counter(re.sub(r"\s+", " ", q)[:70] for q in sql)
    print(f"{per_order:.2f} statements and {len(commits) / BATCH:.2f} commits per order")
    assert per_order <= MAX_STATEMENTS_PER_ORDER, f"{per_order:.1f} statements per order: {kinds.most_common(30)}"
    begins = sum(1 for q in statements.captured_queries if q["sql"] == "BEGIN")
    assert len(commits) / BATCH <= MAX_COMMITS_PER_ORDER, f"{len(commits) / BATCH:.2f} commits per order, {begins}"
