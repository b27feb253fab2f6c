import pytest
from django.urls import reverse

from core.choices import Role
from orders.choices import ChannelKind, OrderStatus
from orders.models import Order
from tests.factories import ProductFactory, SalesChannelFactory, make_user

pytestmark = pytest.mark.django_db

URL = reverse("order-list")


def body(**overrides):
    data = {
        "order_number": "API-1001", "external_id": "ext-1001", "customer_name": "Ana Lima",
        "customer_email": "ana@example.com", "ship_name": "Ana Lima", "ship_address1": "1 Main St",
        "ship_city": "Boston", "ship_state": "Massachusetts", "ship_postal_code": "2134", "ship_country": "US",
        "requested_service_level": "expedited",
        "lines": [{"sku": "TEE-M", "quantity": 2, "unit_price": "12.50"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def merchant(client_a):
    ProductFactory(client=client_a, sku="TEE-M")
    return make_user(Role.CLIENT, client=client_a)


def test_client_user_creates_an_order_on_its_api_channel(api_for, merchant, client_a):
    response = api_for(merchant).post(URL, body(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["order_number"], data["ship_state"], data["ship_postal_code"]) == ("API-1001", "MA", "02134")
    assert data["lines"][0]["unit_price"] == "12.50"
    assert response["Location"].endswith(f"/api/v1/orders/{data['id']}/")
    order = Order.objects.get()
    assert (order.channel.kind, order.client) == (ChannelKind.API, client_a)
    assert order.events.first().who == merchant.username


def test_same_idempotency_key_and_body_returns_the_same_order(api_for, merchant):
    api = api_for(merchant)

    first = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-123")
    again = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-123")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_409(api_for, merchant):
    api = api_for(merchant)
    api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-123")

    response = api.post(URL, body(order_number="API-1002", external_id="ext-1002"), format="json",
                        HTTP_IDEMPOTENCY_KEY="key-123")

    assert response.status_code == 409
    assert "different request body" in response.json()["detail"]
    assert Order.objects.count() == 1


def test_idempotency_keys_belong_to_their_user(api_for, merchant, client_a):
    other = make_user(Role.CLIENT, client=client_a)
    api_for(merchant).post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    response = api_for(other).post(URL, body(external_id="ext-2"), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert Order.objects.count() == 2


def test_a_failed_request_does_not_burn_the_key(api_for, merchant):
    api = api_for(merchant)
    bad = api.post(URL, body(lines=[]), format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert bad.status_code == 400
    assert good.status_code == 201


def test_duplicate_external_id_without_key_is_409(api_for, merchant):
    api = api_for(merchant)
    api.post(URL, body(), format="json")

    response = api.post(URL, body(), format="json")

    assert response.status_code == 409
    assert Order.objects.count() == 1


def test_unknown_sku_is_accepted_and_held(api_for, merchant):
    response = api_for(merchant).post(URL, body(lines=[{"sku": "NOPE", "quantity": 1}]), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == OrderStatus.ON_HOLD
    assert "NOPE" in response.json()["hold_reason"]


@pytest.mark.parametrize(("change", "field"), [
    ({"lines": []}, "lines"),
    ({"lines": [{"sku": "TEE-M", "quantity": 0}]}, "lines"),
    ({"ship_country": "Atlantis"}, "ship_country"),
    ({"order_number": ""}, "order_number"),
    ({"currency": "dollars"}, "currency"),
])
def test_bad_orders_are_400_with_the_field(api_for, merchant, change, field):
    response = api_for(merchant).post(URL, body(**change), format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_staff_must_name_the_channel_and_may_not_use_anothers(manager_api, api_for, merchant, client_b):
    assert "channel" in manager_api.post(URL, body(), format="json").json()
    other_channel = SalesChannelFactory(client=client_b)
    assert api_for(merchant).post(URL, body(channel=other_channel.pk), format="json").status_code == 400

    response = manager_api.post(URL, body(channel=other_channel.pk), format="json")
    assert response.status_code == 201
    assert Order.objects.get().client == client_b


def test_pickers_cannot_create_orders(api_for):
    assert api_for(make_user(Role.PICKER)).post(URL, body(), format="json").status_code == 403


def test_order_list_endpoint_filters_by_search_and_date(manager_api, api_for, merchant):
    api_for(merchant).post(URL, body(), format="json")

    assert manager_api.get(URL, {"q": "TEE-M"}).json()["count"] == 1
    assert manager_api.get(URL, {"q": "Lima"}).json()["count"] == 1
    assert manager_api.get(URL, {"q": "nobody"}).json()["count"] == 0
    assert manager_api.get(URL, {"received_from": "2000-01-01"}).json()["count"] == 1
    assert manager_api.get(URL, {"received_to": "2000-01-01"}).json()["count"] == 0


def test_order_list_endpoint_query_count_does_not_grow(manager_api, api_for, merchant,
                                                        django_assert_max_num_queries):
    api_for(merchant).post(URL, body(), format="json")
    with django_assert_max_num_queries(12) as few:
        manager_api.get(URL)
    baseline = len(few)
    for n in range(5):
        api_for(merchant).post(URL, body(order_number=f"N{n}", external_id=f"e{n}"), format="json")
    with django_assert_max_num_queries(baseline):
        manager_api.get(URL)
