"""SKU mappings: a storefront's SKU that means one of the client's products, on one channel or all of them."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.choices import Role
from core.exceptions import DomainError
from orders.choices import HoldKind, OrderStatus
from orders.holds.services import order_hold
from orders.intake.csv_import import CSV_COLUMNS, csv_orders_import
from orders.models import Order, SkuMapping
from orders.selectors import products_for_skus
from orders.sku_mappings.services import sku_mapping_create
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, SalesChannelFactory, make_user
from tests.fakes.storefront import shopify_order, woocommerce_order
from tests.orders.factories import put_stock, salt_lake_city
from tests.orders.intake_helpers import post_shopify, post_woo, shopify_channel, woo_channel

pytestmark = pytest.mark.django_db

STORE_SKU = "TEE-BLK-M-2024"


@pytest.fixture
def tee(client_a):
    return ProductFactory(client=client_a, sku="TS-BLK-M", name="T-shirt black M")


@pytest.fixture
def shop(client_a):
    return shopify_channel(client_a)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post a signed Shopify webhook and run what it queued after commit (Celery is eager in tests)."""

    def do(channel, payload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_shopify(client, channel, payload, **kwargs)

    return do


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def held_for(order: Order) -> list[str]:
    return sorted(order.holds.filter(released_at__isnull=True).values_list("kind", flat=True))


# --- intake consults the mappings ------------------------------------------------------------------------------

def test_a_mapped_sku_on_a_new_shopify_order_resolves_without_a_hold(deliver, client_a, shop, tee, manager):
    sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee, user=manager)

    deliver(shop, shopify_order(501, lines=[(STORE_SKU, 2, "12.00")]))

    order = Order.objects.get()
    line = order.lines.get()
    assert (line.sku, line.product) == (STORE_SKU, tee)
    assert HoldKind.UNKNOWN_SKU not in held_for(order)
    assert "Unknown SKU" not in order.hold_reason


def test_a_mapped_sku_on_a_new_woocommerce_order_resolves_without_a_hold(client, client_a, tee, manager,
                                                                         django_capture_on_commit_callbacks):
    woo = woo_channel(client_a)
    sku_mapping_create(client=client_a, channel=woo, external_sku="woo-tee-m", product=tee, user=manager)

    with django_capture_on_commit_callbacks(execute=True):
        post_woo(client, woo, woocommerce_order(902, lines=[("woo-tee-m", 1, "12")]))

    order = Order.objects.get()
    assert order.lines.get().product == tee
    assert HoldKind.UNKNOWN_SKU not in held_for(order)


def test_a_mapped_sku_in_a_csv_sheet_is_accepted_and_resolved(client_a, tee, manager):
    sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee, user=manager)
    row = f"#8001,2026-11-20,Ana Lima,ana@example.com,,Ana Lima,,1 Main St,,Boston,MA,02134,US,,,USD,{STORE_SKU},2,12.50"
    data = ("\n".join([",".join(CSV_COLUMNS), row]) + "\n").encode()

    result = csv_orders_import(client=client_a, data=data, user=manager)

    assert result.ok, result.errors
    assert result.orders[0].lines.get().product == tee
    assert result.orders[0].status != OrderStatus.ON_HOLD or "Unknown SKU" not in result.orders[0].hold_reason


def test_resolving_skus_takes_two_queries_however_many_skus(client_a, shop, django_assert_max_num_queries):
    products = [ProductFactory(client=client_a, sku=f"OWN-{i}") for i in range(6)]
    for i, product in enumerate(products[:3]):
        sku_mapping_create(client=client_a, external_sku=f"EXT-{i}", product=product)
    skus = {f"EXT-{i}" for i in range(3)} | {f"OWN-{i}" for i in range(3, 6)} | {"NOPE"}

    with django_assert_max_num_queries(2):
        found = products_for_skus(client_id=client_a.pk, channel_id=shop.pk, skus=skus)

    assert {sku: p.sku for sku, p in found.items()} == {
        "EXT-0": "OWN-0", "EXT-1": "OWN-1", "EXT-2": "OWN-2", "OWN-3": "OWN-3", "OWN-4": "OWN-4", "OWN-5": "OWN-5"}


