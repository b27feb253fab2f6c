"""The order and hold lists stay cheap as orders pile up: the same queries however many orders, no DISTINCT,
filters that compare indexed columns as stored."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.choices import Role
from orders.choices import OrderStatus
from orders.filters import OrderFilter
from orders.models import Order
from orders.selectors import order_list
from tests.conftest import api_client_for
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    SalesChannelFactory,
    WarehouseFactory,
    make_user,
)
from tests.rules.factories import HoldFactory

pytestmark = pytest.mark.django_db

STATUS_ROTATION = (OrderStatus.RECEIVED, OrderStatus.ALLOCATED, OrderStatus.ON_HOLD)


def add_orders(channel, n: int, warehouse) -> None:
    """n orders with two lines, an event and (when on hold) a hold each."""
    for i in range(n):
        status = STATUS_ROTATION[i % len(STATUS_ROTATION)]
        order = OrderFactory(channel=channel, status=status,
                             warehouse=warehouse if status == OrderStatus.ALLOCATED else None)
        OrderLineFactory(order=order)
        OrderLineFactory(order=order)
        OrderEventFactory(order=order)
        if status == OrderStatus.ON_HOLD:
            HoldFactory(order=order)


def queries_of(get) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = get()
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


LIST_REQUESTS = [
    pytest.param("orders:list", {}, id="page"),
    pytest.param("orders:list", {"status": ["allocated", "on_hold"]}, id="page-status"),
    pytest.param("order-list", {}, id="api"),
    pytest.param("order-list", {"status": ["allocated", "on_hold"]}, id="api-status"),
    pytest.param("holds:list", {}, id="holds-page"),
    pytest.param("hold-list", {"kind": ["manual", "fraud"], "open": "true"}, id="holds-api"),
]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CLIENT])
@pytest.mark.parametrize(("url_name", "params"), LIST_REQUESTS)
def test_list_takes_the_same_queries_at_n_and_at_three_times_n_orders(client, client_a, role, url_name, params):
    # Given N orders of a client, seen by a manager or by the client's own user
    channel, warehouse = SalesChannelFactory(client=client_a), WarehouseFactory()
    user = make_user(role, client=client_a) if role == Role.CLIENT else make_user(role)
    if url_name.endswith("-list"):
        http = api_client_for(user)
    else:
        client.force_login(user)
        http = client
    url = reverse(url_name)
    add_orders(channel, 4, warehouse)
    http.get(url, params)  # the first request of a session loads what later ones find cached
    at_n = queries_of(lambda: http.get(url, params))

    # When there are three times as many
    add_orders(channel, 8, warehouse)
    at_3n = queries_of(lambda: http.get(url, params))

    # Then the list takes exactly the same queries
    assert len(at_3n) == len(at_n), "\n".join(at_3n)


@pytest.mark.parametrize(("url_name", "params"), [
    pytest.param("orders:list", {"status": ["allocated", "received"]}, id="page"),
    pytest.param("order-list", {"status": ["allocated", "received"]}, id="api"),
    pytest.param("hold-list", {"kind": ["manual", "fraud"]}, id="holds-api"),
])
def test_status_and_kind_filters_run_no_distinct_and_keep_their_rows(manager, url_name, params, client):
    # Given orders in three statuses, one on hold
    channel = SalesChannelFactory()
    allocated = OrderFactory(channel=channel, status=OrderStatus.ALLOCATED)
    received = OrderFactory(channel=channel, status=OrderStatus.RECEIVED)
    OrderFactory(channel=channel, status=OrderStatus.CANCELLED)
    for order in (allocated, received):
        OrderLineFactory(order=order)
        OrderLineFactory(order=order)
    held = HoldFactory(kind="manual")
    HoldFactory(kind="address")
    if url_name == "orders:list":
        client.force_login(manager)
        http = client
    else:
        http = api_client_for(manager)

    # When the list is filtered on several values
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(reverse(url_name), params)

    # Then no query is a DISTINCT, and each matching row comes once
    assert response.status_code == 200
    assert not [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
    if url_name == "orders:list":
        assert [o.pk for o in response.context["page"]] == [received.pk, allocated.pk]
    elif url_name == "order-list":
        assert [o["id"] for o in response.json()["results"]] == [received.pk, allocated.pk]
    else:
        assert [h["id"] for h in response.json()["results"]] == [held.pk]


def test_status_filter_queryset_has_no_distinct(manager):
    filterset = OrderFilter({"status": ["allocated", "on_hold"]}, queryset=order_list(user=manager))

    assert filterset.is_valid()
    assert not filterset.qs.query.distinct
    assert "DISTINCT" not in str(filterset.qs.query).upper()


def test_received_from_and_to_are_whole_days_in_the_current_time_zone(manager):
    # Given an order received at 03:00 UTC on 2 March, which is 20:00 on 1 March in Denver
    channel = SalesChannelFactory()
    evening = OrderFactory(channel=channel)
    next_day = OrderFactory(channel=channel)
    Order.objects.filter(pk=evening.pk).update(received_at=datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC))
    Order.objects.filter(pk=next_day.pk).update(received_at=datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC))

    def numbers(**params):
        with timezone.override(zoneinfo.ZoneInfo("America/Denver")):
            filterset = OrderFilter(params, queryset=order_list(user=manager))
            assert filterset.is_valid(), filterset.errors
            return sorted(o.pk for o in filterset.qs)

    # Then the filters count it on the 1st, as the Denver clock does, and compare received_at as stored
    assert numbers(received_to="2026-03-01") == [evening.pk]
    assert numbers(received_from="2026-03-02") == [next_day.pk]
    assert numbers(received_from="2026-03-01", received_to="2026-03-02") == [evening.pk, next_day.pk]
    with timezone.override(zoneinfo.ZoneInfo("America/Denver")):
        sql = str(OrderFilter({"received_from": "2026-03-01"}, queryset=order_list(user=manager)).qs.query)
    assert "AT TIME ZONE" not in sql.upper()
    assert "django_datetime_cast_date" not in sql
