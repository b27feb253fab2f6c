import pytest
from django.urls import reverse

from core.choices import Role
from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust
from orders.choices import OrderStatus
from tests.factories import (
    ClientFactory,
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_token_auth_roundtrip(client, manager):
    response = client.post(reverse("api-token"), {"username": manager.username, "password": "pw-for-tests-123"},
                           content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]

    ok = client.get(reverse("client-list"), HTTP_AUTHORIZATION=f"Token {token}")
    bad = client.get(reverse("client-list"), HTTP_AUTHORIZATION="Token nope")

    assert ok.status_code == 200
    assert bad.status_code == 401


def test_token_with_wrong_password_is_400(client, manager):
    response = client.post(reverse("api-token"), {"username": manager.username, "password": "wrong"},
                           content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_client_crud(manager_api):
    created = manager_api.post(reverse("client-list"), {"code": "ACME", "name": "Acme"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert manager_api.patch(reverse("client-detail", args=[pk]), {"name": "Acme Inc"},
                             format="json").json()["name"] == "Acme Inc"
    assert manager_api.post(reverse("client-list"), {"code": "ACME", "name": "Dup"},
                            format="json").status_code == 400
    assert manager_api.get(reverse("client-list"), {"code": "ACME"}).json()["count"] == 1
    assert manager_api.delete(reverse("client-detail", args=[pk])).status_code == 204


def test_channel_hides_webhook_secret(manager_api):
    client = ClientFactory()
    response = manager_api.post(reverse("channel-list"), {
        "client": client.pk, "kind": "shopify", "name": "Main shop", "webhook_secret": "s3cret"}, format="json")

    assert response.status_code == 201
    assert "webhook_secret" not in response.json()
    assert manager_api.get(reverse("channel-list"), {"kind": "shopify"}).json()["count"] == 1


def test_warehouse_and_location_crud(manager_api):
    wh = manager_api.post(reverse("warehouse-list"), {
        "code": "SLC", "name": "Salt Lake", "address_line1": "1 Way", "address_line2": "", "city": "Salt Lake City",
        "state": "UT", "postal_code": "84120", "country": "US", "latitude": "40.7", "longitude": "-111.9",
    }, format="json")
    assert wh.status_code == 201, wh.json()
    loc = manager_api.post(reverse("location-list"), {"warehouse": wh.json()["id"], "code": "A-01-01-A",
                                                     "kind": "pick"}, format="json")
    assert loc.status_code == 201
    dup = manager_api.post(reverse("location-list"), {"warehouse": wh.json()["id"], "code": "A-01-01-A",
                                                     "kind": "pick"}, format="json")
    assert dup.status_code == 400
    assert "code" in dup.json()
    bad = manager_api.post(reverse("warehouse-list"), {"code": "X", "latitude": "200"}, format="json")
    assert bad.status_code == 400
    assert {"name", "latitude"} <= set(bad.json())


def test_deleting_a_warehouse_in_use_is_409_not_500(manager_api):
    location = LocationFactory()
    response = manager_api.delete(reverse("warehouse-detail", args=[location.warehouse_id]))
    assert response.status_code == 409


def test_product_crud_and_filters(manager_api):
    client = ClientFactory()
    body = {"client": client.pk, "sku": "TEA-1", "name": "Tea", "barcode": "012345678905", "weight_g": 100,
            "length_mm": 10, "width_mm": 10, "height_mm": 10}
    assert manager_api.post(reverse("product-list"), body, format="json").status_code == 201
    assert manager_api.post(reverse("product-list"), body, format="json").status_code == 400
    assert manager_api.get(reverse("product-list"), {"sku": "TEA-1"}).json()["count"] == 1
    assert manager_api.post(reverse("product-list"), {**body, "sku": "TEA-2", "weight_g": -1},
                            format="json").status_code == 400


def test_stock_is_read_only_and_shows_available(manager_api):
    product = ProductFactory(sku="BOOT-9")
    location = LocationFactory(warehouse=WarehouseFactory(code="NSH"))
    stock_adjust(product=product, location=location, quantity=7, reason="in")

    body = manager_api.get(reverse("stock-list"), {"sku": "BOOT-9", "warehouse": "NSH"}).json()

    row = body["results"][0]
    assert (row["sku"], row["on_hand"], row["allocated"], row["available"], row["warehouse"]) == (
        "BOOT-9", 7, 0, 7, "NSH")
    assert manager_api.post(reverse("stock-list"), {}, format="json").status_code == 405


def test_stock_adjustment_writes_ledger(manager_api, manager):
    product = ProductFactory()
    location = LocationFactory()

    response = manager_api.post(reverse("stock-adjustment-list"), {
        "product": product.pk, "location": location.pk, "quantity": 5, "reason": "Found in receiving"},
        format="json")

    assert response.status_code == 201
    assert StockLevel.objects.get(product=product, location=location).on_hand == 5
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.user, movement.quantity) == (MovementKind.ADJUSTMENT, manager, 5)


@pytest.mark.parametrize(("body", "field"), [
    ({"quantity": 0, "reason": "x"}, "quantity"),
    ({"quantity": -5, "reason": "x"}, "quantity"),
    ({"quantity": 5, "reason": ""}, "reason"),
    ({"quantity": "many", "reason": "x"}, "quantity"),
])
def test_stock_adjustment_errors_are_400_with_field(manager_api, body, field):
    product, location = ProductFactory(), LocationFactory()
    response = manager_api.post(reverse("stock-adjustment-list"),
                                {"product": product.pk, "location": location.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not StockMovement.objects.exists()


def test_stock_adjustment_is_manager_only(api_for):
    picker = make_user(Role.PICKER)
    response = api_for(picker).post(reverse("stock-adjustment-list"), {}, format="json")
    assert response.status_code == 403


def test_orders_list_filters_and_shape(manager_api):
    warehouse = WarehouseFactory(code="SLC")
    order = OrderFactory(external_id="820982911946154508", status=OrderStatus.ALLOCATED, warehouse=warehouse)
    OrderLineFactory(order=order, quantity=3)
    OrderFactory(external_id="999")

    body = manager_api.get(reverse("order-list"), {"external_id": "820982911946154508"}).json()

    assert body["count"] == 1
    result = body["results"][0]
    assert result["status"] == "allocated"
    assert result["warehouse"] == "SLC"
    assert result["lines"][0]["quantity"] == 3
    assert result["lines"][0]["sku"]
    assert isinstance(result["events"], list)
    assert manager_api.get(reverse("order-list"), {"status": "allocated", "warehouse": "SLC"}).json()["count"] == 1
    assert manager_api.get(reverse("order-list"), {"client": order.client_id}).json()["count"] == 1


def test_illegal_transition_on_api_is_400(manager_api):
    order = OrderFactory(status=OrderStatus.SHIPPED)
    response = manager_api.post(reverse("order-cancel", args=[order.pk]), {}, format="json")
    assert response.status_code == 400
    assert "no longer be cancelled" in response.json()["detail"]


def test_cancel_via_api_records_event(manager_api, manager):
    order = OrderFactory()
    response = manager_api.post(reverse("order-cancel", args=[order.pk]), {"reason": "Customer asked"},
                                format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["events"][-1]["who"] == manager.username


def test_users_endpoint_is_for_managers(manager_api, api_for):
    client = ClientFactory()
    warehouse = WarehouseFactory()
    response = manager_api.post(reverse("user-list"), {
        "username": "jo", "password": "a-long-password-1", "role": "client", "client": client.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    assert response.json()["role"] == "client"
    staff = manager_api.post(reverse("user-list"), {
        "username": "pat", "password": "a-long-password-2", "role": "picker", "warehouses": [warehouse.pk]},
        format="json").json()
    assert staff["warehouses"] == [warehouse.pk]
    missing_client = manager_api.post(reverse("user-list"), {
        "username": "x", "password": "a-long-password-3", "role": "client"}, format="json")
    assert missing_client.status_code == 400
    assert "client" in missing_client.json()
    picker = make_user(Role.PICKER)
    assert api_for(picker).get(reverse("user-list")).status_code == 403


def test_unknown_ids_are_404(manager_api):
    for name in ["client", "product", "warehouse", "location", "order", "stock", "channel", "user"]:
        assert manager_api.get(reverse(f"{name}-detail", args=[987654])).status_code == 404


def test_malformed_json_is_400(manager_api):
    response = manager_api.generic("POST", reverse("client-list"), "{not json", content_type="application/json")
    assert response.status_code == 400


def test_schema_and_docs_are_served_offline(manager_api, client, manager):
    schema = manager_api.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    assert "/api/v1/orders/" in schema.json()["paths"]
    client.force_login(manager)
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower()


def test_inactive_user_cannot_get_token(client):
    user = UserFactory(is_active=False)
    response = client.post(reverse("api-token"), {"username": user.username, "password": "pw-for-tests-123"},
                           content_type="application/json")
    assert response.status_code == 400
