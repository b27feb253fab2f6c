"""Stock sync to the storefronts (orders.stock_sync), against the local fake Shopify shop / WooCommerce store."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.choices import JobState
from core.models import Job
from core.work import job_run
from inventory.models import Product, StockLevel
from inventory.services import stock_adjust, stock_allocate
from orders.choices import ChannelKind
from orders.models import ChannelListing, ChannelStockSync, SalesChannel, SkuMapping, StockSyncPending
from orders.stock_sync import services
from orders.stock_sync.services import (
    StockSyncRefused,
    channel_available,
    channel_listing_hold_back_set,
    channel_stock_sync_update,
    listing_quantity,
    stock_push,
    stock_reconcile,
)
from orders.stock_sync.tasks import stock_reconcile_all_task
from orders.storefronts import RetryPolicy, ShopifyClient, StorefrontUnavailable
from orders.storefronts.shopify import QuantitiesSet
from orders.task_names import STOCK_PUSH_TASK, STOCK_RECONCILE_TASK
from tests.factories import ClientFactory, LocationFactory, ProductFactory, SalesChannelFactory
from tests.fakes.storefront import shopify_product, woocommerce_product, woocommerce_variation
from tests.orders.factories import nashville, put_stock, salt_lake_city
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db

FAST = RetryPolicy(attempts=3, backoff_base=0.001, backoff_max=0.01)
LOCATION = "487838322"  # the first location of the SDK's locations.json


@pytest.fixture
def store(fake_storefront, monkeypatch):
    """The fake store, and every client the sync makes pointed at it with quick retries and the fake's clock."""
    real = services.client_for_channel

    def fast_client(channel, **kwargs):
        return real(channel, retry=FAST, sleep=fake_storefront.sleep, **kwargs)

    monkeypatch.setattr(services, "client_for_channel", fast_client)
    return fake_storefront


@pytest.fixture
def world(store):
    """A client allowed to ship from Salt Lake City only, two products and a Shopify channel syncing them:
    storefront SKU TEE-BLK-M-2024 is mapped to TS-BLK-M, TS-WHT-S is the product's own SKU, and OTHER-1 is
    no product of the client."""
    slc, nsh = salt_lake_city(), nashville()
    client = ClientFactory()
    client.allowed_warehouses.add(slc)
    black = ProductFactory(client=client, sku="TS-BLK-M")
    white = ProductFactory(client=client, sku="TS-WHT-S")
    channel = SalesChannelFactory(client=client, kind=ChannelKind.SHOPIFY, store_url=store.url,
                                  credentials={"access_token": store.shopify_token})
    SkuMapping.objects.create(client=client, channel=channel, external_sku="TEE-BLK-M-2024", product=black)
    store.shopify_products.append(shopify_product(632910392, [("TEE-BLK-M-2024", 9001, 7001),
                                                              ("TS-WHT-S", 9002, 7002), ("OTHER-1", 9003, 7003)]))
    store.shopify_levels.update({("7001", LOCATION): 0, ("7002", LOCATION): 4, ("7003", LOCATION): 1})
    pick = put_stock(black, 10, warehouse=slc)
    put_stock(black, 5, warehouse=nsh)  # not a warehouse this client ships from
    put_stock(black, 3, warehouse=slc, kind=LocationKind.RECEIVING)  # not sellable yet
    put_stock(white, 6, warehouse=slc)
    level = StockLevel.objects.get(product=black, location=pick)
    stock_allocate(stock_level_id=level.pk, quantity=2, reference="ORD-1")
    ChannelStockSync.objects.create(channel=channel, is_enabled=True, buffer=1)
    return {"channel": channel, "black": black, "white": white, "slc": slc, "nsh": nsh, "pick": pick}


def shopify_api(store):
    return ShopifyClient(store.url, access_token=store.shopify_token, retry=FAST, sleep=store.sleep)


def pushed(store, platform="shopify") -> dict[str, int]:
    return {push.item_id: push.quantity for push in store.pushes(platform)}


def run_push(channel, *, after: datetime.timedelta = datetime.timedelta(minutes=1)) -> int:
    return job_run(STOCK_PUSH_TASK, channel.pk, now=timezone.now() + after)


# --- which stock -------------------------------------------------------------------------------------------


