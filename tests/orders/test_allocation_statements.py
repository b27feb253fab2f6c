"""Reserving and releasing an order's stock takes a fixed number of SQL statements, however many lines and
stock levels it touches: on a hot SKU each statement is time the stock row stays locked for every other order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from orders.choices import OrderStatus
from orders.models import Allocation
from orders.routing import order_route
from orders.services import order_cancel
from tests.factories import ClientFactory, ProductFactory
from tests.orders.factories import order_with_lines, put_stock, salt_lake_city

pytestmark = pytest.mark.django_db

SEATTLE = {"ship_city": "Seattle", "ship_state": "WA", "ship_postal_code": "98101", "ship_country": "US"}
# Routing one order, whatever its size: the order, its lines, the client and warehouses, the stock lock,
# 5 for the reservations (stock, figures queue, storefront stock-sync queue, ledger, allocations), the status
# change and its event.
ROUTE_STATEMENTS = 20
# Cancelling: the order, its allocations, 4 for the stock (stock, figures queue, stock-sync queue, ledger), a
# durable backorder release job per product whose stock came back (3 here), deleting the allocations, the
# status change and its event.
CANCEL_STATEMENTS = 20


@pytest.fixture
def merchant():
    return ClientFactory()


def products_with_two_stacks(merchant, count: int):
    slc = salt_lake_city()
    products = [ProductFactory(client=merchant) for _ in range(count)]
    for product in products:
        put_stock(product, 3, warehouse=slc)
        put_stock(product, 3, warehouse=slc)
    return products


def statements_to_route(order) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert order_route(order=order).outcome == "allocated"
    return len(queries)


def test_routing_three_lines_over_two_stock_levels_each_stays_under_the_ceiling(
        merchant, django_assert_max_num_queries):
    products = products_with_two_stacks(merchant, 3)
    order = order_with_lines(merchant, [(product, 5) for product in products], **SEATTLE)

    with django_assert_max_num_queries(ROUTE_STATEMENTS):
        order_route(order=order)

    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    for product in products:  # 5 of each: 3 from one stack, 2 from the other
        assert sorted(StockLevel.objects.filter(product=product).values_list("allocated", flat=True)) == [2, 3]
    ledger = StockMovement.objects.filter(kind=MovementKind.ALLOCATE)
    assert sorted(ledger.values_list("quantity", flat=True)) == [2, 2, 2, 3, 3, 3]
    assert set(ledger.values_list("reference", "reason")) == {(order.order_number, "Reserved for order")}
    assert sorted(Allocation.objects.values_list("quantity", flat=True)) == [2, 2, 2, 3, 3, 3]


def test_a_bigger_order_takes_no_more_statements_than_a_one_line_order(merchant):
    products = products_with_two_stacks(merchant, 4)
    small = order_with_lines(merchant, [(products[0], 1)], **SEATTLE)
    big = order_with_lines(merchant, [(product, 5) for product in products[1:]], **SEATTLE)

    assert statements_to_route(big) == statements_to_route(small)


def test_cancelling_releases_every_reservation_in_a_fixed_number_of_statements(
        merchant, django_assert_max_num_queries):
    products = products_with_two_stacks(merchant, 3)
    order = order_with_lines(merchant, [(product, 5) for product in products], **SEATTLE)
    order_route(order=order)

    with django_assert_max_num_queries(CANCEL_STATEMENTS):
        order_cancel(order=order, reason="Customer changed their mind")

    assert set(StockLevel.objects.values_list("allocated", flat=True)) == {0}
    assert not Allocation.objects.exists()
    released = StockMovement.objects.filter(kind=MovementKind.DEALLOCATE)
    assert sorted(released.values_list("quantity", flat=True)) == [2, 2, 2, 3, 3, 3]
    assert set(released.values_list("reference", "reason")) == {
        (order.order_number, "Order cancelled: Customer changed their mind")}
