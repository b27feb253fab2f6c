"""Shopify Admin REST API client and webhook signatures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from orders.storefronts.base import (  # noqa: F401  (signatures re-exported: X-Shopify-Hmac-Sha256 is the same HMAC)
    StorefrontClient,
    StorefrontError,
    webhook_signature,
    webhook_signature_valid,
)

API_VERSION = "2024-10"
PAGE_LIMIT = 250  # Shopify's maximum page size




class ShopifyClient(StorefrontClient):
    """Shopify Admin API of one shop, authenticated with an Admin API access token."""

    platform = "Shopify"

    def __init__(self, shop_url: str, *, access_token: str, api_version: str | None = None,
                 page_size: int = PAGE_LIMIT, **kwargs):
        super().__init__(shop_url, **kwargs)
        self.page_size = page_size
        self.access_token = access_token
        self.api_version = api_version or API_VERSION

    def prepare(self, kwargs: dict) -> dict:
        headers = dict(kwargs.pop("headers", None) or {})
        headers["X-Shopify-Access-Token"] = self.access_token
        headers.setdefault("Accept", "application/json")
        kwargs["headers"] = headers
        return kwargs

    def api_path(self, resource: str) -> str:
        return f"admin/api/{self.api_version}/{resource.lstrip('/')}"

    def iter_order_pages(self, *, updated_at_min: datetime | None = None, limit: int | None = None
                         ) -> Iterator[list[dict]]:
        """Yield pages of orders (any status) updated since `updated_at_min`, oldest change first.

        Follows the Link header's rel="next" (cursor pagination with page_info): the next URL carries the
        filters itself and must be requested as it is. Raises StorefrontError / StorefrontUnavailable.
        """
        params: dict | None = {"status": "any", "limit": limit or self.page_size, "order": "updated_at asc"}
        if updated_at_min is not None:
            params["updated_at_min"] = updated_at_min.isoformat()
        url: str | None = self.api_path("orders.json")
        while url:
            response = self.request("GET", url, params=params)
            try:
                orders = response.json()["orders"]
            except (ValueError, KeyError, TypeError) as exc:
                raise StorefrontError(f"Shopify sent an order page without 'orders': {exc}") from exc
            yield orders
            url = response.links.get("next", {}).get("url")
            params = None

    def get_order(self, order_id: int | str) -> dict:
        """Fetch one order. Raises StorefrontError (404 when it does not exist)."""
        return self.request("GET", self.api_path(f"orders/{order_id}.json")).json()["order"]

    def create_fulfillment(self, order_id: int | str, *, tracking_number: str, tracking_url: str = "",
                           company: str = "", notify_customer: bool = False) -> dict | None:
        """Fulfil every open fulfillment order of an order with one tracking number (Fulfillment API).

        Returns the fulfillment, or None when nothing is left open (already fulfilled: a retry is harmless).
        Raises StorefrontError / StorefrontUnavailable.
        """
        response = self.request("GET", self.api_path(f"orders/{order_id}/fulfillment_orders.json"))
        try:
            fulfillment_orders = response.json()["fulfillment_orders"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StorefrontError(f"Shopify sent fulfillment orders without 'fulfillment_orders': {exc}") from exc
        open_ids = [fo["id"] for fo in fulfillment_orders if fo.get("status") in ("open", "in_progress")]
        if not open_ids:
            return None
        body = {"fulfillment": {
            "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo_id} for fo_id in open_ids],
            "tracking_info": {"number": tracking_number, "url": tracking_url, "company": company},
            "notify_customer": notify_customer,
        }}
        return self.request("POST", self.api_path("fulfillments.json"), json=body).json().get("fulfillment", {})
