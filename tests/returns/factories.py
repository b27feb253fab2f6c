"""Factories and builders for returns tests: a delivered order with a returns-ready warehouse."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.utils import timezone

from orders.choices import OrderStatus
from orders.models import Order, OrderEvent, OrderLine
from returns.choices import ReturnSource
from returns.models import FeedbackSurvey
from returns.services.opening import ReturnLineRequest, return_request
from tests.factories import (
    ClientFactory,
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SalesChannelFactory,
    WarehouseFactory,
)
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse


@dataclass
class Setup:
    warehouse: Warehouse
    pick: Location
    reserve: Location
    returns_area: Location
    order: Order
    lines: list[OrderLine]


def returns_warehouse(code: str = "SLC", **kwargs) -> tuple[Warehouse, Location, Location, Location]:
    warehouse = WarehouseFactory(code=code, **kwargs)
    pick = LocationFactory(warehouse=warehouse, kind=LocationKind.PICK, code=f"{code}-A-01-01-A")
    reserve = LocationFactory(warehouse=warehouse, kind=LocationKind.RESERVE, code=f"{code}-R-07-01-A")
    area = LocationFactory(warehouse=warehouse, kind=LocationKind.RETURNS, code="RET-01", zone="RET")
    return warehouse, pick, reserve, area


def mark_status(order: Order, status: str, *, at: datetime.datetime | None = None) -> None:
    """Put an order in a status with the timeline event that says when (tests' shortcut past the floor)."""
    previous = order.status
    Order.objects.filter(pk=order.pk).update(status=status)
    event = OrderEvent.objects.create(order=order, from_status=previous, to_status=status, note="test")
    if at is not None:
        OrderEvent.objects.filter(pk=event.pk).update(created_at=at)
    order.refresh_from_db()


def delivered_order(*, client=None, warehouse=None, delivered_days_ago: float = 2, prices=("25.00", "10.00"),
                    quantities=(2, 1), status: str = OrderStatus.DELIVERED, **order_fields) -> Order:
    client = client or ClientFactory()
    channel = SalesChannelFactory(client=client)
    order = OrderFactory(channel=channel, warehouse=warehouse, status=OrderStatus.PACKED, **order_fields)
    for price, qty in zip(prices, quantities, strict=True):
        product = ProductFactory(client=client)
        OrderLineFactory(order=order, product=product, quantity=qty, unit_price=Decimal(price))
    when = timezone.now() - datetime.timedelta(days=delivered_days_ago)
    mark_status(order, OrderStatus.SHIPPED, at=when - datetime.timedelta(days=2))
    if status == OrderStatus.DELIVERED:
        mark_status(order, OrderStatus.DELIVERED, at=when)
    return order


def make_setup(**kwargs) -> Setup:
    warehouse, pick, reserve, area = returns_warehouse()
    order = delivered_order(warehouse=warehouse, **kwargs)
    return Setup(warehouse=warehouse, pick=pick, reserve=reserve, returns_area=area, order=order,
                 lines=list(order.lines.select_related("product").order_by("pk")))


def open_return(order: Order, items: list[tuple[OrderLine, int, str]], *, source=ReturnSource.MANAGER, user=None,
                authorise: bool | None = True, **kwargs):
    return return_request(
        order=order, source=source, user=user, authorise=authorise,
        lines=[ReturnLineRequest(order_line_id=line.pk, quantity=qty, reason=reason,
                                 reason_note="other reason" if reason == "other" else "")
               for line, qty, reason in items],
        **kwargs,
    )


class FeedbackSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackSurvey

    order = factory.SubFactory(OrderFactory, status=OrderStatus.DELIVERED)
    email = factory.LazyAttribute(lambda o: o.order.customer_email)
    nonce = factory.Sequence(lambda n: f"nonce{n:08d}")
