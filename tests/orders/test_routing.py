import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel
from inventory.services import stock_adjust
from orders.allocation import order_line_allocations_release
from orders.choices import OrderStatus
from orders.exceptions import InvalidTransition
from orders.holds.services import order_release_hold
from orders.intake.creation import order_create
from orders.models import Allocation, Order
from orders.routing import order_reroute, order_route, split_plan
from orders.services import order_cancel, order_transition
from tests.factories import ClientFactory, ProductFactory, SalesChannelFactory, WarehouseFactory
from tests.orders.factories import nashville, order_with_lines, put_stock, salt_lake_city

pytestmark = pytest.mark.django_db

SEATTLE = {"ship_address1": "400 Pine St", "ship_city": "Seattle", "ship_state": "WA", "ship_postal_code": "98101", "ship_country": "US"}
COLUMBIA = {"ship_address1": "1200 Senate St", "ship_city": "Columbia", "ship_state": "SC", "ship_postal_code": "29201", "ship_country": "US"}


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
def lamp(client):
    return ProductFactory(client=client, sku="CO-HL-400")


@pytest.fixture
def stocked_everywhere(slc, nsh, tent, lamp):
    for warehouse in (slc, nsh):
        put_stock(tent, 10, warehouse=warehouse)
        put_stock(lamp, 10, warehouse=warehouse)


def allocated_in(order) -> dict[str, int]:
    result: dict[str, int] = {}
    for a in Allocation.objects.filter(line__order=order).select_related("stock_level__location__warehouse"):
        code = a.stock_level.location.warehouse.code
        result[code] = result.get(code, 0) + a.quantity
    return result


def test_columbia_sc_is_routed_to_nashville(client, tent, lamp, stocked_everywhere):
    order = order_with_lines(client, [(tent, 1), (lamp, 2)], **COLUMBIA)

    result = order_route(order=order)

    order.refresh_from_db()
    assert (result.outcome, order.status, order.warehouse.code) == ("allocated", OrderStatus.ALLOCATED, "NSH")
    assert allocated_in(order) == {"NSH": 3}
    assert order.events.last().note == "Routed to NSH, 569 km, all 2 lines in stock; SLC 2,820 km"


def test_seattle_wa_is_routed_to_salt_lake_city(client, tent, lamp, stocked_everywhere):
    order = order_with_lines(client, [(tent, 1)], **SEATTLE)

    order_route(order=order)

    order.refresh_from_db()
    assert order.warehouse.code == "SLC"
    assert order.events.last().note == "Routed to SLC, 1,124 km, the line in stock; NSH 3,177 km"


def test_order_only_a_far_warehouse_can_fill_goes_there(client, slc, nsh, tent, lamp):
    put_stock(tent, 5, warehouse=slc)
    put_stock(lamp, 5, warehouse=slc)
    put_stock(tent, 5, warehouse=nsh)  # the near one lacks the lamp
    order = order_with_lines(client, [(tent, 1), (lamp, 1)], **COLUMBIA)

    order_route(order=order)

    order.refresh_from_db()
    assert (order.status, order.warehouse.code) == (OrderStatus.ALLOCATED, "SLC")
    assert order.events.last().note == (
        "Routed to SLC, 2,820 km, all 2 lines in stock; NSH 569 km, short: CO-HL-400 needs 1, has 0")


def test_expired_and_inactive_stock_does_not_count_when_routing(client, slc, nsh, tent):
    put_stock(tent, 5, warehouse=nsh, lot_number="OLD", expiry_date=timezone.localdate() - datetime.timedelta(days=1))
    put_stock(tent, 5, warehouse=slc)
    WarehouseFactory(code="ATL", latitude="33.75", longitude="-84.39", is_active=False)
    order = order_with_lines(client, [(tent, 2)], **COLUMBIA)

    order_route(order=order)

    assert Order.objects.get(pk=order.pk).warehouse.code == "SLC"


def test_client_limited_to_some_warehouses_is_routed_only_there(client, tent, lamp, stocked_everywhere, slc):
    client.allowed_warehouses.set([slc])
    order = order_with_lines(client, [(tent, 1)], **COLUMBIA)

    order_route(order=order)

    assert Order.objects.get(pk=order.pk).warehouse.code == "SLC"
    assert "NSH" not in order.events.last().note


def test_preferred_warehouse_wins_when_it_can_ship_everything(client, tent, lamp, stocked_everywhere, slc):
    client.preferred_warehouse = slc
    client.save()
    order = order_with_lines(client, [(tent, 1)], **COLUMBIA)

    order_route(order=order)

    assert Order.objects.get(pk=order.pk).warehouse.code == "SLC"
    assert order.events.last().note.startswith("Routed to SLC (the client's preferred warehouse), 2,820 km")


