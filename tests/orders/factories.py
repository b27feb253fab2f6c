"""Helpers for routing and allocation tests: stock goes in through the ledger service, as in production."""

from __future__ import annotations

import datetime
from decimal import Decimal

from inventory.services import stock_receive
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    SalesChannelFactory,
    WarehouseFactory,
)
from warehouses.choices import LocationKind


def salt_lake_city():
    return WarehouseFactory(code="SLC", name="Salt Lake City", city="Salt Lake City", state="UT",
                            postal_code="84120", latitude=Decimal("40.725190"), longitude=Decimal("-111.985870"))


def nashville():
    return WarehouseFactory(code="NSH", name="Nashville", city="Nashville", state="TN", postal_code="37210",
                            latitude=Decimal("36.148740"), longitude=Decimal("-86.712610"))


def put_stock(product, quantity: int, *, warehouse=None, location=None, kind: str = LocationKind.PICK,
              lot_number: str = "", expiry_date: datetime.date | None = None, walk_sequence: int | None = None):
    """Receive units of a product at a (new, unless given) location and return the location."""
    if location is None:
        extra = {"walk_sequence": walk_sequence} if walk_sequence is not None else {}
        location = LocationFactory(warehouse=warehouse, kind=kind, **extra)
    stock_receive(product=product, location=location, quantity=quantity, reference="TEST-STOCK",
                  lot_number=lot_number, expiry_date=expiry_date)
    return location


def order_with_lines(client, lines: list[tuple[object, int]], **fields):
    """An order in `received` for a client with (product, quantity) lines."""
    channel = SalesChannelFactory(client=client)
    order = OrderFactory(channel=channel, **fields)
    for product, quantity in lines:
        OrderLineFactory(order=order, product=product, quantity=quantity)
    return order
