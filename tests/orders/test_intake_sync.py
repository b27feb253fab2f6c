"""Polling sync against the local fake storefront: pagination, Retry-After, 500s, resuming, completeness."""

import datetime
from datetime import UTC

import pytest

from orders.choices import ChannelKind, DeliverySource, DeliveryState, OrderStatus
from orders.intake.deliveries import webhook_delivery_retry
from orders.intake.polling import channel_sync, pollable_channel_ids
from orders.intake.tasks import channel_sync_task, channels_sync_task
from orders.models import ChannelSync, Order, StorefrontOrder, WebhookDelivery
from orders.storefronts import RetryPolicy, ShopifyClient, WooCommerceClient
from tests.factories import SalesChannelFactory
from tests.fakes.storefront import shopify_order, woocommerce_order
from tests.orders.intake_helpers import post_shopify, products_for, shopify_channel, woo_channel

pytestmark = pytest.mark.django_db

CURSOR = datetime.datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=3, backoff_base=0.001, backoff_max=0.01)


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def shop(client_a, fake_storefront):
    products_for(client_a)
    channel = shopify_channel(client_a, store_url=fake_storefront.url,
                              credentials={"access_token": fake_storefront.shopify_token})
    ChannelSync.objects.create(channel=channel, cursor_at=CURSOR)
    return channel


@pytest.fixture
def woo(client_a, fake_storefront):
    products_for(client_a)
    channel = woo_channel(client_a, store_url=fake_storefront.url,
                          credentials={"consumer_key": fake_storefront.woo_key,
                                       "consumer_secret": fake_storefront.woo_secret})
    ChannelSync.objects.create(channel=channel, cursor_at=CURSOR)
    return channel


def shopify_api(store, sleeps=None, page_size=3):
    return ShopifyClient(store.url, access_token=store.shopify_token, page_size=page_size, retry=FAST,
                         sleep=sleeps if sleeps is not None else (lambda s: None))


def woo_api(store, sleeps=None, page_size=2):
    return WooCommerceClient(store.url, consumer_key=store.woo_key, consumer_secret=store.woo_secret,
                             page_size=page_size, retry=FAST, sleep=sleeps if sleeps is not None else (lambda s: None))


def add_shopify_orders(store, ids, hour=10):
    for i, order_id in enumerate(ids):
        store.shopify_orders.append(shopify_order(order_id, updated_at=f"2026-11-20T{hour}:{i:02d}:00-05:00",
                                                  lines=[("IPOD2008RED", 1, "10.00")]))


def test_sync_after_an_outage_restores_exactly_the_stores_orders(shop, fake_storefront, client,
                                                                 django_capture_on_commit_callbacks):
    # Given a store with 8 orders, of which webhooks delivered only 3
    add_shopify_orders(fake_storefront, range(100, 108))
    for payload in fake_storefront.shopify_orders[:3]:
        with django_capture_on_commit_callbacks(execute=True):
            post_shopify(client, shop, payload)

    # When the polling sync runs, reading 3 orders per page
    result = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    # Then Dockhand has exactly the store's orders, once each, and knows webhooks missed 5
    assert sorted(Order.objects.values_list("external_id", flat=True)) == [str(i) for i in range(100, 108)]
    assert result.seen == 8
    assert result.outcomes == {"unchanged": 3, "created": 5}
    assert len(fake_storefront.requests_to("GET", "/orders.json")) == 3
    state = ChannelSync.objects.get(channel=shop)
    assert state.cursor_at == datetime.datetime(2026, 11, 20, 15, 7, tzinfo=UTC)
    assert (state.missed_by_webhooks, state.last_sync_error) == (5, "")
    assert StorefrontOrder.objects.filter(found_by_sync=True).count() == 5
    created = Order.objects.get(external_id="107")
    assert created.events.first().actor == "Shopify sync"

    # and running it again changes nothing
    again = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))
    assert Order.objects.count() == 8
    assert set(again.outcomes) <= {"unchanged"}


def test_sync_asks_from_the_cursor_with_an_overlap(shop, fake_storefront):
    channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    first = fake_storefront.requests_to("GET", "/orders.json")[0]
    assert first.param("updated_at_min") == "2026-11-19T23:58:00+00:00"
    assert first.param("status") == "any"