def test_preferred_warehouse_that_cannot_ship_all_gives_way(client, slc, nsh, tent, lamp):
    client.preferred_warehouse = slc
    client.save()
    put_stock(tent, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1)], **COLUMBIA)

    order_route(order=order)

    assert Order.objects.get(pk=order.pk).warehouse.code == "NSH"


def test_no_split_client_backorders_the_whole_order(client, slc, nsh, tent, lamp):
    put_stock(tent, 5, warehouse=slc)
    put_stock(lamp, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1), (lamp, 1)], **COLUMBIA)

    result = order_route(order=order)

    order.refresh_from_db()
    assert (result.outcome, order.status, order.warehouse) == ("backordered", OrderStatus.BACKORDERED, None)
    assert not Allocation.objects.exists()
    assert order.events.last().note == (
        "Backordered: no warehouse can ship every line (NSH 569 km, short: CO-TNT-2P needs 1, has 0; "
        "SLC 2,820 km, short: CO-HL-400 needs 1, has 0); the client does not allow split shipments")


def test_split_client_gets_one_part_per_warehouse(client, slc, nsh, tent, lamp):
    client.allow_split_shipments = True
    client.save()
    put_stock(tent, 5, warehouse=slc)
    put_stock(lamp, 5, warehouse=nsh)
    order = order_with_lines(client, [(tent, 1), (lamp, 2)], order_number="1001", **COLUMBIA)

    result = order_route(order=order)

    order.refresh_from_db()
    assert (result.outcome, order.status, order.warehouse) == ("split", OrderStatus.SPLIT, None)
    parts = {p.order_number: p for p in order.parts.all()}
    assert set(parts) == {"1001-1", "1001-2"}
    nearest, far = parts["1001-1"], parts["1001-2"]
    assert (nearest.warehouse.code, nearest.status, far.warehouse.code, far.status) == (
        "NSH", OrderStatus.ALLOCATED, "SLC", OrderStatus.ALLOCATED)
    assert [(line.sku, line.quantity) for line in nearest.lines.all()] == [("CO-HL-400", 2)]
    assert [(line.sku, line.quantity) for line in far.lines.all()] == [("CO-TNT-2P", 1)]
    assert allocated_in(nearest) == {"NSH": 2}
    assert allocated_in(far) == {"SLC": 1}
    assert not Allocation.objects.filter(line__order=order).exists()
    assert nearest.received_at == order.received_at
    assert nearest.ship_postal_code == "29201"
    assert order.events.last().note == (
        "Split into 2 shipments because no warehouse can ship every line (NSH 569 km, short: CO-TNT-2P needs 1, "
        "has 0; SLC 2,820 km, short: CO-HL-400 needs 2, has 0): 1001-1 from NSH (569 km): CO-HL-400 × 2; "
        "1001-2 from SLC (2,820 km): CO-TNT-2P × 1")


def test_split_ships_what_is_in_stock_and_backorders_the_rest(client, slc, nsh, tent, lamp):
    client.allow_split_shipments = True
    client.save()
    put_stock(tent, 2, warehouse=nsh)
    order = order_with_lines(client, [(tent, 5), (lamp, 1)], order_number="1002", **COLUMBIA)

    order_route(order=order)

    parts = {p.order_number: p for p in Order.objects.filter(parent=order)}
    assert parts["1002-1"].status == OrderStatus.ALLOCATED
    assert [(line.sku, line.quantity) for line in parts["1002-1"].lines.all()] == [("CO-TNT-2P", 2)]
    assert parts["1002-2"].status == OrderStatus.BACKORDERED
    assert sorted((line.sku, line.quantity) for line in parts["1002-2"].lines.all()) == [
        ("CO-HL-400", 1), ("CO-TNT-2P", 3)]


def test_split_plan_uses_the_fewest_shipments_then_the_shortest_distance():
    # Lines 1 and 2 could ship from A+B (2 shipments) or A+C or all three; C is nearer than B.
    lines = [(1, 10, 1), (2, 20, 1), (3, 30, 1)]
    available = {"A": {10: 1, 30: 1}, "B": {20: 1}, "C": {20: 1, 30: 1}, "D": {10: 1}}
    distances = {"A": 900.0, "B": 500.0, "C": 700.0, "D": 100.0}

    plan = split_plan(lines=lines, available=available, distances=distances)

    assert plan == [("D", [(1, 1)]), ("C", [(2, 1), (3, 1)])]  # D+C = 800 km beats A+C = 1,600 and A+B