def test_available_counts_only_sellable_stock_in_the_warehouses_the_channel_ships_from(world):
    # Given 10 on a pick face in Salt Lake City (2 allocated), 5 in Nashville and 3 in receiving
    # When the channel's figure is computed
    available = channel_available(channel=world["channel"], product_ids=[world["black"].pk, world["white"].pk])

    # Then only Salt Lake City's unallocated pick stock counts
    assert available == {world["black"].pk: 8, world["white"].pk: 6}


def test_a_client_without_warehouse_limits_sells_from_every_active_warehouse(world):
    world["channel"].client.allowed_warehouses.clear()
    assert channel_available(channel=world["channel"], product_ids=[world["black"].pk]) == {world["black"].pk: 13}
    world["nsh"].is_active = False
    world["nsh"].save()
    assert channel_available(channel=world["channel"], product_ids=[world["black"].pk]) == {world["black"].pk: 8}


@pytest.mark.parametrize(("available", "buffer", "hold_back", "expected"), [
    (8, 1, None, 7),  # the channel's buffer
    (8, 1, 5, 3),  # a SKU's hold-back holds more
    (8, 3, 1, 5),  # but never less than the buffer
    (2, 3, None, 0),  # never below zero
])
def test_listing_quantity_holds_back_the_larger_of_buffer_and_override(available, buffer, hold_back, expected):
    assert listing_quantity(available=available, buffer=buffer, hold_back=hold_back) == expected


# --- reconciliation and reverse mapping --------------------------------------------------------------------


def test_reconcile_finds_listings_through_the_mappings_and_corrects_only_the_differences(world, store):
    # When the channel is reconciled
    result = stock_reconcile(channel_id=world["channel"].pk, api=shopify_api(store))

    # Then the mapped SKU and the product's own SKU are listings; OTHER-1 (no product) is not
    listings = {listing.external_sku: listing for listing in ChannelListing.objects.filter(channel=world["channel"])}
    assert set(listings) == {"TEE-BLK-M-2024", "TS-WHT-S"}
    assert listings["TEE-BLK-M-2024"].product == world["black"]
    assert listings["TEE-BLK-M-2024"].external_id == "7001"
    # And the storefront's wrong figures are set (8 - 1 buffer; 6 - 1), by inventory item and location
    assert pushed(store) == {"7001": 7, "7002": 5}
    mutations = [r.json for r in store.requests_to("POST", "/graphql.json")]
    assert len(mutations) == 1  # both in one inventorySetQuantities mutation
    assert "inventorySetQuantities" in mutations[0]["query"]
    sent = mutations[0]["variables"]["input"]
    assert (sent["name"], sent["ignoreCompareQuantity"]) == ("available", True)
    assert {"inventoryItemId": "gid://shopify/InventoryItem/7001", "locationId": f"gid://shopify/Location/{LOCATION}",
            "quantity": 7} in sent["quantities"]
    assert (result.checked, result.corrected) == (2, 2)
    assert store.shopify_levels[("7003", LOCATION)] == 1  # not Dockhand's: untouched

    # When it runs again with nothing changed, nothing is sent
    store.stock_pushes.clear()
    again = stock_reconcile(channel_id=world["channel"].pk, api=shopify_api(store))
    assert (again.checked, again.corrected, store.pushes()) == (2, 0, [])


def test_reconcile_corrects_a_figure_the_storefront_changed_on_its_own(world, store):
    stock_reconcile(channel_id=world["channel"].pk, api=shopify_api(store))
    store.shopify_levels[("7002", LOCATION)] = 99  # someone edited it in the Shopify admin
    store.stock_pushes.clear()

    result = stock_reconcile(channel_id=world["channel"].pk, api=shopify_api(store))

    assert result.corrected == 1
    assert store.shopify_levels[("7002", LOCATION)] == 5
    state = ChannelStockSync.objects.get(channel=world["channel"])
    assert (state.last_reconcile_checked, state.last_reconcile_corrected) == (2, 1)
    assert state.last_reconciled_at is not None


