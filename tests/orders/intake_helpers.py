"""Helpers for intake tests: channels, products for fixture SKUs, signed webhook posts."""

from __future__ import annotations

import json
import uuid

from orders.choices import ChannelKind
from orders.storefronts import shopify, woocommerce
from tests.factories import ProductFactory, SalesChannelFactory

SECRET = "test-webhook-secret"
FIXTURE_SKUS = ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK", "Bar3")


def shopify_channel(client=None, **kwargs):
    extra = {"client": client} if client else {}
    kwargs.setdefault("name", "Shop")
    return SalesChannelFactory(kind=ChannelKind.SHOPIFY, webhook_secret=SECRET, **extra, **kwargs)


def woo_channel(client=None, **kwargs):
    extra = {"client": client} if client else {}
    kwargs.setdefault("name", "Woo")
    return SalesChannelFactory(kind=ChannelKind.WOOCOMMERCE, webhook_secret=SECRET, **extra, **kwargs)


def products_for(client, skus=FIXTURE_SKUS):
    return {sku: ProductFactory(client=client, sku=sku) for sku in skus}


def body_of(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def post_shopify(client, channel, payload, *, topic="orders/create", webhook_id=None, event_id=None,
                 signature=None, secret=SECRET):
    body = body_of(payload)
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_HMAC_SHA256": signature if signature is not None else shopify.webhook_signature(body, secret),
        "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id or str(uuid.uuid4()),
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "dockhand-test.myshopify.com",
        "HTTP_X_SHOPIFY_API_VERSION": "2024-10",
    }
    if event_id:
        headers["HTTP_X_SHOPIFY_EVENT_ID"] = event_id
    if signature == "":
        del headers["HTTP_X_SHOPIFY_HMAC_SHA256"]
    return client.post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json", **headers)


def post_woo(client, channel, payload, *, topic="order.created", delivery_id=None, signature=None, secret=SECRET):
    body = body_of(payload)
    headers = {
        "HTTP_X_WC_WEBHOOK_TOPIC": topic,
        "HTTP_X_WC_WEBHOOK_RESOURCE": topic.split(".")[0],
        "HTTP_X_WC_WEBHOOK_EVENT": topic.split(".")[-1],
        "HTTP_X_WC_WEBHOOK_SIGNATURE": signature if signature is not None
        else woocommerce.webhook_signature(body, secret),
        "HTTP_X_WC_WEBHOOK_ID": "12",
        "HTTP_X_WC_WEBHOOK_DELIVERY_ID": delivery_id or uuid.uuid4().hex,
        "HTTP_X_WC_WEBHOOK_SOURCE": "https://woo.example/",
    }
    return client.post(f"/webhooks/woocommerce/{channel.pk}/", data=body, content_type="application/json", **headers)