def test_split_plan_divides_a_line_only_when_no_chosen_warehouse_has_it_all():
    plan = split_plan(lines=[(1, 10, 5)], available={"A": {10: 3}, "B": {10: 3}}, distances={"A": 1.0, "B": 2.0})

    assert plan == [("A", [(1, 3)]), ("B", [(1, 2)])]


def test_unplaceable_address_puts_the_order_on_hold_with_the_reason(client, tent, stocked_everywhere):
    order = order_with_lines(client, [(tent, 1)], ship_country="US", ship_state="", ship_postal_code="00000")

    result = order_route(order=order)

    order.refresh_from_db()
    assert (result.outcome, order.status) == ("on_hold", OrderStatus.ON_HOLD)
    assert order.hold_reason.startswith("Cannot place the ship-to address (country 'US', no state, ZIP '00000')")
    assert not Allocation.objects.exists()


def test_unknown_zip_falls_back_to_the_state_and_says_so(client, tent, stocked_everywhere):
    order = order_with_lines(client, [(tent, 1)], ship_country="US", ship_state="TN", ship_postal_code="99999")

    order_route(order=order)

    order.refresh_from_db()
    assert order.warehouse.code == "NSH"
    assert order.events.last().note.endswith("(ZIP 99999 not found; placed by the centre of TN)")


def test_orders_abroad_are_placed_by_country(client, tent, stocked_everywhere):
    order = order_with_lines(client, [(tent, 1)], ship_country="JP", ship_state="", ship_postal_code="100-0001")
    unknown = order_with_lines(client, [(tent, 1)], ship_country="XX", ship_state="", ship_postal_code="")

    order_route(order=order)
    order_route(order=unknown)

    assert Order.objects.get(pk=order.pk).warehouse.code == "SLC"  # nearer Japan
    assert Order.objects.get(pk=unknown.pk).status == OrderStatus.ON_HOLD


def test_only_received_or_backordered_orders_are_routed(client, tent):
    order = order_with_lines(client, [(tent, 1)], status=OrderStatus.PICKING, **COLUMBIA)

    with pytest.raises(InvalidTransition):
        order_route(order=order)


def test_new_order_is_routed_automatically_after_commit(client, tent, stocked_everywhere,
                                                        django_capture_on_commit_callbacks):
    channel = SalesChannelFactory(client=client)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(channel=channel, order_number="5001", lines=[{"sku": tent.sku, "quantity": 1}],
                             ship_name="Avery", **COLUMBIA)

    order.refresh_from_db()
    assert (order.status, order.warehouse.code) == (OrderStatus.ALLOCATED, "NSH")


def test_order_released_from_hold_is_routed_again(client, tent, stocked_everywhere,
                                                  django_capture_on_commit_callbacks):
    order = order_with_lines(client, [(tent, 1)], status=OrderStatus.ON_HOLD, **SEATTLE)

    with django_capture_on_commit_callbacks(execute=True):
        order_release_hold(order=order)

    order.refresh_from_db()
    assert (order.status, order.warehouse.code) == (OrderStatus.ALLOCATED, "SLC")


def test_backorders_are_allocated_oldest_first_when_stock_arrives(client, slc, tent,
                                                                   django_capture_on_commit_callbacks):
    older = order_with_lines(client, [(tent, 2)], **SEATTLE)
    younger = order_with_lines(client, [(tent, 2)], **SEATTLE)
    Order.objects.filter(pk=older.pk).update(received_at=timezone.now() - datetime.timedelta(hours=2))
    order_route(order=younger)
    order_route(order=older)
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.BACKORDERED}
    location = put_stock(tent, 1, warehouse=slc)

    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(product=tent, location=location, quantity=2, reason="Found in returns cage")

    assert Order.objects.get(pk=older.pk).status == OrderStatus.ALLOCATED
    assert Order.objects.get(pk=younger.pk).status == OrderStatus.BACKORDERED
    assert StockLevel.objects.get(location=location).available == 1
    assert Order.objects.get(pk=older.pk).events.last().actor == "backorder release"


def test_cancelling_an_order_releases_stock_to_a_waiting_backorder(client, slc, tent,
                                                                    django_capture_on_commit_callbacks):
    put_stock(tent, 1, warehouse=slc)
    first = order_with_lines(client, [(tent, 1)], **SEATTLE)
    waiting = order_with_lines(client, [(tent, 1)], **SEATTLE)
    order_route(order=first)
    order_route(order=waiting)
    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=Order.objects.get(pk=first.pk), reason="Customer cancelled")

    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.ALLOCATED
    assert allocated_in(waiting) == {"SLC": 1}


