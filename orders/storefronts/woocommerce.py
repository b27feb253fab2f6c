"""WooCommerce REST API (wc/v3) client and webhook signatures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from orders.storefronts.base import (  # noqa: F401  (signatures re-exported: X-WC-Webhook-Signature is the same HMAC)
    StorefrontClient,
    StorefrontError,
    webhook_signature,
    webhook_signature_valid,
)

PAGE_LIMIT = 100  # WooCommerce's maximum per_page
BATCH_LIMIT = 100  # the batch endpoints take up to 100 objects per request by default


class WooCommerceClient(StorefrontClient):
    """WooCommerce REST API of one store, authenticated with a consumer key and secret (HTTP Basic)."""

    platform = "WooCommerce"

    def __init__(self, store_url: str, *, consumer_key: str, consumer_secret: str, page_size: int = PAGE_LIMIT,
                 **kwargs):
        super().__init__(store_url, **kwargs)
        self.page_size = page_size
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret

    def prepare(self, kwargs: dict) -> dict:
        kwargs["auth"] = (self.consumer_key, self.consumer_secret)
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Accept", "application/json")
        kwargs["headers"] = headers
        return kwargs

    def api_path(self, resource: str) -> str:
        return f"wp-json/wc/v3/{resource.lstrip('/')}"

    def _iter_pages(self, resource: str, *, per_page: int | None = None, **params) -> Iterator[list[dict]]:
        """Yield each page of a list, by page/per_page until X-WP-TotalPages.

        Raises StorefrontError / StorefrontUnavailable."""
        page = 1
        while True:
            response = self.request("GET", self.api_path(resource),
                                    params={"page": page, "per_page": per_page or self.page_size, **params})
            try:
                items = response.json()
            except ValueError as exc:
                raise StorefrontError(f"WooCommerce sent a page of {resource} that is not JSON: {exc}") from exc
            if not isinstance(items, list):
                raise StorefrontError(f"WooCommerce sent a page of {resource} that is not a list.")
            yield items
            try:
                total_pages = int(response.headers.get("X-WP-TotalPages", "1"))
            except ValueError:
                total_pages = 1
            if page >= total_pages or not items:
                return
            page += 1

    def iter_order_pages(self, *, modified_after: datetime | None = None, per_page: int | None = None
                         ) -> Iterator[list[dict]]:
        """Yield pages of orders modified after `modified_after` (UTC), oldest change first.

        Pages by page/per_page until X-WP-TotalPages. Raises StorefrontError / StorefrontUnavailable.
        """
        params = {"orderby": "modified", "order": "asc", "dates_are_gmt": "true"}
        if modified_after is not None:
            params["modified_after"] = modified_after.astimezone(UTC).replace(tzinfo=None).isoformat(
                timespec="seconds")
        yield from self._iter_pages("orders", per_page=per_page, **params)

    def get_order(self, order_id: int | str) -> dict:
        """Fetch one order. Raises StorefrontError (404 when it does not exist)."""
        return self.request("GET", self.api_path(f"orders/{order_id}")).json()

    def complete_order(self, order_id: int | str, *, note: str) -> dict:
        """Mark an order completed and add a note the customer sees (the tracking number and link).

        Safe to repeat: completing twice changes nothing. Raises StorefrontError / StorefrontUnavailable.
        """
        order = self.request("PUT", self.api_path(f"orders/{order_id}"), json={"status": "completed"}).json()
        self.request("POST", self.api_path(f"orders/{order_id}/notes"), json={"note": note, "customer_note": True})
        return order

    # --- inventory ---------------------------------------------------------------------------------------

    def iter_products(self) -> Iterator[dict]:
        """Yield every product (id, sku, type, manage_stock, stock_quantity, variations, ...), page by page.
        Raises StorefrontError / StorefrontUnavailable."""
        for page in self._iter_pages("products"):
            yield from page

    def iter_variations(self, product_id: int | str) -> Iterator[dict]:
        """Yield every variation of a variable product. Raises StorefrontError / StorefrontUnavailable."""
        for page in self._iter_pages(f"products/{product_id}/variations"):
            yield from page

    def stock_batch_update(self, quantities: dict[str, int], *, parent_id: str = "") -> dict[str, str]:
        """Set stock_quantity (and manage_stock) of up to BATCH_LIMIT products, or of one product's variations,
        in one batch request. Returns {id: error message} for the objects the store refused.

        Raises StorefrontError / StorefrontUnavailable when the whole request fails.
        """
        if len(quantities) > BATCH_LIMIT:
            raise ValueError(f"A WooCommerce batch takes at most {BATCH_LIMIT} objects.")
        resource = f"products/{parent_id}/variations/batch" if parent_id else "products/batch"
        body = {"update": [{"id": int(item_id), "manage_stock": True, "stock_quantity": quantity}
                           for item_id, quantity in quantities.items()]}
        response = self.request("POST", self.api_path(resource), json=body)
        try:
            updated = response.json().get("update") or []
        except (ValueError, AttributeError) as exc:
            raise StorefrontError(f"WooCommerce sent a batch answer that is not JSON: {exc}") from exc
        errors: dict[str, str] = {}
        for item in updated:
            error = item.get("error") if isinstance(item, dict) else None
            if error:
                errors[str(item.get("id"))] = str(error.get("message") or error.get("code") or error)
        return errors