def test_a_channel_mapping_beats_the_client_wide_one(deliver, client_a, shop, tee):
    other_shop = shopify_channel(client_a, name="Outlet")
    hoodie = ProductFactory(client=client_a, sku="HD-BLK-M")
    sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee)
    sku_mapping_create(client=client_a, channel=shop, external_sku=STORE_SKU, product=hoodie)

    deliver(shop, shopify_order(601, lines=[(STORE_SKU, 1, "1")]))
    deliver(other_shop, shopify_order(602, lines=[(STORE_SKU, 1, "1")]))

    assert Order.objects.get(channel=shop).lines.get().product == hoodie
    assert Order.objects.get(channel=other_shop).lines.get().product == tee


def test_a_mapping_wins_over_a_product_with_that_very_sku(deliver, client_a, shop, tee):
    ProductFactory(client=client_a, sku="LEGACY-1")
    sku_mapping_create(client=client_a, external_sku="LEGACY-1", product=tee)

    deliver(shop, shopify_order(603, lines=[("LEGACY-1", 1, "1")]))

    assert Order.objects.get().lines.get().product == tee


# --- creating a mapping frees the waiting orders ---------------------------------------------------------------

def test_creating_a_mapping_releases_the_waiting_orders_and_they_get_allocated(
        deliver, client_a, shop, tee, manager, django_capture_on_commit_callbacks):
    put_stock(tee, 10, warehouse=salt_lake_city())
    deliver(shop, shopify_order(701, lines=[(STORE_SKU, 1, "12")]))
    deliver(shop, shopify_order(702, lines=[(STORE_SKU, 2, "12")]))
    waiting = list(Order.objects.order_by("pk"))
    assert [o.status for o in waiting] == [OrderStatus.ON_HOLD, OrderStatus.ON_HOLD]
    assert all(held_for(o) == [HoldKind.UNKNOWN_SKU] for o in waiting)

    with django_capture_on_commit_callbacks(execute=True):
        sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee, user=manager)

    for order in waiting:
        order.refresh_from_db()
        assert order.status == OrderStatus.ALLOCATED, order.hold_reason
        assert order.lines.get().product == tee
        assert order.hold_reason == ""
        assert order.events.filter(user=manager, note__contains=f"mapped SKU {STORE_SKU} to product TS-BLK-M").exists()
        hold = order.holds.get(kind=HoldKind.UNKNOWN_SKU)
        assert (hold.released_by, hold.release_note) == (manager, f"SKU {STORE_SKU} mapped to TS-BLK-M")
        assert order.events.filter(from_status=OrderStatus.ON_HOLD, to_status=OrderStatus.RECEIVED).exists()


def test_an_order_with_two_unknown_skus_stays_on_hold_until_both_are_mapped(deliver, client_a, shop, tee, manager):
    cap = ProductFactory(client=client_a, sku="CAP-1")
    deliver(shop, shopify_order(801, lines=[(STORE_SKU, 1, "1"), ("CAP-2024", 1, "1")]))
    order = Order.objects.get()
    assert order.status == OrderStatus.ON_HOLD

    sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee, user=manager)

    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD
    assert held_for(order) == [HoldKind.UNKNOWN_SKU]
    assert "CAP-2024" in order.hold_reason
    assert STORE_SKU not in order.hold_reason
    assert order.lines.get(sku=STORE_SKU).product == tee

    sku_mapping_create(client=client_a, external_sku="CAP-2024", product=cap, user=manager)

    order.refresh_from_db()
    assert order.status != OrderStatus.ON_HOLD
    assert HoldKind.UNKNOWN_SKU not in held_for(order)
    assert [line.product for line in order.lines.order_by("pk")] == [tee, cap]


