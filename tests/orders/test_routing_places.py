"""Routing decisions at the edges: military and Canadian addresses, places nobody knows, a rule's warehouse
that cannot ship, and splits over many warehouses."""

import itertools
import random
from decimal import Decimal

import pytest

from orders.choices import OrderStatus
from orders.holds.services import order_release_hold
from orders.models import Hold
from orders.processing import order_received_process, orders_received_process
from orders.routing import SPLIT_SEARCH_WAREHOUSES, order_route, split_plan
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory
from tests.orders.factories import nashville, order_with_lines, put_stock, salt_lake_city
from tests.rules.factories import RuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def slc():
    return salt_lake_city()


@pytest.fixture
def nsh():
    return nashville()


@pytest.fixture
def client():
    return ClientFactory(name="Cascade Outfitters")


@pytest.fixture
def tent(client):
    return ProductFactory(client=client, sku="CO-TNT-2P")


@pytest.fixture
def coasts(client, tent):
    """A warehouse on each coast besides the demo's two, all with the tent in stock."""
    warehouses = {
        "SLC": salt_lake_city(),
        "NSH": nashville(),
        "NJ": WarehouseFactory(code="NJ", name="Edison", city="Edison", state="NJ", postal_code="08817",
                               latitude=Decimal("40.518700"), longitude=Decimal("-74.412100")),
        "FL": WarehouseFactory(code="FL", name="Orlando", city="Orlando", state="FL", postal_code="32801",
                               latitude=Decimal("28.538300"), longitude=Decimal("-81.379200")),
        "CA": WarehouseFactory(code="CA", name="Oakland", city="Oakland", state="CA", postal_code="94607",
                               latitude=Decimal("37.804400"), longitude=Decimal("-122.271100")),
    }
    for warehouse in warehouses.values():
        put_stock(tent, 5, warehouse=warehouse)
    return warehouses


@pytest.mark.parametrize(("state", "postal_code", "warehouse", "gateway"), [
    ("AE", "09001", "NJ", "New York (JFK) gateway"),
    ("AA", "34001", "FL", "Miami gateway"),
    ("AP", "96201", "CA", "San Francisco gateway"),
])
def test_military_zip_is_routed_from_its_coasts_gateway_and_the_timeline_names_it(
        client, tent, coasts, state, postal_code, warehouse, gateway):
    order = order_with_lines(client, [(tent, 1)], ship_city="APO", ship_state=state, ship_postal_code=postal_code)

    result = order_route(order=order)

    order.refresh_from_db()
    assert (result.outcome, order.warehouse.code) == ("allocated", warehouse)
    note = order.events.last().note
    assert f"APO/FPO/DPO address in {state}: routed via the {gateway}" in note
    assert " 0 km" not in note


CANADA = {"ship_country": "CA", "ship_address1": "1 Main St"}


@pytest.mark.parametrize(("city", "province", "postal_code", "warehouse"), [
    ("Toronto", "ON", "M5V 2T6", "NSH"),
    ("Montreal", "QC", "H2X 1Y4", "NSH"),
    ("Halifax", "NS", "B3H 1A1", "NSH"),
    ("Vancouver", "BC", "V6B 1A1", "SLC"),
    ("Calgary", "AB", "T2P 1J9", "SLC"),
])
def test_canadian_address_is_routed_by_its_postal_region(client, tent, slc, nsh, city, province, postal_code,
                                                         warehouse):
    put_stock(tent, 5, warehouse=slc)
    put_stock(tent, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1)], ship_city=city, ship_state=province, ship_postal_code=postal_code,
                             **CANADA)

    result = order_route(order=order)

    order.refresh_from_db()
    assert (result.outcome, order.warehouse.code) == ("allocated", warehouse)


def test_canadian_address_without_a_postal_code_is_routed_by_its_province(client, tent, slc, nsh):
    put_stock(tent, 5, warehouse=slc)
    put_stock(tent, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1)], ship_city="Ottawa", ship_state="ON", ship_postal_code="",
                             **CANADA)

    order_route(order=order)

    order.refresh_from_db()
    assert order.warehouse.code == "NSH"
    assert "no postal code; placed by Toronto" in order.events.last().note


@pytest.mark.parametrize("fields", [
    {"ship_country": "CA", "ship_state": "", "ship_postal_code": "12345"},
    {"ship_country": "ZZ", "ship_state": "", "ship_postal_code": ""},
    {"ship_country": "US", "ship_state": "", "ship_postal_code": "00000"},
])
def test_an_address_nobody_can_place_is_held_not_routed_from_zero_zero(client, tent, slc, nsh, fields):
    put_stock(tent, 5, warehouse=slc)
    put_stock(tent, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1)], **fields)

    result = order_route(order=order)

    order.refresh_from_db()
    hold = Hold.objects.get(order=order)
    assert (result.outcome, order.status, order.warehouse, hold.kind) == ("on_hold", OrderStatus.ON_HOLD, None,
                                                                          "address")
    assert "Cannot place the ship-to address" in hold.reason
    assert "Correct the address, then release the order." in hold.reason


