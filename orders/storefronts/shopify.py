"""Shopify Admin API client (REST, and GraphQL for setting stock in bulk) and webhook signatures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from orders.storefronts.base import (  # noqa: F401  (signatures re-exported: X-Shopify-Hmac-Sha256 is the same HMAC)
    StorefrontClient,
    StorefrontError,
    StorefrontUnavailable,
    webhook_signature,
    webhook_signature_valid,
)

API_VERSION = "2024-10"
PAGE_LIMIT = 250  # Shopify's maximum page size
INVENTORY_LEVELS_IDS_MAX = 50  # inventory_levels.json takes up to 50 inventory item ids per request
# The REST Admin API's leaky bucket: 40 calls, leaking 2 a second on a standard plan (Plus shops leak faster,
# which only makes the pause shorter than needed). A few calls stay free for the shop's other apps.
BUCKET_LEAK_PER_SECOND = 2.0
BUCKET_HEADROOM = 4
# inventorySetQuantities sets many items in one call (the REST inventory_levels/set.json sets one): this many
# quantities a mutation, the most a GraphQL Admin input list takes.
QUANTITIES_PER_MUTATION = 250
INVENTORY_SET_MUTATION = """
mutation DockhandSetAvailable($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    userErrors { field message code }
  }
}
"""
# A THROTTLED answer (GraphQL's cost bucket ran dry) is waited out this many times before giving up.
THROTTLED_RETRIES = 5


def parse_call_limit(value: str | None) -> tuple[int, int] | None:
    """(used, size) from X-Shopify-Shop-Api-Call-Limit, e.g. "32/40"; None when absent or unreadable."""
    if not value or "/" not in value:
        return None
    used, _, size = value.partition("/")
    try:
        return int(used), int(size)
    except ValueError:
        return None


class QuantitiesSet(NamedTuple):
    """What one inventory_quantities_set did: the items Shopify refused (item id -> its message) and the
    mutations it took (one, or two when the first was refused in part and the rest sent again)."""

    refused: dict[str, str]
    calls: int


def _gid(kind: str, value: str) -> str:
    value = str(value)
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


def _quantity_index(field: list | None) -> int | None:
    """The position in the mutation's quantities a user error names (["input", "quantities", "3", ...])."""
    path = [str(part) for part in field or []]
    if "quantities" in path:
        following = path[path.index("quantities") + 1:]
        if following and re.fullmatch(r"\d+", following[0]):
            return int(following[0])
    return None


