"""Real concurrency on PostgreSQL: threads, each with its own connection, routing at the same moment."""

import pytest
from django.db.models import Sum

from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from orders.choices import OrderStatus
from orders.models import Allocation, Order
from orders.routing import order_reroute, order_route
from orders.services import order_cancel
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ClientFactory, ProductFactory
from tests.orders.factories import order_with_lines, put_stock, salt_lake_city

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEATTLE = {"ship_city": "Seattle", "ship_state": "WA", "ship_postal_code": "98101", "ship_country": "US"}
# 25 connections at once leave room for the other developers' test databases on the shared server.
WORKERS = 25


def test_fifty_orders_for_twenty_units_never_oversell():
    slc = salt_lake_city()
    merchant = ClientFactory()
    sku = ProductFactory(client=merchant)
    put_stock(sku, 12, warehouse=slc)
    put_stock(sku, 8, warehouse=slc)
    orders = [order_with_lines(merchant, [(sku, 1)], **SEATTLE) for _ in range(50)]

    jobs = [lambda pk=o.pk: order_route(order=Order(pk=pk)) for o in orders]
    _, errors = run_together(jobs, threads=WORKERS)

    assert errors == []
    statuses = list(Order.objects.values_list("status", flat=True))
    assert statuses.count(OrderStatus.ALLOCATED) == 20
    assert statuses.count(OrderStatus.BACKORDERED) == 30
    levels = list(StockLevel.objects.filter(product=sku))
    assert sum(level.allocated for level in levels) == 20
    assert all(0 <= level.allocated <= level.on_hand for level in levels)
    assert sum(Allocation.objects.values_list("quantity", flat=True)) == 20


def test_orders_sharing_skus_in_opposite_line_order_do_not_deadlock():
    slc = salt_lake_city()
    merchant = ClientFactory()
    first, second = ProductFactory(client=merchant), ProductFactory(client=merchant)
    for product in (first, second):
        put_stock(product, 500, warehouse=slc)
        put_stock(product, 500, warehouse=slc)
    forward = [order_with_lines(merchant, [(first, 2), (second, 3)], **SEATTLE) for _ in range(20)]
    backward = [order_with_lines(merchant, [(second, 3), (first, 2)], **SEATTLE) for _ in range(20)]
    rerouted = [order_with_lines(merchant, [(second, 1), (first, 1)], **SEATTLE) for _ in range(10)]
    for order in rerouted:
        order_route(order=order)

    jobs = [lambda pk=o.pk: order_route(order=Order(pk=pk)) for o in forward + backward]
    jobs += [lambda pk=o.pk: order_reroute(order=Order(pk=pk)) for o in rerouted]
    _, errors = run_together(jobs, threads=WORKERS)

    assert errors == []
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.ALLOCATED}
    assert sum(StockLevel.objects.filter(product=first).values_list("allocated", flat=True)) == 40 * 2 + 10
    assert sum(StockLevel.objects.filter(product=second).values_list("allocated", flat=True)) == 40 * 3 + 10


def ledger_net(**filters) -> int:
    ledger = StockMovement.objects.filter(**filters)
    reserved = ledger.filter(kind=MovementKind.ALLOCATE).aggregate(n=Sum("quantity"))["n"] or 0
    released = ledger.filter(kind=MovementKind.DEALLOCATE).aggregate(n=Sum("quantity"))["n"] or 0
    return reserved - released


def test_many_workers_routing_and_cancelling_on_one_hot_sku_never_oversell_and_the_ledger_agrees():
    slc = salt_lake_city()
    merchant = ClientFactory()
    hot = ProductFactory(client=merchant)
    put_stock(hot, 50, warehouse=slc)
    put_stock(hot, 41, warehouse=slc)
    held = [order_with_lines(merchant, [(hot, 3)], **SEATTLE) for _ in range(6)]
    for order in held:
        order_route(order=order)
    incoming = [order_with_lines(merchant, [(hot, 3)], **SEATTLE) for _ in range(36)]

    jobs = [lambda pk=o.pk: order_route(order=Order(pk=pk)) for o in incoming]
    jobs += [lambda pk=o.pk: order_cancel(order=Order(pk=pk), reason="Changed mind") for o in held]
    _, errors = run_together(jobs, threads=WORKERS)

    assert errors == []
    assert set(Order.objects.filter(pk__in=[o.pk for o in held]).values_list("status", flat=True)) == {
        OrderStatus.CANCELLED}
    allocated = Order.objects.filter(pk__in=[o.pk for o in incoming], status=OrderStatus.ALLOCATED)
    # 91 units, 3 an order: 24 orders fit beside the held ones, 30 at most once they are cancelled (their
    # units go to whichever orders come later, or to the backorders when they arrive).
    assert 24 <= allocated.count() <= 30
    assert not Order.objects.filter(pk__in=[o.pk for o in incoming]).exclude(
        status__in=[OrderStatus.ALLOCATED, OrderStatus.BACKORDERED]).exists()
    levels = list(StockLevel.objects.filter(product=hot))
    for level in levels:
        assert 0 <= level.allocated <= level.on_hand
        assert sum(Allocation.objects.filter(stock_level=level).values_list("quantity", flat=True)) == level.allocated
        assert ledger_net(product=hot, from_location_id=level.location_id) == level.allocated
    assert sum(level.allocated for level in levels) == 3 * allocated.count()
    for order in held + incoming:
        holds = sum(Allocation.objects.filter(line__order=order).values_list("quantity", flat=True))
        assert ledger_net(reference=order.order_number) == holds
