import pytest
from django.urls import reverse

from core.choices import Role
from orders.choices import OrderStatus
from orders.models import Order
from orders.routing import order_route
from tests.factories import ClientFactory, ProductFactory, make_user
from tests.orders.factories import nashville, order_with_lines, put_stock, salt_lake_city

pytestmark = pytest.mark.django_db

COLUMBIA = {"ship_city": "Columbia", "ship_state": "SC", "ship_postal_code": "29201", "ship_country": "US"}


@pytest.fixture
def merchant():
    return ClientFactory(name="Cascade Outfitters", allow_split_shipments=True)


@pytest.fixture
def warehouses():
    return salt_lake_city(), nashville()


def test_order_page_shows_where_each_line_is_reserved(client, manager, merchant, warehouses):
    slc, _ = warehouses
    tent = ProductFactory(client=merchant, sku="CO-TNT-2P")
    location = put_stock(tent, 5, warehouse=slc, lot_number="L2601")
    order = order_with_lines(merchant, [(tent, 2)], **COLUMBIA)
    order_route(order=order)
    client.force_login(manager)

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "Reserved stock" in page
    assert f"<strong>{location.code}</strong>" in page
    assert "L2601" in page
    assert "Routed to SLC, 2,820 km, the line in stock" in page
    assert reverse("orders:reroute", args=[order.pk]) in page


def test_split_order_page_lists_its_parts_and_their_progress(client, manager, merchant, warehouses):
    slc, nsh = warehouses
    tent, lamp = ProductFactory(client=merchant, sku="T-1"), ProductFactory(client=merchant, sku="L-1")
    put_stock(tent, 5, warehouse=slc)
    put_stock(lamp, 5, warehouse=nsh)
    order = order_with_lines(merchant, [(tent, 1), (lamp, 1)], order_number="1001", **COLUMBIA)
    order_route(order=order)
    client.force_login(manager)

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "Split into 2 parts" in page
    for part in Order.objects.filter(parent=order):
        assert reverse("orders:detail", args=[part.pk]) in page
    assert page.count("status-allocated") >= 2
    part_page = client.get(reverse("orders:detail", args=[order.parts.first().pk])).content.decode()
    assert "Part of split order" in part_page


def test_reroute_button_reroutes_and_a_refusal_is_a_message(client, manager, merchant, warehouses):
    slc, _ = warehouses
    tent = ProductFactory(client=merchant)
    put_stock(tent, 5, warehouse=slc)
    order = order_with_lines(merchant, [(tent, 1)], **COLUMBIA)
    order_route(order=order)
    picking = order_with_lines(merchant, [(tent, 1)], status=OrderStatus.PICKING, **COLUMBIA)
    client.force_login(manager)

    ok = client.post(reverse("orders:reroute", args=[order.pk]), {"reason": "check"}, follow=True)
    refused = client.post(reverse("orders:reroute", args=[picking.pk]),
                          HTTP_REFERER=reverse("orders:detail", args=[picking.pk]), follow=True)

    assert "re-routed: Routed to SLC" in ok.content.decode()
    assert "cannot be re-routed" in refused.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ALLOCATED


def test_reroute_page_is_for_managers_only(client, merchant):
    order = order_with_lines(merchant, [(ProductFactory(client=merchant), 1)])
    client.force_login(make_user(Role.CLIENT, client=merchant))

    assert client.post(reverse("orders:reroute", args=[order.pk])).status_code == 403


def test_backorder_page_lists_waiting_skus_and_units_that_release_them(client, manager, warehouses,
                                                                       django_assert_num_queries):
    slc, _ = warehouses
    merchant = ClientFactory()  # no split shipments
    tea = ProductFactory(client=merchant, sku="BL-GRN-MAT-30", name="Matcha")
    first = order_with_lines(merchant, [(tea, 5)], order_number="B-1", **COLUMBIA)
    second = order_with_lines(merchant, [(tea, 2)], order_number="B-2", **COLUMBIA)
    for order in (first, second):
        order_route(order=order)
    put_stock(tea, 3, warehouse=slc)  # arrived, but not yet released (no commit in this test)
    for _ in range(3):  # more backorders must not mean more queries
        order_route(order=order_with_lines(merchant, [(ProductFactory(client=merchant), 1)], **COLUMBIA))
    client.force_login(manager)
    client.get(reverse("orders:backorders"))

    with django_assert_num_queries(7):
        page = client.get(reverse("orders:backorders")).content.decode()

    assert "BL-GRN-MAT-30" in page
    assert "<strong>7</strong> units waiting" in page
    assert "<strong>3</strong> available now" in page
    assert "<strong>4</strong> more units would release every order" in page
    assert "2 more units" in page  # B-1 needs 5, 3 are there
    assert "4 more units" in page  # B-2 comes after B-1


def test_backorder_page_shows_a_client_user_only_its_own(client, warehouses):
    mine, theirs = ClientFactory(), ClientFactory()
    for merchant, sku in ((mine, "MINE-1"), (theirs, "THEIRS-1")):
        order_route(order=order_with_lines(merchant, [(ProductFactory(client=merchant, sku=sku), 1)], **COLUMBIA))
    client.force_login(make_user(Role.CLIENT, client=mine))

    page = client.get(reverse("orders:backorders")).content.decode()

    assert "MINE-1" in page
    assert "THEIRS-1" not in page


def test_client_routing_rules_are_set_over_the_api(manager_api, warehouses):
    slc, nsh = warehouses
    merchant = ClientFactory()
    url = reverse("client-detail", args=[merchant.pk])

    ok = manager_api.patch(url, {"allow_split_shipments": True, "allowed_warehouses": [slc.pk, nsh.pk],
                                 "preferred_warehouse": nsh.pk}, format="json")
    refused = manager_api.patch(url, {"allowed_warehouses": [slc.pk]}, format="json")

    assert ok.status_code == 200, ok.content
    assert (ok.json()["allow_split_shipments"], sorted(ok.json()["allowed_warehouses"]),
            ok.json()["preferred_warehouse"]) == (True, sorted([slc.pk, nsh.pk]), nsh.pk)
    assert refused.status_code == 400
    assert "preferred_warehouse" in refused.json()
