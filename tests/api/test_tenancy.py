"""A client user sees only its own client's data; another client's records are 404, never 403 or visible."""

import pytest
from django.urls import reverse

from core.choices import Role
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SalesChannelFactory,
    StockLevelFactory,
    UserFactory,
    WarehouseFactory,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clients(client_a, client_b):
    data = {}
    for key, client in (("a", client_a), ("b", client_b)):
        product = ProductFactory(client=client)
        stock = StockLevelFactory(product=product)
        order = OrderFactory(channel=SalesChannelFactory(client=client))
        OrderLineFactory(order=order, product=product)
        data[key] = {"client": client, "product": product, "stock": stock, "order": order}
    return data


@pytest.mark.parametrize(("endpoint", "key"), [
    ("order", "order"), ("product", "product"), ("stock", "stock"), ("client", "client"),
])
def test_client_user_gets_404_for_other_clients_records_on_api(two_clients, api_for, endpoint, key):
    user = make_user(Role.CLIENT, client=two_clients["a"]["client"])
    api = api_for(user)

    own = api.get(reverse(f"{endpoint}-detail", args=[two_clients["a"][key].pk]))
    other = api.get(reverse(f"{endpoint}-detail", args=[two_clients["b"][key].pk]))

    assert own.status_code == 200
    assert other.status_code == 404


@pytest.mark.parametrize("endpoint", ["order", "product", "stock", "client"])
def test_client_user_lists_only_own_records(two_clients, api_for, endpoint):
    user = make_user(Role.CLIENT, client=two_clients["a"]["client"])

    body = api_for(user).get(reverse(f"{endpoint}-list")).json()

    assert body["count"] == 1


def test_client_user_gets_404_for_other_clients_order_page(two_clients, client):
    user = make_user(Role.CLIENT, client=two_clients["a"]["client"])
    client.force_login(user)

    assert client.get(reverse("orders:detail", args=[two_clients["a"]["order"].pk])).status_code == 200
    assert client.get(reverse("orders:detail", args=[two_clients["b"]["order"].pk])).status_code == 404


def test_client_user_stock_page_shows_only_own_products(two_clients, client):
    user = make_user(Role.CLIENT, client=two_clients["a"]["client"])
    client.force_login(user)

    html = client.get(reverse("inventory:stock")).content.decode()

    assert two_clients["a"]["product"].sku in html
    assert two_clients["b"]["product"].sku not in html


def test_client_user_cannot_create_product_for_another_client(two_clients, api_for):
    user = make_user(Role.CLIENT, client=two_clients["a"]["client"])

    response = api_for(user).post(reverse("product-list"), {
        "client": two_clients["b"]["client"].pk, "sku": "X-1", "name": "Sneaky"}, format="json")

    assert response.status_code == 400
    assert "client" in response.json()


def test_staff_limited_to_a_warehouse_see_only_its_orders_and_stock(api_for):
    slc, nsh = WarehouseFactory(code="SLC"), WarehouseFactory(code="NSH")
    picker = make_user(Role.PICKER, warehouses=[nsh])
    OrderFactory(warehouse=slc, order_number="SLC-1")
    OrderFactory(warehouse=nsh, order_number="NSH-1")
    StockLevelFactory(location=LocationFactory(warehouse=slc))
    StockLevelFactory(location=LocationFactory(warehouse=nsh))
    api = api_for(picker)

    orders = api.get(reverse("order-list")).json()
    stock = api.get(reverse("stock-list")).json()
    warehouses = api.get(reverse("warehouse-list")).json()

    assert [o["order_number"] for o in orders["results"]] == ["NSH-1"]
    assert [s["warehouse"] for s in stock["results"]] == ["NSH"]
    assert [w["code"] for w in warehouses["results"]] == ["NSH"]


def test_every_page_and_endpoint_requires_login(client):
    for url in [reverse("home"), reverse("orders:list"), reverse("inventory:stock")]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    assert client.get(reverse("order-list")).status_code in (401, 403)


def test_role_less_user_is_refused(client, api_for):
    nobody = UserFactory()
    client.force_login(nobody)

    assert client.get(reverse("orders:list")).status_code == 403
    assert api_for(nobody).get(reverse("product-list")).status_code == 403