def test_reroute_releases_and_allocates_again(client, tent, stocked_everywhere, slc, manager):
    order = order_with_lines(client, [(tent, 3)], **COLUMBIA)
    order_route(order=order)
    assert allocated_in(order) == {"NSH": 3}
    client.allowed_warehouses.set([slc])

    result = order_reroute(order=order, user=manager, note="NSH dock closed")

    order.refresh_from_db()
    assert (result.outcome, order.warehouse.code) == ("allocated", "SLC")
    assert allocated_in(order) == {"SLC": 3}
    assert sum(StockLevel.objects.filter(location__warehouse__code="NSH").values_list("allocated", flat=True)) == 0
    notes = list(order.events.values_list("note", flat=True))
    assert "NSH dock closed; 3 reserved units released" in notes


def test_reroute_api_and_page(client, tent, stocked_everywhere, slc, manager, manager_api):
    order = order_with_lines(client, [(tent, 1)], external_id="ext-77", **COLUMBIA)
    order_route(order=order)
    client.allowed_warehouses.set([slc])

    response = manager_api.post(reverse("order-reroute", args=[order.pk]), {"reason": "by hand"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["warehouse"], response.json()["status"]) == ("SLC", "allocated")
    listed = manager_api.get(reverse("order-list"), {"external_id": "ext-77"}).json()["results"]
    assert [o["warehouse"] for o in listed] == ["SLC"]


def test_reroute_is_refused_for_a_picking_order_and_for_non_managers(client, tent, api_for, client_user_a,
                                                                     manager_api):
    order = order_with_lines(client, [(tent, 1)], status=OrderStatus.PICKING, **COLUMBIA)

    refused = manager_api.post(reverse("order-reroute", args=[order.pk]), {}, format="json")

    assert refused.status_code == 400
    assert "cannot be re-routed" in refused.json()["detail"]
    own = order_with_lines(client_user_a.profile.client, [(ProductFactory(client=client_user_a.profile.client), 1)])
    assert api_for(client_user_a).post(reverse("order-reroute", args=[own.pk]), {}, format="json").status_code == 403


def test_a_backordered_part_that_splits_again_numbers_its_parts_under_the_original(client, slc, nsh, tent, lamp):
    client.allow_split_shipments = True
    client.save()
    order = order_with_lines(client, [(tent, 1), (lamp, 1)], order_number="1003", **COLUMBIA)
    order_route(order=order)
    assert order.events.last().to_status == OrderStatus.BACKORDERED  # nothing anywhere: backordered whole
    put_stock(tent, 1, warehouse=slc)
    put_stock(lamp, 1, warehouse=nsh)

    result = order_route(order=Order.objects.get(pk=order.pk))

    assert result.outcome == "split"
    assert sorted(Order.objects.filter(parent=order).values_list("order_number", "warehouse__code")) == [
        ("1003-1", "NSH"), ("1003-2", "SLC")]


def test_a_backordered_part_is_allocated_when_its_stock_arrives(client, slc, nsh, tent, lamp,
                                                                 django_capture_on_commit_callbacks):
    client.allow_split_shipments = True
    client.save()
    put_stock(tent, 1, warehouse=slc)
    order = order_with_lines(client, [(tent, 1), (lamp, 2)], order_number="1004", **COLUMBIA)
    order_route(order=order)
    waiting = Order.objects.get(order_number="1004-2")
    assert waiting.status == OrderStatus.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        put_stock(lamp, 5, warehouse=nsh)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.warehouse.code) == (OrderStatus.ALLOCATED, "NSH")
    assert Order.objects.filter(parent=order).count() == 2


def test_an_order_backordered_after_a_short_pick_keeps_its_warehouse_and_is_topped_up(
        client, slc, nsh, tent, lamp, django_capture_on_commit_callbacks):
    put_stock(tent, 5, warehouse=slc)
    shelf = put_stock(lamp, 1, warehouse=slc)
    put_stock(lamp, 9, warehouse=nsh)
    order = order_with_lines(client, [(tent, 2), (lamp, 1)], **SEATTLE)
    order_route(order=order)
    # The picker found no lamp: the floor released that line's reservation and backordered the order.
    order_line_allocations_release(line=order.lines.get(product=lamp))
    stock_adjust(product=lamp, location=shelf, quantity=-1, reason="Not found on short pick")
    order_transition(order=order, to_status=OrderStatus.BACKORDERED, note="Short pick")

    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(product=lamp, location=shelf, quantity=1, reason="Found behind the shelf")

    order.refresh_from_db()
    assert (order.status, order.warehouse.code) == (OrderStatus.ALLOCATED, "SLC")
    assert allocated_in(order) == {"SLC": 3}
    assert order.events.last().note == "Back in stock at SLC: CO-HL-400 × 1"
