from datetime import UTC, datetime

import pytest
import requests

from orders.storefronts import (
    RetryPolicy,
    ShopifyClient,
    StorefrontError,
    StorefrontUnavailable,
    WooCommerceClient,
    client_for_channel,
)
from orders.storefronts.base import parse_retry_after
from tests.factories import SalesChannelFactory
from tests.fakes.storefront import shopify_order, woocommerce_order

FAST = RetryPolicy(attempts=4, backoff_base=0.001, backoff_max=0.01)


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def shopify(store, **kwargs):
    kwargs.setdefault("retry", FAST)
    return ShopifyClient(store.url, access_token=store.shopify_token, **kwargs)


def woo(store, **kwargs):
    kwargs.setdefault("retry", FAST)
    return WooCommerceClient(store.url, consumer_key=store.woo_key, consumer_secret=store.woo_secret, **kwargs)


def test_shopify_pages_follow_link_header_without_repeating_filters(fake_storefront):
    # Given 7 orders, updated one minute apart
    fake_storefront.shopify_orders.extend(
        shopify_order(5000 + i, updated_at=f"2026-11-20T10:{i:02d}:00-05:00") for i in range(7)
    )

    # When Dockhand reads them 3 per page
    pages = list(shopify(fake_storefront).iter_order_pages(limit=3))

    # Then it got every order once, oldest change first, over 3 requests
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [o["id"] for p in pages for o in p] == list(range(5000, 5007))
    first, *later = fake_storefront.requests_to("GET", "/orders.json")
    assert first.param("status") == "any"
    assert all(set(r.query) == {"limit", "page_info"} for r in later)


def test_shopify_updated_at_min_limits_to_changed_orders(fake_storefront):
    fake_storefront.shopify_orders.extend([
        shopify_order(1, updated_at="2026-11-20T09:00:00-05:00"),
        shopify_order(2, updated_at="2026-11-20T11:00:00-05:00"),
    ])

    pages = list(shopify(fake_storefront).iter_order_pages(updated_at_min=datetime(2026, 11, 20, 15, tzinfo=UTC)))

    assert [o["id"] for p in pages for o in p] == [2]


def test_shopify_429_waits_retry_after_then_succeeds(fake_storefront):
    fake_storefront.shopify_orders.append(shopify_order(1))
    fake_storefront.fail_next(429, headers={"Retry-After": "2.0"}, path_contains="/orders.json")
    sleeps = Sleeps()

    pages = list(shopify(fake_storefront, sleep=sleeps).iter_order_pages())

    assert [o["id"] for p in pages for o in p] == [1]
    assert sleeps == [2.0]
    assert len(fake_storefront.requests_to("GET", "/orders.json")) == 2


def test_shopify_500s_back_off_and_give_up_as_unavailable(fake_storefront):
    fake_storefront.fail_next(500, times=10)
    sleeps = Sleeps()

    with pytest.raises(StorefrontUnavailable, match="after 4 attempts"):
        list(shopify(fake_storefront, sleep=sleeps).iter_order_pages())

    assert len(sleeps) == 3
    assert len(fake_storefront.requests) == 4


def test_shopify_wrong_token_is_a_storefront_error_without_retries(fake_storefront):
    client = ShopifyClient(fake_storefront.url, access_token="wrong", retry=FAST)

    with pytest.raises(StorefrontError) as caught:
        list(client.iter_order_pages())

    assert caught.value.status_code == 401
    assert not isinstance(caught.value, StorefrontUnavailable)
    assert len(fake_storefront.requests) == 1


def test_woocommerce_pages_until_total_pages(fake_storefront):
    fake_storefront.woocommerce_orders.extend(
        woocommerce_order(700 + i, date_modified_gmt=f"2026-11-20T15:{i:02d}:00") for i in range(5)
    )

    pages = list(woo(fake_storefront).iter_order_pages(per_page=2))

    assert [[o["id"] for o in p] for p in pages] == [[700, 701], [702, 703], [704]]
    assert [r.param("page") for r in fake_storefront.requests_to("GET", "/wc/v3/orders")] == ["1", "2", "3"]


def test_woocommerce_modified_after_and_retry_after_on_429(fake_storefront):
    fake_storefront.woocommerce_orders.extend([
        woocommerce_order(1, date_modified_gmt="2026-11-20T10:00:00"),
        woocommerce_order(2, date_modified_gmt="2026-11-20T12:00:00"),
    ])
    fake_storefront.fail_next(429, headers={"Retry-After": "1"})
    fake_storefront.fail_next(503)
    sleeps = Sleeps()

    pages = list(woo(fake_storefront, sleep=sleeps).iter_order_pages(
        modified_after=datetime(2026, 11, 20, 11, tzinfo=UTC)))

    assert [o["id"] for p in pages for o in p] == [2]
    assert sleeps[0] == 1.0
    assert len(sleeps) == 2
    assert fake_storefront.requests[-1].param("modified_after") == "2026-11-20T11:00:00"


def test_woocommerce_wrong_keys_are_refused(fake_storefront):
    client = WooCommerceClient(fake_storefront.url, consumer_key="ck", consumer_secret="nope", retry=FAST)

    with pytest.raises(StorefrontError) as caught:
        client.get_order(727)

    assert caught.value.status_code == 401


def test_connection_refused_is_retried_then_unavailable():
    with requests.Session() as session:
        # port 1 on loopback: nothing listens there
        client = ShopifyClient("http://127.0.0.1:1", access_token="x", retry=FAST, session=session,
                               sleep=lambda s: None)
        with pytest.raises(StorefrontUnavailable, match="ConnectionError"):
            client.get_order(1)


def test_fake_records_fulfilment_calls_added_by_later_issues(fake_storefront):
    fake_storefront.respond("POST", r"/admin/api/[^/]+/fulfillments\.json", 201, {"fulfillment": {"id": 9}})

    response = shopify(fake_storefront).request("POST", "admin/api/2024-10/fulfillments.json",
                                                json={"fulfillment": {"line_items_by_fulfillment_order": []}})

    assert response.json() == {"fulfillment": {"id": 9}}
    (call,) = fake_storefront.requests_to("POST", "fulfillments.json")
    assert call.json == {"fulfillment": {"line_items_by_fulfillment_order": []}}


@pytest.mark.parametrize(("header", "expected"), [
    ("2.0", 2.0), ("7", 7.0), ("garbage", None), (None, None),
    ("Fri, 20 Nov 2026 10:00:30 GMT", 30.0),
])
def test_retry_after_parses_seconds_and_http_dates(header, expected):
    assert parse_retry_after(header, now=datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "credentials", "cls"), [
    ("shopify", {"access_token": "t"}, ShopifyClient),
    ("woocommerce", {"consumer_key": "k", "consumer_secret": "s"}, WooCommerceClient),
])
def test_client_for_channel_builds_the_platform_client(kind, credentials, cls):
    channel = SalesChannelFactory(kind=kind, store_url="https://shop.example", credentials=credentials)

    assert isinstance(client_for_channel(channel), cls)


@pytest.mark.django_db
def test_client_for_channel_without_credentials_says_what_is_missing():
    channel = SalesChannelFactory(kind="shopify", store_url="https://shop.example", credentials={})

    with pytest.raises(StorefrontError, match="access_token"):
        client_for_channel(channel)