def test_nightly_reconciliation_queues_every_enabled_channel(world, store, django_capture_on_commit_callbacks):
    off = SalesChannelFactory(kind=ChannelKind.SHOPIFY, store_url=store.url)
    ChannelStockSync.objects.create(channel=off, is_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert stock_reconcile_all_task() == 1

    assert pushed(store) == {"7001": 7, "7002": 5}


# --- when: queued with every stock change, debounced --------------------------------------------------------


@pytest.fixture
def synced(world, store):
    stock_reconcile(channel_id=world["channel"].pk, api=shopify_api(store))
    store.stock_pushes.clear()
    store.requests.clear()
    return world


def test_a_burst_of_stock_changes_becomes_one_push_per_channel(synced, store):
    # When 30 stock changes to both products commit one after another
    for i in range(15):
        stock_adjust(product=synced["black"], location=synced["pick"], quantity=1, reason=f"found {i}")
        put_stock(synced["white"], 1, warehouse=synced["slc"])

    # Then one push job waits for the debounce, and nothing was sent yet
    jobs = Job.objects.filter(task=STOCK_PUSH_TASK, object_id=synced["channel"].pk)
    assert jobs.count() == 1
    assert jobs.get().run_after > timezone.now() + datetime.timedelta(seconds=20)
    assert run_push(synced["channel"], after=datetime.timedelta(0)) == 0
    assert store.pushes() == []

    # When the debounce has passed, one push sends each listing's last figure once
    assert run_push(synced["channel"]) == 1
    assert sorted(store.pushes(), key=lambda p: p.item_id) == [
        type(store.pushes()[0])("shopify", "7001", 8 + 15 - 1, LOCATION),
        type(store.pushes()[0])("shopify", "7002", 6 + 15 - 1, LOCATION),
    ]
    assert not StockSyncPending.objects.exists()
    state = ChannelStockSync.objects.get(channel=synced["channel"])
    assert (state.last_push_items, state.last_push_calls, state.last_error) == (2, 1, "")


def test_the_queue_row_commits_and_rolls_back_with_the_stock_change(synced):
    seen_inside = []

    def change_then_fail():
        with transaction.atomic():
            stock_adjust(product=synced["black"], location=synced["pick"], quantity=1, reason="found")
            seen_inside.append(StockSyncPending.objects.filter(product=synced["black"]).exists())
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert seen_inside == [True]

    assert not StockSyncPending.objects.exists()
    assert not Job.objects.filter(task=STOCK_PUSH_TASK).exists()


def test_products_not_listed_on_the_storefront_or_channels_without_sync_queue_nothing(synced):
    unlisted = ProductFactory(client=synced["channel"].client)
    put_stock(unlisted, 5, warehouse=synced["slc"])
    assert not StockSyncPending.objects.exists()

    ChannelStockSync.objects.filter(channel=synced["channel"]).update(is_enabled=False)
    put_stock(synced["black"], 5, warehouse=synced["slc"])
    assert not StockSyncPending.objects.exists()


def test_a_change_back_to_the_pushed_figure_sends_nothing(synced, store):
    stock_adjust(product=synced["black"], location=synced["pick"], quantity=1, reason="found")
    stock_adjust(product=synced["black"], location=synced["pick"], quantity=-1, reason="lost again")

    assert run_push(synced["channel"]) == 1

    assert store.pushes() == []
    assert not StockSyncPending.objects.exists()


def test_a_long_push_is_split_into_runs_that_each_stay_inside_the_work_lease(synced, store, monkeypatch):
    monkeypatch.setitem(services.PUSH_MAX_PRODUCTS, ChannelKind.SHOPIFY, 1)
    put_stock(synced["white"], 1, warehouse=synced["slc"])
    put_stock(synced["black"], 1, warehouse=synced["slc"])

    run_push(synced["channel"])

    # The first run sent one product and queued the next run to start now
    assert len(store.pushes()) == 1
    job = Job.objects.get(task=STOCK_PUSH_TASK, object_id=synced["channel"].pk)
    assert job.run_after <= timezone.now()
    assert run_push(synced["channel"], after=datetime.timedelta(0)) == 1
    assert pushed(store) == {"7001": 8, "7002": 6}
    assert not StockSyncPending.objects.exists()


def test_a_hold_back_override_is_pushed(synced, store):
    listing = ChannelListing.objects.get(channel=synced["channel"], external_sku="TS-WHT-S")

    channel_listing_hold_back_set(listing=listing, hold_back=4)
    run_push(synced["channel"])

    assert pushed(store) == {"7002": 2}  # 6 available, 4 held back (more than the buffer of 1)


def test_a_new_buffer_pushes_every_listing(synced, store):
    channel_stock_sync_update(channel=synced["channel"], is_enabled=True, buffer=3)
    run_push(synced["channel"])
    assert pushed(store) == {"7001": 5, "7002": 3}


# --- rate limits and failures ------------------------------------------------------------------------------


def test_a_429_is_waited_out_for_its_retry_after(synced, store):
    store.fail_next(429, headers={"Retry-After": "7.0"}, path_contains="/graphql.json")
    put_stock(synced["white"], 1, warehouse=synced["slc"])

    run_push(synced["channel"])

    assert 7.0 in store.slept
    assert pushed(store) == {"7002": 6}


def test_the_leaky_bucket_header_paces_rest_requests_before_shopify_answers_429(world, store):
    # Given a shop whose REST bucket is nearly full from other apps' calls
    store.bucket_size = 40
    store._bucket_level = 39.0

    # When the reconciliation reads the catalogue and the figures (REST) and sets the differences (GraphQL)
    stock_reconcile(channel_id=world["channel"].pk, api=shopify_api(store))

    # Then the client waited for the bucket to leak instead of being refused: each endpoint was asked once
    assert sum(store.slept) >= 1.0
    paths = [r.path for r in store.requests]
    assert len(paths) == len(set(paths))
    assert pushed(store) == {"7001": 7, "7002": 5}


def test_a_throttled_mutation_waits_for_the_cost_bucket_to_refill(synced, store):
    # Given a shop whose GraphQL cost bucket is empty when the push comes (Shopify answers 200 THROTTLED)
    store.fail_next(200, path_contains="/graphql.json", body=json.dumps({
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": None, "throttleStatus": {
            "maximumAvailable": 2000.0, "currentlyAvailable": 0, "restoreRate": 5.0}}}}))
    put_stock(synced["white"], 1, warehouse=synced["slc"])
    put_stock(synced["black"], 1, warehouse=synced["slc"])

    run_push(synced["channel"])

    # Then it waited as long as the bucket needs to hold the mutation's cost (10 points at 5 a second), once
    assert store.slept == [2.0]
    assert len(store.requests_to("POST", "/graphql.json")) == 2
    assert pushed(store) == {"7001": 8, "7002": 6}
    assert ChannelStockSync.objects.get(channel=synced["channel"]).last_error == ""


