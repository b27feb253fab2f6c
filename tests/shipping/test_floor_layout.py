import pytest
from django.urls import reverse

from core.choices import Role
from shipping.picking.release import pick_list_release_single
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory, make_user
from tests.shipping.factories import allocated_order, make_floor
from warehouses.models import ZoneLayout

pytestmark = pytest.mark.django_db


def test_manager_sees_each_zone_with_its_aisle_positions(client, manager):
    floor = make_floor(aisles=(1, 2))
    client.force_login(manager)

    response = client.get(reverse("shipping:floor"))

    assert response.status_code == 200
    page = response.content.decode()
    assert floor["PACK-01"].warehouse.code in page
    # zone A's aisles 0 and 3 m from the packing area, then reserve zone R one pitch later
    assert "0.0, 3.0" in page
    assert "6.0" in page


def test_manager_moves_a_zone_and_new_pick_lists_walk_it_first(client, manager):
    # Given zone R placed before zone A (it lies next to the packing area)
    floor = make_floor(aisles=(1, 2))
    warehouse = floor["PACK-01"].warehouse
    client.force_login(manager)

    response = client.post(reverse("shipping:floor"), {"warehouse": warehouse.pk, "zone": "R", "walk_position": 0,
                                                       "first_aisle_m": "0", "aisle_pitch_m": "3"})
    client.post(reverse("shipping:floor"), {"warehouse": warehouse.pk, "zone": "A", "walk_position": 1,
                                            "first_aisle_m": "", "aisle_pitch_m": "3"})

    assert response.status_code == 302
    layout = ZoneLayout.objects.get(warehouse=warehouse, zone="R")
    assert (layout.walk_position, layout.first_aisle_m) == (0, 0)
    # When an order with stock in both zones is released, then the reserve aisle comes first
    merchant = ClientFactory()
    a, r = ProductFactory(client=merchant), ProductFactory(client=merchant)
    order = allocated_order(warehouse, [(a, floor["A-01-03-A"], 1), (r, floor["R-09-01-A"], 1)])
    pick_list = pick_list_release_single(order=order, user=manager)
    assert [ln.location.code for ln in pick_list.lines.order_by("sequence")] == ["R-09-01-A", "A-01-03-A"]


@pytest.mark.parametrize(("field", "value"), [("walk_position", "-1"), ("aisle_pitch_m", "0"),
                                               ("first_aisle_m", "many"), ("zone", "NOPE")])
def test_bad_layout_input_is_a_400_with_the_reason(client, manager, field, value):
    floor = make_floor(aisles=(1,))
    data = {"warehouse": floor["PACK-01"].warehouse.pk, "zone": "A", "walk_position": 1, "first_aisle_m": "",
            "aisle_pitch_m": "3", field: value}
    client.force_login(manager)

    response = client.post(reverse("shipping:floor"), data)

    assert response.status_code == 400
    assert "not saved" in response.content.decode()
    assert not ZoneLayout.objects.exists()


def test_a_manager_of_another_warehouse_cannot_change_this_one(client):
    floor = make_floor(aisles=(1,))
    other = WarehouseFactory(code="OTH")
    manager = make_user(Role.MANAGER)
    manager.profile.warehouses.set([other])
    client.force_login(manager)

    response = client.post(reverse("shipping:floor"), {"warehouse": floor["PACK-01"].warehouse.pk, "zone": "A",
                                                       "walk_position": 0, "aisle_pitch_m": "3"})

    assert response.status_code == 404
    assert floor["PACK-01"].warehouse.code not in client.get(reverse("shipping:floor")).content.decode()
    assert not ZoneLayout.objects.exists()


def test_pickers_and_client_users_may_not_open_the_floor_layout(client, picker, client_user_a):
    for user in (picker, client_user_a):
        client.force_login(user)
        assert client.get(reverse("shipping:floor")).status_code == 403