def test_a_channel_mapping_frees_only_that_channels_orders(deliver, client_a, shop, tee):
    other_shop = shopify_channel(client_a, name="Outlet")
    deliver(shop, shopify_order(901, lines=[(STORE_SKU, 1, "1")]))
    deliver(other_shop, shopify_order(902, lines=[(STORE_SKU, 1, "1")]))

    sku_mapping_create(client=client_a, channel=shop, external_sku=STORE_SKU, product=tee)

    assert Order.objects.get(channel=shop).lines.get().product == tee
    elsewhere = Order.objects.get(channel=other_shop)
    assert (elsewhere.status, elsewhere.lines.get().product) == (OrderStatus.ON_HOLD, None)


def test_a_mapping_leaves_another_hold_in_place(deliver, client_a, shop, tee, manager):
    deliver(shop, shopify_order(903, lines=[(STORE_SKU, 1, "1")]))
    order = Order.objects.get()
    order_hold(order=order, reason="Customer asked to wait", user=manager)

    sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee, user=manager)

    order.refresh_from_db()
    assert (order.status, held_for(order)) == (OrderStatus.ON_HOLD, [HoldKind.MANUAL])
    assert order.hold_reason == "Customer asked to wait"


def test_a_client_users_mapping_releases_the_hold_as_the_system(deliver, client_a, shop, tee):
    user = make_user(Role.CLIENT, client=client_a)
    deliver(shop, shopify_order(904, lines=[(STORE_SKU, 1, "1")]))

    sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=tee, user=user)

    order = Order.objects.get()
    hold = order.holds.get(kind=HoldKind.UNKNOWN_SKU)
    assert hold.released_at is not None
    assert order.events.filter(user=user, note__contains=f"{user.username} mapped SKU {STORE_SKU}").exists()


# --- validation ------------------------------------------------------------------------------------------------

def test_a_product_of_another_client_is_refused(client_a, client_b):
    foreign = ProductFactory(client=client_b)

    with pytest.raises(DomainError) as error:
        sku_mapping_create(client=client_a, external_sku=STORE_SKU, product=foreign)

    assert error.value.field == "product"
    assert not SkuMapping.objects.exists()


def test_a_channel_of_another_client_is_refused(client_a, client_b, tee):
    with pytest.raises(DomainError) as error:
        sku_mapping_create(client=client_a, channel=SalesChannelFactory(client=client_b), external_sku="X",
                           product=tee)

    assert error.value.field == "channel"


@pytest.mark.parametrize("sku", ["", "   "])
def test_an_empty_sku_is_refused(client_a, tee, sku):
    with pytest.raises(DomainError) as error:
        sku_mapping_create(client=client_a, external_sku=sku, product=tee)

    assert error.value.field == "external_sku"


@pytest.mark.parametrize("on_channel", [False, True])
def test_a_second_mapping_of_the_same_sku_and_scope_is_refused(client_a, shop, tee, on_channel):
    channel = shop if on_channel else None
    sku_mapping_create(client=client_a, channel=channel, external_sku=STORE_SKU, product=tee)

    with pytest.raises(DomainError) as error:
        sku_mapping_create(client=client_a, channel=channel, external_sku=f" {STORE_SKU} ", product=tee)

    assert error.value.field == "external_sku"
    assert SkuMapping.objects.count() == 1


def test_the_database_refuses_a_duplicate_client_wide_mapping(client_a, tee):
    SkuMapping.objects.create(client=client_a, external_sku="X", product=tee)
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuMapping.objects.create(client=client_a, external_sku="X", product=tee)


# --- API -------------------------------------------------------------------------------------------------------

def test_api_creates_lists_filters_and_deletes_mappings(manager_api, client_a, shop, tee, deliver):
    deliver(shop, shopify_order(1001, lines=[(STORE_SKU, 1, "1")]))

    created = manager_api.post(reverse("sku-mapping-list"), {
        "client": client_a.pk, "channel": shop.pk, "external_sku": STORE_SKU, "product": tee.pk}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["product_sku"], body["channel_name"], body["created_by"] is not None) == ("TS-BLK-M", "Shop", True)
    assert Order.objects.get().lines.get().product == tee
    listed = manager_api.get(reverse("sku-mapping-list"), {"client": client_a.pk, "channel": shop.pk,
                                                           "external_sku": STORE_SKU.lower()}).json()
    assert [m["id"] for m in listed["results"]] == [body["id"]]
    assert manager_api.get(reverse("sku-mapping-list"), {"external_sku": "other"}).json()["count"] == 0
    assert manager_api.delete(reverse("sku-mapping-detail", args=[body["id"]])).status_code == 204
    assert not SkuMapping.objects.exists()