def test_ten_thousand_changed_listings_take_forty_mutations_of_at_most_250(monkeypatch):
    sent: list[int] = []

    class Shop:
        def inventory_quantities_set(self, quantities, *, location_id):
            sent.append(len(quantities))
            return QuantitiesSet({}, 1)

    listings = [ChannelListing(pk=i, external_id=str(9000 + i), product_id=1) for i in range(10_000)]
    monkeypatch.setattr(services, "channel_available", lambda *, channel, product_ids: {1: 5})
    monkeypatch.setattr(services, "_outcomes_write", lambda done: done.clear())  # (unsaved listings)
    result = services.PushResult(channel_id=1)

    services._listings_push(SalesChannel(kind=ChannelKind.SHOPIFY), Shop(),
                            ChannelStockSync(buffer=0, location_id=LOCATION), listings, result)

    assert (result.calls, result.pushed, max(sent), sum(sent)) == (40, 10_000, 250, 10_000)


def test_5xx_keeps_the_queue_and_is_retried_with_backoff_through_durable_work(synced, store, manager, client):
    # Given a store that answers 503 to every write for a while
    store.fail_next(503, times=10, path_contains="/graphql.json")
    put_stock(synced["white"], 1, warehouse=synced["slc"])

    # When the push runs, it fails after the client's own retries
    run_push(synced["channel"])

    # Then the job waits for a retry with the error, the queue is kept, and the channel page says so
    job = Job.objects.get(task=STOCK_PUSH_TASK, object_id=synced["channel"].pk)
    assert job.state == JobState.PENDING
    assert job.attempts == 1
    assert "503" in job.last_error
    assert job.run_after > timezone.now() + datetime.timedelta(seconds=50)
    assert StockSyncPending.objects.filter(channel=synced["channel"]).exists()
    state = ChannelStockSync.objects.get(channel=synced["channel"])
    assert "503" in state.last_error
    assert not state.last_error_is_permanent
    client.force_login(manager)
    page = client.get(reverse("intake:channel", args=[synced["channel"].pk])).content.decode()
    assert "The last push failed" in page
    assert "It is retried automatically." in page
    assert "Retry 1 of the push" in page

    # When the store recovers and the retry comes due, the figure goes out and the error clears
    store.clear_failures()
    assert run_push(synced["channel"], after=datetime.timedelta(minutes=2)) == 1
    assert pushed(store) == {"7002": 6}
    assert not Job.objects.filter(task=STOCK_PUSH_TASK).exists()
    assert ChannelStockSync.objects.get(channel=synced["channel"]).last_error == ""
    assert "The last push failed" not in client.get(reverse("intake:channel", args=[synced["channel"].pk])
                                                    ).content.decode()


