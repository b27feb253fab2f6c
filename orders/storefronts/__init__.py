"""HTTP clients of the storefront platforms (Shopify Admin API, WooCommerce REST API).

One class per platform on top of StorefrontClient, which owns timeouts and retries. Intake uses the order
reads; shipping reports fulfilment through `ShopifyClient.create_fulfillment` and
`WooCommerceClient.complete_order`. Refunds (returns.storefront_refunds) call `self.request(...)` on the same
clients, so every call gets the same retry behaviour.
"""

from orders.choices import ChannelKind
from orders.storefronts.base import (
    RetryPolicy,
    StorefrontClient,
    StorefrontError,
    StorefrontUnavailable,
)
from orders.storefronts.shopify import ShopifyClient
from orders.storefronts.woocommerce import WooCommerceClient

__all__ = [
    "RetryPolicy",
    "ShopifyClient",
    "StorefrontClient",
    "StorefrontError",
    "StorefrontUnavailable",
    "WooCommerceClient",
    "client_for_channel",
]


def client_for_channel(channel, **kwargs) -> StorefrontClient:
    """Return the API client of a Shopify or WooCommerce channel. Raises StorefrontError when it has none."""
    credentials = channel.credentials or {}
    if not channel.store_url:
        raise StorefrontError(f"Channel {channel.name} has no store URL to poll.")
    if channel.kind == ChannelKind.SHOPIFY:
        token = credentials.get("access_token", "")
        if not token:
            raise StorefrontError(f"Channel {channel.name} has no Shopify access_token in its credentials.")
        return ShopifyClient(channel.store_url, access_token=token,
                             api_version=credentials.get("api_version") or None, **kwargs)
    if channel.kind == ChannelKind.WOOCOMMERCE:
        key, secret = credentials.get("consumer_key", ""), credentials.get("consumer_secret", "")
        if not key or not secret:
            raise StorefrontError(
                f"Channel {channel.name} needs consumer_key and consumer_secret in its credentials."
            )
        return WooCommerceClient(channel.store_url, consumer_key=key, consumer_secret=secret, **kwargs)
    raise StorefrontError(f"Channel {channel.name} ({channel.get_kind_display()}) has no storefront API.")