def test_api_bad_input_is_400_with_field_errors(manager_api, client_a, client_b, tee):
    foreign = ProductFactory(client=client_b)
    url = reverse("sku-mapping-list")

    missing = manager_api.post(url, {}, format="json")
    empty = manager_api.post(url, {"client": client_a.pk, "external_sku": " ", "product": tee.pk}, format="json")
    other = manager_api.post(url, {"client": client_a.pk, "external_sku": "X", "product": foreign.pk}, format="json")
    manager_api.post(url, {"client": client_a.pk, "external_sku": "DUP", "product": tee.pk}, format="json")
    dup = manager_api.post(url, {"client": client_a.pk, "external_sku": "DUP", "product": tee.pk}, format="json")

    assert missing.status_code == 400
    assert {"client", "external_sku", "product"} <= set(missing.json())
    assert empty.status_code == 400
    assert "external_sku" in empty.json()
    assert other.status_code == 400
    assert "product" in other.json()
    assert dup.status_code == 400
    assert "external_sku" in dup.json()


def test_api_client_user_sees_and_manages_only_its_own_mappings(api_for, client_a, client_b, tee):
    own = sku_mapping_create(client=client_a, external_sku="A-1", product=tee)
    theirs = sku_mapping_create(client=client_b, external_sku="B-1", product=ProductFactory(client=client_b))
    api = api_for(make_user(Role.CLIENT, client=client_a))

    listed = api.get(reverse("sku-mapping-list")).json()
    assert [m["id"] for m in listed["results"]] == [own.pk]
    assert api.get(reverse("sku-mapping-detail", args=[own.pk])).status_code == 200
    assert api.get(reverse("sku-mapping-detail", args=[theirs.pk])).status_code == 404
    assert api.delete(reverse("sku-mapping-detail", args=[theirs.pk])).status_code == 404
    foreign_client = api.post(reverse("sku-mapping-list"), {
        "client": client_b.pk, "external_sku": "X", "product": tee.pk}, format="json")
    foreign_product = api.post(reverse("sku-mapping-list"), {
        "client": client_a.pk, "external_sku": "X", "product": theirs.product_id}, format="json")
    assert foreign_client.status_code == 400
    assert "client" in foreign_client.json()
    assert foreign_product.status_code == 400
    assert "product" in foreign_product.json()
    created = api.post(reverse("sku-mapping-list"), {"client": client_a.pk, "external_sku": "A-2",
                                                     "product": tee.pk}, format="json")
    assert created.status_code == 201
    assert api.delete(reverse("sku-mapping-detail", args=[created.json()["id"]])).status_code == 204
    assert SkuMapping.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("role", [Role.PICKER, Role.PACKER])
def test_api_floor_staff_see_no_mappings_and_cannot_create_them(api_for, client_a, tee, role):
    sku_mapping_create(client=client_a, external_sku="A-1", product=tee)
    api = api_for(make_user(role))

    assert api.get(reverse("sku-mapping-list")).status_code == 403
    assert api.post(reverse("sku-mapping-list"), {"client": client_a.pk, "external_sku": "A-2",
                                                  "product": tee.pk}, format="json").status_code == 403


def _some_mappings(client, start: int, count: int) -> None:
    channel = SalesChannelFactory(client=client)
    for i in range(start, start + count):
        sku_mapping_create(client=client, channel=channel if i % 2 else None, external_sku=f"EXT-{i}",
                           product=ProductFactory(client=client), user=make_user(Role.MANAGER))


def test_api_mapping_list_query_count_does_not_grow(manager_api, client_a, django_assert_num_queries,
                                                    django_assert_max_num_queries):
    _some_mappings(client_a, 0, 2)
    with django_assert_max_num_queries(50) as few:
        manager_api.get(reverse("sku-mapping-list"))
    _some_mappings(client_a, 2, 8)

    with django_assert_num_queries(len(few)):
        response = manager_api.get(reverse("sku-mapping-list"))

    assert response.json()["count"] == 10


