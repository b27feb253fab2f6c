import pytest

from core.choices import Role
from shipping.models import BoxType
from shipping.packing.services import shipment_label, shipment_ship
from tests.factories import ClientFactory, WarehouseFactory, make_user
from tests.shipping.helpers import make_picked_order
from tests.shipping.test_packing import packed_shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(boxed_order):
    return boxed_order


def test_quote_an_order_returns_boxes_and_every_rate(api_for, order):
    api = api_for(make_user(Role.CLIENT, client=order.client))

    response = api.post(f"/api/v1/orders/{order.pk}/rates/", {}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["chosen"]["eligible"] is True
    assert body["chosen"]["chosen"] is True
    assert body["packages"][0]["box"] == "S"
    assert len(body["options"]) == 12
    assert {o["carrier"] for o in body["options"]} == {"UPS", "FEDEX", "USPS", "DHL"}
    assert "Cheapest of" in body["reason"]


def test_quote_with_a_deadline(manager_api, order):
    response = manager_api.post(f"/api/v1/orders/{order.pk}/rates/", {"deliver_by": "2099-01-02"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(("body", "field"), [({"deliver_by": "soon"}, "deliver_by"),
                                             ({"deliver_by": "2000-01-01"}, "deliver_by")])
def test_bad_quote_requests_are_400(manager_api, order, body, field):
    response = manager_api.post(f"/api/v1/orders/{order.pk}/rates/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_quote_of_an_unroutable_order_is_400(manager_api, order):
    order.ship_postal_code = "00000"
    order.save()
    response = manager_api.post(f"/api/v1/orders/{order.pk}/rates/", {}, format="json")
    assert response.status_code == 400
    assert "Unknown destination ZIP" in response.json()["detail"]


def test_another_clients_order_cannot_be_quoted(api_for, order):
    api = api_for(make_user(Role.CLIENT, client=ClientFactory()))
    assert api.post(f"/api/v1/orders/{order.pk}/rates/", {}, format="json").status_code == 404


def test_shipments_list_packages_rates_tracking_and_label_links(manager_api, order, django_assert_max_num_queries):
    shipment = shipment_ship(shipment=shipment_label(shipment=packed_shipment(order)))
    other = make_picked_order(warehouse=order.warehouse)
    shipment_label(shipment=packed_shipment(other))

    with django_assert_max_num_queries(12):
        response = manager_api.get("/api/v1/shipments/")

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    row = rows[shipment.pk]
    package = shipment.packages.get()
    assert row["status"] == "shipped"
    assert row["packages"][0]["tracking_number"] == package.tracking_number
    assert row["packages"][0]["label_pdf_url"].endswith(f"/packing/packages/{package.pk}/label.pdf")
    assert sum(1 for r in row["rates"] if r["chosen"]) == 1
    assert manager_api.get(f"/api/v1/shipments/?tracking_number={package.tracking_number}").json()["count"] == 1


def test_client_sees_only_its_shipments(api_for, order):
    shipment_label(shipment=packed_shipment(order))
    stranger = make_user(Role.CLIENT, client=ClientFactory())
    assert api_for(stranger).get("/api/v1/shipments/").json()["count"] == 0
    owner = make_user(Role.CLIENT, client=order.client)
    assert api_for(owner).get("/api/v1/shipments/").json()["count"] == 1


def test_manager_creates_box_types_and_packers_cannot(manager_api, api_for, packer):
    warehouse = WarehouseFactory(code="SLC")
    body = {"warehouse": warehouse.pk, "code": "M3", "name": "Medium", "inner_length_mm": 300,
            "inner_width_mm": 250, "inner_height_mm": 200, "tare_weight_g": 250, "max_weight_g": 20000,
            "cost": "0.85", "stock_count": 50}
    assert api_for(packer).post("/api/v1/box-types/", body, format="json").status_code == 403
    response = manager_api.post("/api/v1/box-types/", body, format="json")
    assert response.status_code == 201, response.content
    assert BoxType.objects.get(code="M3").inner_height_mm == 200
    assert api_for(packer).get("/api/v1/box-types/").json()["count"] == 1


@pytest.mark.parametrize("change", [{"stock_count": -1}, {"max_weight_g": 100, "tare_weight_g": 200},
                                    {"inner_length_mm": 0}, {"cost": "-1"}])
def test_invalid_box_types_are_400(manager_api, change):
    warehouse = WarehouseFactory(code="SLC")
    body = {"warehouse": warehouse.pk, "code": "M3", "name": "Medium", "inner_length_mm": 300,
            "inner_width_mm": 250, "inner_height_mm": 200, "tare_weight_g": 250, "max_weight_g": 20000,
            "cost": "0.85", "stock_count": 50, **change}
    assert manager_api.post("/api/v1/box-types/", body, format="json").status_code == 400
