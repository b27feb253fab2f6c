"""Factories and builders for the rules and holds tests."""

from decimal import Decimal

import factory

from inventory.services import stock_receive
from orders.choices import HoldKind, RuleRunStatus
from orders.models import Hold, Rule, RuleRun
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SalesChannelFactory,
    WarehouseFactory,
)


class RuleFactory(factory.django.DjangoModelFactory):
    """Rules as a manager would save them (canonical JSON); build invalid ones through the services."""

    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: n * 10)
    is_active = True
    conditions = factory.LazyFunction(list)
    actions = factory.LazyFunction(lambda: [{"type": "add_tags", "value": ["ruled"]}])


class RuleRunFactory(factory.django.DjangoModelFactory):
    """A finished re-run (only one run may be queued or running at a time)."""

    class Meta:
        model = RuleRun

    status = RuleRunStatus.DONE
    orders_considered = 3
    orders_matched = 1


class HoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hold

    order = factory.SubFactory(OrderFactory, status="on_hold")
    kind = HoldKind.MANUAL
    reason = "Checking with the customer"


def order_with_lines(*, client=None, channel_kind="shopify", lines=(("SKU-A", 2, 500), ("SKU-B", 1, 250)),
                     **fields):
    """An order of `client` with lines of (sku, quantity, weight_g) products; fields override the order's."""
    channel = SalesChannelFactory(kind=channel_kind, **({"client": client} if client else {}))
    defaults = {"total_price": Decimal("120.00"), "customer_email": "avery@example.com"}
    order = OrderFactory(channel=channel, **{**defaults, **fields})
    for sku, quantity, weight in lines:
        product = ProductFactory(client=order.client, sku=sku, weight_g=weight)
        OrderLineFactory(order=order, product=product, sku=sku, quantity=quantity, unit_price=Decimal("40.00"))
    return order


def stock_for(product, quantity: int = 20):
    """Stock of a product in a pick face of one active warehouse, through the ledger, so routing allocates."""
    location = LocationFactory(warehouse=WarehouseFactory(code="SLC"))
    stock_receive(product=product, location=location, quantity=quantity, reference="TEST", reason="test stock")
    return location.warehouse


def routed_again(order) -> bool:
    """The order left on_hold for received (and so went through rules, checks and routing again)."""
    return order.events.filter(from_status="on_hold", to_status="received").exists()
