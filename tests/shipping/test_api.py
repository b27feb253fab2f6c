import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.choices import Role
from orders.choices import OrderStatus
from shipping.choices import PickListStatus
from shipping.picking.release import pick_list_release_single
from tests.factories import ClientFactory, ProductFactory, make_user
from tests.shipping.factories import allocated_order, make_floor, put_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor():
    return make_floor()


@pytest.fixture
def warehouse(floor):
    return floor["PACK-01"].warehouse


@pytest.fixture
def item(db):
    return ProductFactory(client=ClientFactory(), sku="API-SKU", barcode="036000291452")


def test_list_endpoint_is_scoped_and_cheap(api_for, manager, floor, warehouse, item, django_assert_max_num_queries):
    api = api_for(manager)
    pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    with CaptureQueriesContext(connection) as one:
        api.get(reverse("pick-list-list"), {"status": "released"})
    for n in range(2, 4):
        pick_list_release_single(order=allocated_order(warehouse, [(item, floor[f"A-01-0{n}-A"], 1)]))

    with django_assert_max_num_queries(len(one)):  # no query per row
        response = api.get(reverse("pick-list-list"), {"status": "released"})

    assert len(one) <= 10
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert {row["order_count"] for row in response.json()["results"]} == {1}
    assert api_for(make_user(Role.CLIENT)).get(reverse("pick-list-list")).status_code == 403


def test_detail_has_lines_orders_and_totes(api_for, picker, floor, warehouse, item):
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)]))

    body = api_for(picker).get(reverse("pick-list-detail", args=[pick_list.pk])).json()

    assert body["number"] == pick_list.number
    assert body["lines"][0]["location"] == "A-01-01-A"
    assert body["lines"][0]["links"][0]["tote"] == 1
    assert body["orders"][0]["order_status"] == "allocated"


def test_full_pick_through_the_api(api_for, manager, picker, floor, warehouse, item):
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 3)])
    put_stock(item, floor["A-02-01-A"], 5)
    released = api_for(manager).post(reverse("pick-list-release"), {"kind": "single", "order": order.pk},
                                     format="json")
    assert released.status_code == 201, released.json()
    pk = released.json()["pick_lists"][0]["id"]
    api = api_for(picker)

    assert api.post(reverse("pick-list-start", args=[pk])).status_code == 200
    line = api.get(reverse("pick-list-detail", args=[pk])).json()["lines"][0]["id"]
    wrong = api.post(reverse("pick-list-confirm-line", args=[pk]),
                     {"line": line, "location": "A-01-01-A", "item": "999999999999", "quantity": 1}, format="json")
    ok = api.post(reverse("pick-list-confirm-line", args=[pk]),
                  {"line": line, "location": "A-01-01-A", "item": item.barcode, "quantity": 2}, format="json")
    short = api.post(reverse("pick-list-short", args=[pk]), {"line": line}, format="json")
    early = api.post(reverse("pick-list-complete", args=[pk]))
    new_line = [ln for ln in short.json()["pick_list"]["lines"] if ln["location"] == "A-02-01-A"][0]
    api.post(reverse("pick-list-confirm-line", args=[pk]),
             {"line": new_line["id"], "location": "a-02-01-a", "item": item.sku, "quantity": 1}, format="json")
    done = api.post(reverse("pick-list-complete", args=[pk]))

    assert wrong.status_code == 409
    assert "WRONG ITEM" in wrong.json()["detail"]
    assert ok.status_code == 200
    assert short.json()["details"][0]["new_stops"] == ["A-02-01-A"]
    assert early.status_code == 400
    assert done.status_code == 200
    assert done.json()["pick_list"]["status"] == PickListStatus.COMPLETED
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKED


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "single"}, "order"),
    ({"kind": "batch"}, "warehouse"),
    ({"kind": "nope"}, "kind"),
    ({"kind": "batch", "warehouse": "TST", "cart_size": 0}, "cart_size"),
])
def test_bad_release_bodies_are_400(api_for, manager, floor, body, field):
    response = api_for(manager).post(reverse("pick-list-release"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_only_managers_release(api_for, picker, warehouse):
    response = api_for(picker).post(reverse("pick-list-release"), {"kind": "batch", "warehouse": warehouse.code},
                                    format="json")
    assert response.status_code == 403


def test_release_with_nothing_waiting_is_400(api_for, manager, warehouse):
    response = api_for(manager).post(reverse("pick-list-release"), {"kind": "wave", "warehouse": warehouse.code},
                                     format="json")
    assert response.status_code == 400
    assert "No allocated orders" in response.json()["detail"]


def test_actions_on_a_list_in_the_wrong_state_are_400(api_for, picker, floor, warehouse, item):
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    api = api_for(picker)
    assert api.post(reverse("pick-list-complete", args=[pick_list.pk])).status_code == 400
    assert api.post(reverse("pick-list-sort", args=[pick_list.pk]), {"item": "x"}, format="json").status_code == 400
    assert api.post(reverse("pick-list-confirm-line", args=[pick_list.pk]), {"line": "abc"},
                    format="json").status_code == 400