# --- pages -----------------------------------------------------------------------------------------------------

def test_mappings_page_query_count_does_not_grow(manager_client, client_a, django_assert_num_queries,
                                                 django_assert_max_num_queries):
    _some_mappings(client_a, 0, 2)
    url = reverse("sku_mappings:list")
    with django_assert_max_num_queries(50) as few:
        manager_client.get(url, {"client": client_a.pk})
    _some_mappings(client_a, 2, 8)

    with django_assert_num_queries(len(few)):
        response = manager_client.get(url, {"client": client_a.pk})

    assert response.content.decode().count("data-mapping=") == 10


def test_order_page_has_one_form_per_unknown_sku_for_managers(manager_client, deliver, shop, tee):
    deliver(shop, shopify_order(1100, lines=[(STORE_SKU, 1, "12"), ("MUG-OLD", 2, "8")]))
    order = Order.objects.get()

    page = manager_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert page.count(f'action="{reverse("sku_mappings:order_map", args=[order.pk])}"') == 2
    assert f'data-sku="{STORE_SKU}"' in page
    assert 'data-sku="MUG-OLD"' in page
    assert "every order of Alpha Goods (all channels)" in page
    assert f"every order from the {shop.name} channel" in page
    assert f"only this order ({order.order_number})" in page
    # the old one-line form is gone for managers: "only this order" replaces it
    assert 'id="map-unknown-lines"' not in page
    assert not [line for line in order.lines.all() if reverse("intake:line_map", args=[order.pk, line.pk]) in page]


def test_order_page_form_maps_the_sku_and_releases_the_order(manager_client, deliver, client_a, shop, tee,
                                                             django_capture_on_commit_callbacks):
    put_stock(tee, 5, warehouse=salt_lake_city())
    deliver(shop, shopify_order(1101, lines=[(STORE_SKU, 1, "12")]))
    order = Order.objects.get()
    detail = reverse("orders:detail", args=[order.pk])
    page = manager_client.get(detail).content.decode()
    assert f"Unknown SKU for Alpha Goods: {STORE_SKU}" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("sku_mappings:order_map", args=[order.pk]),
                                       {"external_sku": STORE_SKU, "product": tee.pk, "scope": "client"}, follow=True)

    assert response.redirect_chain[-1][0] == detail
    html = response.content.decode()
    assert f"{STORE_SKU} mapped to TS-BLK-M for all channels" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    mapping = SkuMapping.objects.get()
    assert (mapping.client, mapping.channel, mapping.external_sku, mapping.product) == (client_a, None, STORE_SKU, tee)
    assert "Map unknown SKUs" not in html


def test_order_page_form_can_map_for_the_orders_channel_only(manager_client, deliver, shop, tee):
    deliver(shop, shopify_order(1102, lines=[(STORE_SKU, 1, "12")]))
    order = Order.objects.get()

    manager_client.post(reverse("sku_mappings:order_map", args=[order.pk]),
                        {"external_sku": STORE_SKU, "product": tee.pk, "scope": "channel"})

    assert SkuMapping.objects.get().channel == shop


def test_order_page_form_can_map_this_order_only_without_a_mapping(manager_client, deliver, shop, tee):
    deliver(shop, shopify_order(1105, lines=[(STORE_SKU, 1, "12"), ("MUG-OLD", 1, "8")]))
    deliver(shop, shopify_order(1106, lines=[(STORE_SKU, 1, "12")]))
    order, other = Order.objects.order_by("pk")

    response = manager_client.post(reverse("sku_mappings:order_map", args=[order.pk]),
                                   {"external_sku": STORE_SKU, "product": tee.pk, "scope": "order"}, follow=True)

    assert f"{STORE_SKU} mapped to TS-BLK-M on order {order.order_number} only." in response.content.decode()
    assert not SkuMapping.objects.exists()
    assert order.lines.get(sku=STORE_SKU).product == tee
    assert order.events.filter(note=f"Line {STORE_SKU} mapped to product TS-BLK-M.").exists()
    assert other.lines.get().product is None  # the other order waits for a mapping
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD  # as the one-line form did: released by hand once all are known