ALASKA = {"ship_city": "Anchorage", "ship_state": "AK", "ship_postal_code": "99501"}


@pytest.fixture
def alaska_rule():
    return RuleFactory(name="Alaska and Hawaii ship from Salt Lake City",
                       conditions=[{"field": "ship_state", "op": "in", "value": ["AK", "HI"]}],
                       actions=[{"type": "set_warehouse", "value": "SLC"}])


def test_rule_warehouse_that_cannot_ship_holds_the_order_naming_the_rule(client, tent, slc, nsh, alaska_rule):
    put_stock(tent, 5, warehouse=nsh)  # the stock is only in Nashville
    order = order_with_lines(client, [(tent, 1)], **ALASKA)

    assert order_received_process(order_id=order.pk) == "on_hold"

    order.refresh_from_db()
    hold = Hold.objects.get(order=order)
    assert (order.status, hold.kind, hold.rule) == (OrderStatus.ON_HOLD, "rule", alaska_rule)
    note = order.events.last().note
    assert note.startswith("Rule hold: Rule “Alaska and Hawaii ship from Salt Lake City” sends this order to SLC, "
                           "which cannot ship it")
    assert "NSH has the stock" in note


def test_rule_warehouse_that_cannot_ship_is_held_when_routed_in_a_batch(client, tent, slc, nsh, alaska_rule):
    put_stock(tent, 5, warehouse=nsh)
    held = order_with_lines(client, [(tent, 1)], **ALASKA)
    plain = order_with_lines(client, [(tent, 1)])

    assert orders_received_process([held.pk, plain.pk]) == {}

    held.refresh_from_db()
    plain.refresh_from_db()
    assert (plain.status, plain.warehouse.code) == (OrderStatus.ALLOCATED, "NSH")
    assert (held.status, Hold.objects.get(order=held).rule) == (OrderStatus.ON_HOLD, alaska_rule)


def test_releasing_the_rule_hold_backorders_the_order_at_the_rules_warehouse(client, tent, slc, nsh, alaska_rule):
    put_stock(tent, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1)], **ALASKA)
    order_received_process(order_id=order.pk)

    order_release_hold(order=order)
    order_received_process(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == OrderStatus.BACKORDERED
    assert Hold.objects.filter(order=order, released_at__isnull=True).count() == 0


def test_rule_warehouse_is_not_held_when_no_warehouse_has_the_stock(client, tent, slc, nsh, alaska_rule):
    order = order_with_lines(client, [(tent, 1)], **ALASKA)

    assert order_received_process(order_id=order.pk) == "backordered"


def _fewest_shipments_by_brute_force(need: dict[int, int], available: dict[int, dict[int, int]]) -> int:
    for size in range(1, len(available) + 1):
        for combo in itertools.combinations(available, size):
            if all(sum(available[w].get(p, 0) for w in combo) >= n for p, n in need.items()):
                return size
    raise AssertionError("no cover")


@pytest.mark.parametrize("warehouses", range(SPLIT_SEARCH_WAREHOUSES + 1, 15))
def test_split_over_many_warehouses_ships_in_the_fewest_shipments_brute_force_finds(warehouses):
    rng = random.Random(warehouses)
    for _ in range(40):
        products = rng.randint(3, 8)
        available = {w: {p: rng.choice([0, 0, 0, 1, 2, 3, 5]) for p in range(products)}
                     for w in range(1, warehouses + 1)}
        distances = {w: rng.uniform(100, 4000) for w in available}
        totals = {p: sum(units[p] for units in available.values()) for p in range(products)}
        lines = [(p + 1, p, min(totals[p], rng.randint(1, 6))) for p in range(products) if totals[p]]
        need = {p: q for _, p, q in lines}

        plan = split_plan(lines=lines, available=available, distances=distances)

        assert all(w is not None for w, _ in plan)  # everything is in stock somewhere: nothing is backordered
        assert len(plan) == _fewest_shipments_by_brute_force(need, available)
        shipped: dict[int, int] = {}
        for w, part in plan:
            for line_id, q in part:
                shipped[line_id - 1] = shipped.get(line_id - 1, 0) + q
                assert q <= available[w][line_id - 1]
        assert shipped == need


def test_split_over_many_warehouses_ships_what_the_nearest_ten_cannot():
    # The ten nearest hold one product each; only the far eleventh and twelfth hold the other two.
    available = {w: {0: 1} for w in range(1, 11)} | {11: {1: 1}, 12: {2: 1}}
    distances = {w: 100.0 * w for w in available}

    plan = split_plan(lines=[(1, 0, 1), (2, 1, 1), (3, 2, 1)], available=available, distances=distances)

    assert plan == [(1, [(1, 1)]), (11, [(2, 1)]), (12, [(3, 1)])]