def test_a_refused_token_is_shown_and_not_retried(synced, store, manager, client):
    synced["channel"].credentials = {"access_token": "shpat_revoked"}
    synced["channel"].save()
    put_stock(synced["white"], 1, warehouse=synced["slc"])

    run_push(synced["channel"])

    job = Job.objects.get(task=STOCK_PUSH_TASK, object_id=synced["channel"].pk)
    assert job.state == JobState.FAILED
    assert job.attempts == 1
    state = ChannelStockSync.objects.get(channel=synced["channel"])
    assert state.last_error_is_permanent
    assert "401" in state.last_error
    client.force_login(manager)
    page = client.get(reverse("intake:channel", args=[synced["channel"].pk])).content.decode()
    assert "Stock sync stopped: the storefront refused it" in page
    assert "gave up after 1 attempts" in page


def test_one_listing_the_store_refuses_is_kept_on_the_listing_and_the_others_go_out(synced, store):
    del store.shopify_levels[("7001", LOCATION)]  # no longer stocked at the location: a user error
    put_stock(synced["white"], 1, warehouse=synced["slc"])
    put_stock(synced["black"], 1, warehouse=synced["slc"])

    run_push(synced["channel"])

    assert pushed(store) == {"7002": 6}  # sent again without the refused item, as the mutation is all or nothing
    assert len(store.requests_to("POST", "/graphql.json")) == 2
    refused = ChannelListing.objects.get(channel=synced["channel"], external_id="7001")
    assert refused.last_error == "Shopify refused it: The specified inventory item could not be found."
    assert not Job.objects.filter(task=STOCK_PUSH_TASK).exists()  # nothing to retry: it needs a person
    assert not StockSyncPending.objects.exists()


def test_stock_push_raises_unavailable_for_the_durable_retry(synced, store):
    store.fail_next(500, times=10)
    put_stock(synced["white"], 1, warehouse=synced["slc"])
    with pytest.raises(StorefrontUnavailable):
        stock_push(channel_id=synced["channel"].pk, api=shopify_api(store))
    store.clear_failures()
    store.fail_next(403, times=1)
    with pytest.raises(StockSyncRefused):
        stock_reconcile(channel_id=synced["channel"].pk, api=shopify_api(store))


# --- WooCommerce ---------------------------------------------------------------------------------------------


@pytest.fixture
def woo_world(store):
    """A WooCommerce store with 101 simple products and a variable one; 3 units of each in Dockhand."""
    slc = salt_lake_city()
    client = ClientFactory()
    products = Product.objects.bulk_create(ProductFactory.build(client=client, sku=f"WC-{i:03d}") for i in range(101))
    variant = ProductFactory(client=client, sku="MUG-RED")
    location = LocationFactory(warehouse=slc, kind=LocationKind.PICK)
    # Opening stock straight into the rows (the ledger's own tests cover receiving; here only the figure matters)
    StockLevel.objects.bulk_create(StockLevel(product=p, location=location, on_hand=3) for p in [*products, variant])
    channel = SalesChannelFactory(client=client, kind=ChannelKind.WOOCOMMERCE, store_url=store.url,
                                  credentials={"consumer_key": store.woo_key, "consumer_secret": store.woo_secret})
    store.woocommerce_products.extend(woocommerce_product(1000 + i, f"WC-{i:03d}", stock_quantity=0)
                                      for i in range(101))
    store.woocommerce_products.append(woocommerce_product(2000, "", product_type="variable", variations=[2001]))
    store.woocommerce_variations[2000] = [woocommerce_variation(2001, "MUG-RED", stock_quantity=0),
                                          woocommerce_variation(2002, "MUG-BLUE", stock_quantity=0)]
    ChannelStockSync.objects.create(channel=channel, is_enabled=True, buffer=0)
    return {"channel": channel, "products": products, "variant": variant, "location": location}


