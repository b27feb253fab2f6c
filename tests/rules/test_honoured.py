"""What rules store on an order is honoured downstream: routing's warehouses, rating's carrier and service."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from inventory.services import stock_receive
from orders.models import Hold
from orders.routing import order_route
from shipping.cartonization import Box, Item, candidate_packings
from shipping.exceptions import PackingError
from shipping.packing.services import pack_plan
from shipping.rating import candidates_from_packings, rate_shop
from tests.factories import LocationFactory, OrderFactory, OrderLineFactory, ProductFactory, WarehouseFactory
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_warehouses():
    slc = WarehouseFactory(code="SLC")
    nsh = WarehouseFactory(code="NSH", city="Nashville", state="TN", postal_code="37210",
                           latitude=Decimal("36.130000"), longitude=Decimal("-86.740000"))
    return slc, nsh


@pytest.fixture
def order(two_warehouses):
    # Columbia, SC: Nashville is much nearer than Salt Lake City; both have the product.
    order = OrderFactory()
    product = ProductFactory(client=order.client)
    OrderLineFactory(order=order, product=product, sku=product.sku)
    for warehouse in two_warehouses:
        stock_receive(product=product, location=LocationFactory(warehouse=warehouse), quantity=5, reference="T")
    return order


def test_routing_goes_to_the_nearest_warehouse_without_rules(order):
    assert order_route(order=order).warehouse.code == "NSH"


def test_routing_honours_a_forced_warehouse(order, two_warehouses):
    order.forced_warehouse = two_warehouses[0]
    order.save()

    result = order_route(order=order)

    assert result.warehouse.code == "SLC"
    assert "(a rule requires it)" in result.note


def test_routing_honours_allowed_warehouses(order, two_warehouses):
    order.allowed_warehouses.set([two_warehouses[0]])

    assert order_route(order=order).warehouse.code == "SLC"


def test_a_forced_warehouse_that_cannot_be_used_holds_the_order(order, two_warehouses):
    slc, nsh = two_warehouses
    order.forced_warehouse = slc
    order.save()
    order.allowed_warehouses.set([nsh])

    result = order_route(order=order)

    assert result.outcome == "on_hold"
    hold = Hold.objects.get(order=order)
    assert hold.kind == "rule"
    assert "A rule requires warehouse SLC" in hold.reason


BOXES = [Box("M", 350, 300, 250, 358, 308, 258, tare_g=300, cost=Decimal("0.95"))]
ITEMS = [Item("a", 200, 150, 100, 900)]


@pytest.mark.parametrize(("carrier", "service"), [("fedex", ""), ("ups", "2da"), ("", "GND")])
def test_rating_honours_the_carrier_and_service_a_rule_set(carrier, service):
    call_command("load_rate_cards", stdout=open("/dev/null", "w"))  # noqa: SIM115
    order = OrderFactory(warehouse=WarehouseFactory(code="SLC"), carrier_code=carrier, service_code=service)

    result = rate_shop(order=order, warehouse=order.warehouse,
                       candidates=candidates_from_packings(candidate_packings(ITEMS, BOXES)))

    assert result.chosen is not None
    if carrier:
        assert result.chosen.service.carrier.code.lower() == carrier
    if service:
        assert result.chosen.service.code.lower() == service.lower()
    assert any(o.note.startswith("A rule requires") for o in result.options)


@pytest.fixture
def picked_order():
    call_command("load_rate_cards", stdout=open("/dev/null", "w"))  # noqa: SIM115
    order = make_picked_order()
    for code, size in (("S", (250, 200, 150)), ("BRAND-L", (450, 350, 300))):
        BoxTypeFactory(warehouse=order.warehouse, code=code, inner_length_mm=size[0], inner_width_mm=size[1],
                       inner_height_mm=size[2])
    return order


def test_packing_uses_the_box_type_a_rule_set(picked_order):
    assert {p.box.key for p in pack_plan(order=picked_order).packages} == {"S"}
    picked_order.box_type_code = "brand-l"

    assert {p.box.key for p in pack_plan(order=picked_order).packages} == {"BRAND-L"}


def test_packing_says_so_when_the_rules_box_is_missing(picked_order):
    picked_order.box_type_code = "GIFT-BOX"

    with pytest.raises(PackingError, match="A rule requires box type GIFT-BOX"):
        pack_plan(order=picked_order)