def test_order_page_form_refuses_another_clients_product(manager_client, deliver, shop, client_b):
    deliver(shop, shopify_order(1103, lines=[(STORE_SKU, 1, "12")]))
    order = Order.objects.get()

    response = manager_client.post(reverse("sku_mappings:order_map", args=[order.pk]),
                                   {"external_sku": STORE_SKU, "product": ProductFactory(client=client_b).pk,
                                    "scope": "client"},
                                   follow=True)

    assert "Choose one of the client" in response.content.decode()
    assert not SkuMapping.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


def test_order_page_form_needs_a_scope(manager_client, deliver, shop, tee):
    deliver(shop, shopify_order(1107, lines=[(STORE_SKU, 1, "12")]))
    order = Order.objects.get()

    manager_client.post(reverse("sku_mappings:order_map", args=[order.pk]),
                        {"external_sku": STORE_SKU, "product": tee.pk, "scope": "everywhere"})

    assert not SkuMapping.objects.exists()
    assert order.lines.get().product is None


def test_order_page_form_is_for_managers_only(client, deliver, client_a, shop, tee):
    deliver(shop, shopify_order(1104, lines=[(STORE_SKU, 1, "12")]))
    order = Order.objects.get()
    client.force_login(make_user(Role.CLIENT, client=client_a))

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    response = client.post(reverse("sku_mappings:order_map", args=[order.pk]),
                           {"external_sku": STORE_SKU, "product": tee.pk, "scope": "client"})

    assert "Map unknown SKUs" not in page
    # a client user keeps mapping the order's lines, as before
    line = order.lines.get()
    assert "<h2>Unknown SKUs</h2>" in page
    assert reverse("intake:line_map", args=[order.pk, line.pk]) in page
    assert response.status_code == 403
    assert not SkuMapping.objects.exists()


def test_a_line_without_a_sku_keeps_the_line_form_for_managers(manager_client, client_a, tee):
    order = OrderFactory(channel=SalesChannelFactory(client=client_a), status=OrderStatus.ON_HOLD)
    line = OrderLineFactory(order=order, product=None, sku="")

    page = manager_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert 'id="map-unknown-skus"' not in page
    assert "<h2>Lines without a SKU</h2>" in page
    assert reverse("intake:line_map", args=[order.pk, line.pk]) in page


def test_client_user_adds_and_deletes_its_mappings_on_the_page(client, client_a, client_b, tee):
    theirs = sku_mapping_create(client=client_b, external_sku="B-1", product=ProductFactory(client=client_b))
    client.force_login(make_user(Role.CLIENT, client=client_a))
    url = reverse("sku_mappings:list")

    added = client.post(url, {"external_sku": "A-1", "product": tee.pk, "channel": ""}, follow=True)
    mapping = SkuMapping.objects.get(client=client_a)
    html = added.content.decode()
    assert "A-1 now means TS-BLK-M" in html
    assert f'data-mapping="{mapping.pk}"' in html
    assert "B-1" not in html
    assert client.post(reverse("sku_mappings:delete", args=[theirs.pk])).status_code == 404
    client.post(reverse("sku_mappings:delete", args=[mapping.pk]))
    assert list(SkuMapping.objects.values_list("external_sku", flat=True)) == ["B-1"]


def test_mappings_page_shows_a_duplicate_as_a_field_error(manager_client, client_a, tee):
    sku_mapping_create(client=client_a, external_sku="A-1", product=tee)

    response = manager_client.post(f"{reverse('sku_mappings:list')}?client={client_a.pk}",
                                   {"external_sku": "A-1", "product": tee.pk, "channel": ""})

    assert response.status_code == 400
    assert "already mapped" in response.content.decode()


def test_mappings_page_is_in_the_orders_menu_for_managers_and_clients(manager_client, client, client_a):
    assert reverse("sku_mappings:list") in manager_client.get(reverse("orders:list")).content.decode()
    client.force_login(make_user(Role.PICKER))
    assert client.get(reverse("sku_mappings:list")).status_code == 403