def test_woocommerce_figures_go_in_batches_of_at_most_100(woo_world, store):
    result = stock_reconcile(channel_id=woo_world["channel"].pk)

    batches = store.requests_to("POST", "/products/batch")
    assert [len(r.json["update"]) for r in batches] == [100, 1]
    assert batches[0].json["update"][0] == {"id": 1000, "manage_stock": True, "stock_quantity": 3}
    variation_batches = store.requests_to("POST", "/products/2000/variations/batch")
    assert [r.json["update"] for r in variation_batches] == [[{"id": 2001, "manage_stock": True, "stock_quantity": 3}]]
    assert result.corrected == 102
    assert result.push.calls == 3
    assert pushed(store, "woocommerce")["2001"] == 3


def test_a_woocommerce_batch_item_error_is_kept_on_its_listing(woo_world, store):
    stock_reconcile(channel_id=woo_world["channel"].pk)
    store.woocommerce_products[:] = [p for p in store.woocommerce_products if p["id"] != 1000]  # deleted in the store
    store.stock_pushes.clear()
    stock_adjust(product=woo_world["products"][0], location=woo_world["location"], quantity=1, reason="found")
    stock_adjust(product=woo_world["products"][1], location=woo_world["location"], quantity=1, reason="found")

    run_push(woo_world["channel"])

    assert pushed(store, "woocommerce") == {"1001": 4}
    assert "Invalid ID" in ChannelListing.objects.get(channel=woo_world["channel"], external_id="1000").last_error


# --- settings and the channel page -------------------------------------------------------------------------


def test_turning_sync_on_from_the_channel_page_reconciles(world, store, manager, client,
                                                          django_capture_on_commit_callbacks):
    ChannelStockSync.objects.filter(channel=world["channel"]).update(is_enabled=False)
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("intake:stock_sync_settings", args=[world["channel"].pk]),
                               {"is_enabled": "on", "buffer": "2", "location_id": ""})

    assert response.status_code == 302
    assert pushed(store) == {"7001": 6}  # TS-WHT-S already shows 6 - 2
    page = client.get(reverse("intake:channel", args=[world["channel"].pk])).content.decode()
    assert "Stock sync to the storefront" in page
    assert "TEE-BLK-M-2024" in page
    assert "2 checked, 1 corrected" in page


def test_bad_settings_are_a_message_not_an_error(world, manager, client):
    client.force_login(manager)
    response = client.post(reverse("intake:stock_sync_settings", args=[world["channel"].pk]),
                           {"is_enabled": "on", "buffer": "-4"}, follow=True)
    assert response.status_code == 200
    assert "Stock sync not saved" in response.content.decode()
    response = client.post(reverse("intake:stock_sync_hold_back", args=[world["channel"].pk]),
                           {"sku": "NOPE", "hold_back": "2"}, follow=True)
    assert "NOPE is not a listing" in response.content.decode()


def test_a_client_user_sees_the_sync_but_cannot_change_it(world, client_user_a, client):
    world["channel"].client = client_user_a.profile.client
    world["channel"].save()
    client.force_login(client_user_a)
    page = client.get(reverse("intake:channel", args=[world["channel"].pk]))
    assert page.status_code == 200
    assert "Stock sync to the storefront" in page.content.decode()
    assert "Save stock sync" not in page.content.decode()
    assert client.post(reverse("intake:stock_sync_settings", args=[world["channel"].pk]),
                       {"is_enabled": "on", "buffer": "0"}).status_code == 403
    assert not Job.objects.filter(task=STOCK_RECONCILE_TASK).exists()