def _throttle_wait(body: dict) -> float:
    """Seconds until the cost bucket holds the query's cost again, from the answer's extensions.cost."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost.get("requestedQueryCost", 10)) - float(status.get("currentlyAvailable", 0))
        return max(missing / float(status.get("restoreRate") or 50), 1.0)
    except (TypeError, ValueError):
        return 1.0


class ShopifyClient(StorefrontClient):
    """Shopify Admin API of one shop, authenticated with an Admin API access token."""

    platform = "Shopify"

    def __init__(self, shop_url: str, *, access_token: str, api_version: str | None = None,
                 page_size: int = PAGE_LIMIT, **kwargs):
        super().__init__(shop_url, **kwargs)
        self.page_size = page_size
        self.access_token = access_token
        self.api_version = api_version or API_VERSION
        self.bucket: tuple[int, int] | None = None  # (used, size) as the last response said

    def request(self, method: str, path: str, **kwargs):
        """StorefrontClient.request, paced by the leaky bucket: when the last answer said the bucket is
        nearly full, wait until enough has leaked out, so that Shopify need not answer 429."""
        if self.bucket is not None:
            used, size = self.bucket
            over = used - (size - BUCKET_HEADROOM)
            if over > 0:
                self.sleep(over / BUCKET_LEAK_PER_SECOND)
                self.bucket = (used - over, size)
        response = super().request(method, path, **kwargs)
        self.bucket = parse_call_limit(response.headers.get("X-Shopify-Shop-Api-Call-Limit")) or self.bucket
        return response

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
        yield from self._iter_pages("orders.json", "orders", params)

    def _iter_pages(self, resource: str, key: str, params: dict | None) -> Iterator[list[dict]]:
        """Yield the `key` list of each page, following the Link header's rel="next" (its URL carries the
        filters itself and must be requested as it is). Raises StorefrontError / StorefrontUnavailable."""
        url: str | None = self.api_path(resource)
        while url:
            response = self.request("GET", url, params=params)
            try:
                items = response.json()[key]
            except (ValueError, KeyError, TypeError) as exc:
                raise StorefrontError(f"Shopify sent a page of {resource} without '{key}': {exc}") from exc
            yield items
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

    # --- inventory ---------------------------------------------------------------------------------------

    def iter_variants(self) -> Iterator[dict]:
        """Yield every variant of every product (sku, id, inventory_item_id, inventory_quantity, ...).

        Cursor pages of products by the Link header. Raises StorefrontError / StorefrontUnavailable.
        """
        for products in self._iter_pages("products.json", "products", {"limit": self.page_size,
                                                                      "fields": "id,variants"}):
            for product in products:
                yield from product.get("variants") or []

    def locations(self) -> list[dict]:
        """The shop's locations. Raises StorefrontError / StorefrontUnavailable."""
        try:
            return self.request("GET", self.api_path("locations.json")).json()["locations"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StorefrontError(f"Shopify sent locations without 'locations': {exc}") from exc

    def inventory_levels(self, *, inventory_item_ids: list[str], location_id: str) -> dict[str, int | None]:
        """'available' per inventory item id at one location, 50 items a request.

        Items not stocked there are left out. Raises StorefrontError / StorefrontUnavailable.
        """
        found: dict[str, int | None] = {}
        for start in range(0, len(inventory_item_ids), INVENTORY_LEVELS_IDS_MAX):
            chunk = inventory_item_ids[start:start + INVENTORY_LEVELS_IDS_MAX]
            response = self.request("GET", self.api_path("inventory_levels.json"), params={
                "inventory_item_ids": ",".join(chunk), "location_ids": location_id, "limit": self.page_size})
            try:
                levels = response.json()["inventory_levels"]
            except (ValueError, KeyError, TypeError) as exc:
                raise StorefrontError(f"Shopify sent inventory levels without 'inventory_levels': {exc}") from exc
            for level in levels:
                found[str(level["inventory_item_id"])] = level.get("available")
        return found

    def graphql(self, query: str, variables: dict) -> dict:
        """Run one GraphQL Admin API query and return its `data`.

        A THROTTLED answer (the cost bucket, answered with 200) is waited out as extensions.cost says, up to
        THROTTLED_RETRIES times. Raises StorefrontUnavailable when it stays throttled, StorefrontError for any
        other error (ACCESS_DENIED as a 403, so that the whole channel is refused).
        """
        for attempt in range(THROTTLED_RETRIES + 1):
            response = self.request("POST", self.api_path("graphql.json"),
                                    json={"query": query, "variables": variables})
            try:
                body = response.json()
                errors = body.get("errors") or []
            except (ValueError, AttributeError) as exc:
                raise StorefrontError(f"Shopify sent a GraphQL answer that is not a JSON object: {exc}") from exc
            if not errors:
                return body.get("data") or {}
            errors = errors if isinstance(errors, list) else [errors]
            codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
            message = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)[:500]
            if "THROTTLED" not in codes:
                raise StorefrontError(f"Shopify refused the GraphQL request: {message}",
                                      status_code=403 if "ACCESS_DENIED" in codes else None, body=str(body)[:2000])
            if attempt < THROTTLED_RETRIES:
                self.sleep(_throttle_wait(body))
        raise StorefrontUnavailable(f"Shopify kept throttling the GraphQL requests ({message}).", status_code=429)

    def inventory_quantities_set(self, quantities: dict[str, int], *, location_id: str) -> QuantitiesSet:
        """Set the 'available' figure of up to QUANTITIES_PER_MUTATION inventory items at one location, in one
        inventorySetQuantities mutation (absolute figures: Dockhand is the source of truth, so no compare).

        Items Shopify refuses (untracked, not stocked there) come back in `refused`; because a mutation with a
        user error may have set nothing, the others are sent once more without them. Raises StorefrontError /
        StorefrontUnavailable for the request as a whole.
        """
        if len(quantities) > QUANTITIES_PER_MUTATION:
            raise ValueError(f"At most {QUANTITIES_PER_MUTATION} quantities a mutation.")
        refused: dict[str, str] = {}
        pending = dict(quantities)
        calls = 0
        for _ in range(2):
            if not pending:
                break
            items = list(pending)
            calls += 1
            data = self.graphql(INVENTORY_SET_MUTATION, {"input": {
                "name": "available", "reason": "correction", "ignoreCompareQuantity": True,
                "quantities": [{"inventoryItemId": _gid("InventoryItem", item),
                                "locationId": _gid("Location", location_id), "quantity": pending[item]}
                               for item in items]}})
            errors = ((data.get("inventorySetQuantities") or {}).get("userErrors")) or []
            if not errors:
                return QuantitiesSet(refused, calls)
            for error in errors:
                index = _quantity_index(error.get("field"))
                message = str(error.get("message") or error.get("code") or "refused")
                if index is None or index >= len(items):  # not about one item: none of them went in
                    refused.update(dict.fromkeys(pending, message))
                    return QuantitiesSet(refused, calls)
                refused[items[index]] = message
            pending = {item: quantity for item, quantity in pending.items() if item not in refused}
        refused.update(dict.fromkeys(pending, "Shopify refused the batch twice."))
        return QuantitiesSet(refused, calls)