def test_sync_waits_out_429_retry_after(shop, fake_storefront):
    add_shopify_orders(fake_storefront, [200, 201])
    fake_storefront.fail_next(429, headers={"Retry-After": "2.0"}, path_contains="/orders.json")
    sleeps = Sleeps()

    result = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront, sleeps))

    assert sleeps == [2.0]
    assert result.outcomes == {"created": 2}
    assert result.error == ""


def test_sync_survives_a_500_and_then_a_store_that_stays_down(shop, fake_storefront):
    add_shopify_orders(fake_storefront, range(300, 305))
    fake_storefront.fail_next(500, times=1)

    result = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))
    assert result.outcomes == {"created": 5}

    fake_storefront.fail_next(500, times=99)
    down = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    state = ChannelSync.objects.get(channel=shop)
    assert "after 3 attempts" in down.error
    assert "after 3 attempts" in state.last_sync_error
    assert state.cursor_at == datetime.datetime(2026, 11, 20, 15, 4, tzinfo=UTC)


def test_sync_resumes_after_the_last_good_page(shop, fake_storefront):
    add_shopify_orders(fake_storefront, range(400, 406))
    fake_storefront.fail_next(503, times=3, query_contains="page_info")  # page 2 is down

    result = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    assert Order.objects.count() == 3
    assert "503" in result.error
    assert ChannelSync.objects.get(channel=shop).cursor_at == datetime.datetime(2026, 11, 20, 15, 2, tzinfo=UTC)

    channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    assert Order.objects.count() == 6


def test_sync_applies_cancellations_found_by_polling(shop, fake_storefront):
    add_shopify_orders(fake_storefront, [500])
    channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))
    fake_storefront.shopify_orders[0] = shopify_order(500, updated_at="2026-11-20T12:00:00-05:00",
                                                      cancelled_at="2026-11-20T12:00:00-05:00")

    channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    assert Order.objects.get().status == OrderStatus.CANCELLED


def test_an_order_the_sync_cannot_read_becomes_a_failed_delivery(shop, fake_storefront, manager):
    add_shopify_orders(fake_storefront, [600, 601])
    broken = fake_storefront.shopify_orders[0]
    broken["line_items"] = [{**broken["line_items"][0], "quantity": 0}]
    broken["fulfillment_status"] = None
    fake_storefront.shopify_orders[0] = {**broken, "id": ""}

    result = channel_sync(channel_id=shop.pk, api=shopify_api(fake_storefront))

    assert result.failed == 1
    assert Order.objects.count() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.state, delivery.topic) == (DeliverySource.POLL, DeliveryState.FAILED, "sync")
    assert "no id" in delivery.last_error
    webhook_delivery_retry(delivery=delivery, user=manager)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED  # still unreadable; the manager sees why


def test_woocommerce_sync_pages_and_takes_only_orders_waiting_for_fulfilment(woo, fake_storefront):
    statuses = ["processing", "processing", "pending", "completed", "processing"]
    for i, status in enumerate(statuses):
        fake_storefront.woocommerce_orders.append(
            woocommerce_order(700 + i, status=status, date_modified_gmt=f"2026-11-20T15:{i:02d}:00",
                              lines=[("Bar3", 1, "12.00")]))
    fake_storefront.fail_next(429, headers={"Retry-After": "1"}, path_contains="/wc/v3/orders")
    sleeps = Sleeps()

    result = channel_sync(channel_id=woo.pk, api=woo_api(fake_storefront, sleeps))

    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["700", "701", "704"]
    assert result.outcomes == {"created": 3, "skipped": 2}
    assert sleeps == [1.0]
    pages = [r.param("page") for r in fake_storefront.requests_to("GET", "/wc/v3/orders")]
    assert pages == ["1", "1", "2", "3"]
    assert ChannelSync.objects.get(channel=woo).cursor_at == datetime.datetime(2026, 11, 20, 15, 4, tzinfo=UTC)


def test_beat_task_fans_out_to_pollable_channels_only(shop, fake_storefront, client_a,
                                                      django_capture_on_commit_callbacks):
    SalesChannelFactory(client=client_a, kind=ChannelKind.SHOPIFY, store_url="", credentials={})
    SalesChannelFactory(client=client_a, kind=ChannelKind.API)
    add_shopify_orders(fake_storefront, [800])

    assert pollable_channel_ids() == [shop.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert channels_sync_task() == 1  # eager: the per-channel job ran with the channel's own client

    assert Order.objects.get().external_id == "800"
    assert channel_sync_task(999_999) is None
