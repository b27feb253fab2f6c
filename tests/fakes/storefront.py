"""A fake Shopify shop and WooCommerce store on 127.0.0.1, for tests that must not reach the internet.

    with FakeStorefront() as store:
        store.shopify_orders.append(shopify_order(1001))
        store.fail_next(429, headers={"Retry-After": "1"})
        client = ShopifyClient(store.url, access_token=store.shopify_token)
        ...
        assert store.requests_to("POST", "/fulfillments.json")

It serves real-format payloads (built from the fixtures in tests/fixtures/storefronts) with each platform's
pagination: Shopify's cursor pages (Link header with page_info; filters may not be combined with page_info)
and WooCommerce's page/per_page with X-WP-Total and X-WP-TotalPages. Every request is recorded in
`store.requests`. Failures are injected with `fail_next`, and any other endpoint (fulfilments, refunds) is added
with `respond` or `add_route`; unknown paths answer 404 and are still recorded.

Inventory: `store.shopify_products` (from `shopify_product`, SDK product.json with each variant's
inventory_item_id) and `store.shopify_levels` ({(inventory item id, location id): available}) answer
products.json, locations.json, inventory_levels.json and the GraphQL Admin API's
inventorySetQuantities mutation (graphql.json: up to 250 quantities, all or none: an item not stocked at the
location is a user error naming its position, as Shopify answers); `store.woocommerce_products`
(from `woocommerce_product`) and `store.woocommerce_variations` answer products, variations, PUT products/<id>
and the batch endpoints (more than 100 objects is a 413, as WooCommerce answers). Every stock write is recorded
in `store.stock_pushes`. Shopify's leaky bucket is simulated (40 calls, 2 a second leak) on the real clock plus whatever
`store.sleep` added, so a client given `sleep=store.sleep` waits without waiting; a full bucket answers
429 with Retry-After, and every Shopify answer carries X-Shopify-Shop-Api-Call-Limit.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storefronts"


def load_fixture(relative: str):
    return json.loads((FIXTURES / relative).read_text())


# --- real-format payload builders ----------------------------------------------------------------------


def shopify_order(
    order_id: int,
    *,
    number: int | None = None,
    updated_at: str = "2026-11-20T10:00:00-05:00",
    lines: list[tuple[str, int, str]] | None = None,
    cancelled_at: str | None = None,
    **overrides,
) -> dict:
    """A Shopify REST order (from Shopify's SDK fixture order.json) with a new id, number and lines."""
    order = copy.deepcopy(load_fixture("shopify/order.json")["order"])
    number = number if number is not None else order_id % 100000
    order.update({"id": order_id, "order_number": number, "name": f"#{number}", "number": number - 1000,
                  "updated_at": updated_at, "created_at": updated_at, "cancelled_at": cancelled_at,
                  "fulfillments": []})
    if cancelled_at:
        order["cancel_reason"] = "customer"
    if lines is not None:
        template = order["line_items"][0]
        order["line_items"] = [
            {**copy.deepcopy(template), "id": order_id * 10 + i, "sku": sku, "quantity": qty, "price": price,
             "name": f"Item {sku}", "title": f"Item {sku}"}
            for i, (sku, qty, price) in enumerate(lines)
        ]
    order.update(overrides)
    return order


def woocommerce_order(
    order_id: int,
    *,
    status: str = "processing",
    date_modified_gmt: str = "2026-11-20T15:00:00",
    lines: list[tuple[str, int, str]] | None = None,
    **overrides,
) -> dict:
    """A WooCommerce REST v3 order (from the REST API docs' retrieve example) with a new id and lines."""
    order = copy.deepcopy(load_fixture("woocommerce/order_retrieve_response.json"))
    order.update({"id": order_id, "number": str(order_id), "order_key": f"wc_order_{order_id}",
                  "status": status, "date_modified_gmt": date_modified_gmt,
                  "date_modified": date_modified_gmt})
    order["_links"] = {}
    if lines is not None:
        template = order["line_items"][1]
        order["line_items"] = [
            {**copy.deepcopy(template), "id": order_id * 10 + i, "sku": sku, "quantity": qty, "price": float(price),
             "total": f"{float(price) * qty:.2f}", "subtotal": f"{float(price) * qty:.2f}", "name": f"Item {sku}"}
            for i, (sku, qty, price) in enumerate(lines)
        ]
    order.update(overrides)
    return order


def shopify_product(product_id: int, variants: list[tuple[str, int, int]]) -> dict:
    """A Shopify REST product (the SDK's product.json) with variants (sku, variant id, inventory item id)."""
    product = copy.deepcopy(load_fixture("shopify/product.json")["product"])
    template = product["variants"][0]
    product["id"] = product_id
    product["variants"] = [
        {**copy.deepcopy(template), "id": variant_id, "product_id": product_id, "sku": sku, "title": sku,
         "option1": sku, "position": i + 1, "inventory_item_id": item_id}
        for i, (sku, variant_id, item_id) in enumerate(variants)
    ]
    return product


def woocommerce_product(product_id: int, sku: str, *, stock_quantity: int | None = None,
                        product_type: str = "simple", variations: list[int] | None = None) -> dict:
    """A WooCommerce REST v3 product (the docs' retrieve example) with a new id, SKU and stock."""
    product = copy.deepcopy(load_fixture("woocommerce/product_retrieve_response.json"))
    product.update({"id": product_id, "sku": sku, "type": product_type, "variations": variations or [],
                    "manage_stock": stock_quantity is not None, "stock_quantity": stock_quantity, "_links": {}})
    return product


def woocommerce_variation(variation_id: int, sku: str, *, stock_quantity: int | None = None) -> dict:
    """A WooCommerce REST v3 product variation (the docs' list example) with a new id, SKU and stock."""
    variation = copy.deepcopy(load_fixture("woocommerce/product_variations_list_response.json")[0])
    variation.update({"id": variation_id, "sku": sku, "manage_stock": stock_quantity is not None,
                      "stock_quantity": stock_quantity, "_links": {}})
    return variation


@dataclass(frozen=True)
class StockPush:
    platform: str  # "shopify" or "woocommerce"
    item_id: str  # Shopify inventory item id; WooCommerce product or variation id
    quantity: int
    location_id: str = ""


# --- the server ------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""

    @property
    def json(self):
        return json.loads(self.body or b"null")

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict/list become JSON; bytes are sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    times: int
    headers: dict[str, str]
    body: bytes
    method: str
    path_contains: str
    query_contains: str


Handler = Callable[[RecordedRequest, re.Match], Reply]


class FakeStorefront:
    def __init__(self, *, shopify_api_version: str = "2024-10", shopify_token: str = "shpat_fake_token",
                 woo_key: str = "ck_fake", woo_secret: str = "cs_fake"):
        self.shopify_api_version = shopify_api_version
        self.shopify_token = shopify_token
        self.woo_key = woo_key
        self.woo_secret = woo_secret
        self.shopify_orders: list[dict] = []
        self.woocommerce_orders: list[dict] = []
        self.requests: list[RecordedRequest] = []
        self.shopify_products: list[dict] = []
        self.shopify_locations: list[dict] = copy.deepcopy(load_fixture("shopify/locations.json")["locations"])
        self.shopify_levels: dict[tuple[str, str], int] = {}
        self.woocommerce_products: list[dict] = []
        self.woocommerce_variations: dict[int, list[dict]] = {}
        self.stock_pushes: list[StockPush] = []
        self.bucket_size = 40
        self.bucket_leak_per_second = 2.0
        self._bucket_level = 0.0
        self._bucket_at = 0.0
        self._clock_offset = 0.0  # seconds that `sleep` added to the real clock, for the leaky bucket
        self.slept: list[float] = []
        self._failures: list[_Failure] = []
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_route("GET", r"/admin/api/[^/]+/orders\.json", self._shopify_orders)
        self.add_route("GET", r"/admin/api/[^/]+/orders/(?P<id>\d+)\.json", self._shopify_order)
        self.add_route("GET", r"/wp-json/wc/v3/orders", self._woo_orders)
        self.add_route("GET", r"/wp-json/wc/v3/orders/(?P<id>\d+)", self._woo_order)
        self.add_route("GET", r"/admin/api/[^/]+/products\.json", self._shopify_products)
        self.add_route("GET", r"/admin/api/[^/]+/locations\.json", self._shopify_locations)
        self.add_route("GET", r"/admin/api/[^/]+/inventory_levels\.json", self._shopify_levels_list)
        self.add_route("POST", r"/admin/api/[^/]+/graphql\.json", self._shopify_graphql)
        self.add_route("GET", r"/wp-json/wc/v3/products", self._woo_products)
        self.add_route("GET", r"/wp-json/wc/v3/products/(?P<id>\d+)/variations", self._woo_variations)
        self.add_route("PUT", r"/wp-json/wc/v3/products/(?P<id>\d+)", self._woo_product_update)
        self.add_route("POST", r"/wp-json/wc/v3/products/batch", self._woo_products_batch)
        self.add_route("POST", r"/wp-json/wc/v3/products/(?P<parent>\d+)/variations/batch", self._woo_products_batch)

    # lifecycle
    def start(self) -> FakeStorefront:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-storefront", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeStorefront:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake storefront first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # configuration
    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method` on paths fully matching the regex `pattern`; later routes win over earlier ones."""
        self._routes.insert(0, (method.upper(), re.compile(pattern), handler))

    def respond(self, method: str, pattern: str, status: int = 200, body: object = None,
                headers: dict | None = None) -> None:
        """Answer every matching request with a fixed reply (e.g. a fulfilment or refund creation)."""
        self.add_route(method, pattern, lambda request, match: Reply(status, body, headers or {}))

    def fail_next(self, status: int, *, times: int = 1, headers: dict | None = None, body: bytes | str = b"",
                  method: str = "", path_contains: str = "", query_contains: str = "") -> None:
        """Make the next `times` matching requests fail with `status` (e.g. 429 with Retry-After, 500).

        `query_contains` matches the raw query string, e.g. "page_info" (Shopify) or "page=2" (WooCommerce)
        to fail only a later page.
        """
        if isinstance(body, str):
            body = body.encode()
        with self._lock:
            self._failures.append(_Failure(status, times, headers or {}, body or b'{"errors":"injected failure"}',
                                           method.upper(), path_contains, query_contains))

    def clear_failures(self) -> None:
        """Forget the failures `fail_next` still had to inject (the store recovered)."""
        with self._lock:
            self._failures.clear()

    def sleep(self, seconds: float) -> None:
        """Pass the fake's time (what a client given `sleep=store.sleep` does instead of sleeping)."""
        with self._lock:
            self.slept.append(seconds)
            self._clock_offset += seconds

    def pushes(self, platform: str = "") -> list[StockPush]:
        with self._lock:
            return [p for p in self.stock_pushes if not platform or p.platform == platform]

    def requests_to(self, method: str, path_contains: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and path_contains in r.path]

    # internals
    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = RecordedRequest(handler.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                                  {k: v for k, v in handler.headers.items()}, body, parts.query)
        with self._lock:
            self.requests.append(request)
            failure = next((f for f in self._failures if f.times > 0
                            and (not f.method or f.method == request.method)
                            and f.path_contains in request.path
                            and f.query_contains in request.raw_query), None)
            if failure is not None:
                failure.times -= 1
        if failure is not None:
            reply = Reply(failure.status, failure.body, failure.headers)
        elif request.path.startswith("/admin/") and not self._bucket_take():
            reply = Reply(429, {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                                          "resume uninterrupted service."}, {"Retry-After": "1.0"})
        else:
            reply = self._route(request)
        if request.path.startswith("/admin/"):
            with self._lock:
                reply.headers = {"X-Shopify-Shop-Api-Call-Limit": f"{round(self._bucket_level)}/{self.bucket_size}",
                                 **reply.headers}
        self._send(handler, reply)

    def _bucket_take(self) -> bool:
        """The Admin API's leaky bucket on the fake's clock: False (a 429) when the bucket is full."""
        with self._lock:
            now = time.monotonic() + self._clock_offset
            leaked = (now - self._bucket_at) * self.bucket_leak_per_second if self._bucket_at else 0.0
            self._bucket_level, self._bucket_at = max(self._bucket_level - leaked, 0.0), now
            if self._bucket_level + 1 > self.bucket_size:
                return False
            self._bucket_level += 1
            return True

    def _route(self, request: RecordedRequest) -> Reply:
        for method, pattern, route in list(self._routes):
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                denied = self._check_auth(request)
                if denied is not None:
                    return denied
                return route(request, match)
        return Reply(404, {"errors": "Not Found"})

    def _check_auth(self, request: RecordedRequest) -> Reply | None:
        if request.path.startswith("/admin/"):
            if request.headers.get("X-Shopify-Access-Token") != self.shopify_token:
                return Reply(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                             "password)"})
        elif request.path.startswith("/wp-json/"):
            expected = "Basic " + base64.b64encode(f"{self.woo_key}:{self.woo_secret}".encode()).decode()
            if request.headers.get("Authorization") != expected:
                return Reply(401, {"code": "woocommerce_rest_cannot_view",
                                   "message": "Sorry, you cannot list resources.", "data": {"status": 401}})
        return None

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, bytes | bytearray):
            payload = bytes(reply.body)
            content_type = "application/octet-stream"
        else:
            payload = json.dumps(reply.body if reply.body is not None else {}).encode()
            content_type = "application/json; charset=utf-8"
        handler.send_response(reply.status)
        headers = {"Content-Type": content_type, **reply.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    # Shopify Admin API
    def _shopify_orders(self, request: RecordedRequest, match: re.Match) -> Reply:
        limit = min(int(request.param("limit", "50")), 250)
        page_info = request.param("page_info")
        if page_info:
            if set(request.query) - {"page_info", "limit", "fields"}:
                return Reply(400, {"errors": {"page_info": ["page_info cannot be combined with other filters"]}})
            state = json.loads(base64.urlsafe_b64decode(page_info.encode()))
            since, offset = state["since"], state["offset"]
        else:
            since, offset = request.param("updated_at_min"), 0
        with self._lock:
            orders = list(self.shopify_orders)
        if request.param("status", "open") == "open" and not page_info:
            pass  # the real API defaults to open orders; Dockhand always asks for status=any
        if since:
            since_at = _parse_at(since)
            orders = [o for o in orders if _parse_at(o["updated_at"]) >= since_at]
        orders.sort(key=lambda o: (_parse_at(o["updated_at"]), o["id"]))
        page = orders[offset:offset + limit]
        links = []
        base = f"{self.url}{request.path}"
        if offset + limit < len(orders):
            cursor = base64.urlsafe_b64encode(json.dumps({"since": since, "offset": offset + limit}).encode())
            links.append(f'<{base}?{urlencode({"limit": limit, "page_info": cursor.decode()})}>; rel="next"')
        if offset > 0:
            cursor = base64.urlsafe_b64encode(json.dumps({"since": since, "offset": max(0, offset - limit)}).encode())
            links.append(f'<{base}?{urlencode({"limit": limit, "page_info": cursor.decode()})}>; rel="previous"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, {"orders": page}, headers)

    def _shopify_order(self, request: RecordedRequest, match: re.Match) -> Reply:
        with self._lock:
            found = next((o for o in self.shopify_orders if str(o["id"]) == match["id"]), None)
        return Reply(200, {"order": found}) if found else Reply(404, {"errors": "Not Found"})

    # WooCommerce REST API
    def _woo_orders(self, request: RecordedRequest, match: re.Match) -> Reply:
        page = max(1, int(request.param("page", "1")))
        per_page = int(request.param("per_page", "10"))
        if not 1 <= per_page <= 100:
            return Reply(400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page",
                               "data": {"status": 400}})
        with self._lock:
            orders = list(self.woocommerce_orders)
        if after := request.param("modified_after"):
            after_at = _parse_at(after)
            orders = [o for o in orders if _parse_at(o["date_modified_gmt"]) > after_at]
        if request.param("orderby") == "modified":
            orders.sort(key=lambda o: (_parse_at(o["date_modified_gmt"]), o["id"]),
                        reverse=request.param("order", "desc") == "desc")
        else:
            orders.sort(key=lambda o: o["id"], reverse=True)
        total = len(orders)
        total_pages = max(1, -(-total // per_page))
        chunk = orders[(page - 1) * per_page:page * per_page]
        return Reply(200, chunk, {"X-WP-Total": str(total), "X-WP-TotalPages": str(total_pages)})

    def _woo_order(self, request: RecordedRequest, match: re.Match) -> Reply:
        with self._lock:
            found = next((o for o in self.woocommerce_orders if str(o["id"]) == match["id"]), None)
        if found is None:
            return Reply(404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.",
                               "data": {"status": 404}})
        return Reply(200, found)


    # Shopify inventory
    def _shopify_products(self, request: RecordedRequest, match: re.Match) -> Reply:
        limit = min(int(request.param("limit", "50")), 250)
        offset = int(base64.urlsafe_b64decode(request.param("page_info", "") + "==").decode() or 0) \
            if request.param("page_info") else 0
        with self._lock:
            products = sorted(self.shopify_products, key=lambda p: p["id"])
        page = products[offset:offset + limit]
        if fields := request.param("fields"):
            page = [{k: v for k, v in p.items() if k in fields.split(",")} for p in page]
        headers = {}
        if offset + limit < len(products):
            cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode().rstrip("=")
            headers["Link"] = f'<{self.url}{request.path}?{urlencode({"limit": limit, "page_info": cursor})}>; rel="next"'
        return Reply(200, {"products": page}, headers)

    def _shopify_locations(self, request: RecordedRequest, match: re.Match) -> Reply:
        with self._lock:
            return Reply(200, {"locations": copy.deepcopy(self.shopify_locations)})

    def _shopify_levels_list(self, request: RecordedRequest, match: re.Match) -> Reply:
        items = [i for i in (request.param("inventory_item_ids") or "").split(",") if i]
        locations = [i for i in (request.param("location_ids") or "").split(",") if i]
        if not items and not locations:
            return Reply(422, {"errors": "inventory_item_ids or location_ids must be present"})
        if len(items) > 50:
            return Reply(422, {"errors": "inventory_item_ids: too many ids (maximum 50)"})
        with self._lock:
            levels = [{"inventory_item_id": int(i), "location_id": int(loc), "available": qty,
                       "updated_at": "2026-11-20T10:00:00-05:00"}
                      for (i, loc), qty in sorted(self.shopify_levels.items())
                      if (not items or i in items) and (not locations or loc in locations)]
        return Reply(200, {"inventory_levels": levels})

    def _shopify_graphql(self, request: RecordedRequest, match: re.Match) -> Reply:
        body = request.json or {}
        query, variables = str(body.get("query") or ""), body.get("variables") or {}
        cost = {"requestedQueryCost": 10, "actualQueryCost": 10,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}
        if "inventorySetQuantities" not in query:
            return Reply(200, {"errors": [{"message": "The fake store answers only inventorySetQuantities.",
                                           "extensions": {"code": "undefinedField"}}]})
        data = variables.get("input") or {}
        quantities = data.get("quantities") or []
        if data.get("name") != "available" or not data.get("ignoreCompareQuantity"):
            return Reply(200, {"data": {"inventorySetQuantities": {"userErrors": [
                {"field": ["input", "ignoreCompareQuantity"], "code": "COMPARE_QUANTITY_REQUIRED",
                 "message": "The compareQuantity argument must be given to each quantity or ignored using "
                            "ignoreCompareQuantity."}]}}, "extensions": {"cost": cost}})
        if len(quantities) > 250:
            return Reply(200, {"errors": [{"message": f"The input array size of {len(quantities)} is greater than "
                                                      "the maximum allowed of 250.",
                                           "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]})
        changes, user_errors = [], []
        with self._lock:
            for i, quantity in enumerate(quantities):
                item = str(quantity.get("inventoryItemId", "")).rsplit("/", 1)[-1]
                location = str(quantity.get("locationId", "")).rsplit("/", 1)[-1]
                if (item, location) not in self.shopify_levels:
                    user_errors.append({"field": ["input", "quantities", str(i), "inventoryItemId"],
                                        "code": "INVALID_INVENTORY_ITEM",
                                        "message": "The specified inventory item could not be found."})
                else:
                    changes.append((item, location, int(quantity["quantity"])))
            if not user_errors:  # all or nothing
                for item, location, available in changes:
                    self.shopify_levels[(item, location)] = available
                    self.stock_pushes.append(StockPush("shopify", item, available, location))
        return Reply(200, {"data": {"inventorySetQuantities": {"userErrors": user_errors}},
                           "extensions": {"cost": cost}})

    # WooCommerce inventory
    def _woo_paged(self, request: RecordedRequest, items: list[dict]) -> Reply:
        page = max(1, int(request.param("page", "1")))
        per_page = int(request.param("per_page", "10"))
        if not 1 <= per_page <= 100:
            return Reply(400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page",
                               "data": {"status": 400}})
        total_pages = max(1, -(-len(items) // per_page))
        return Reply(200, copy.deepcopy(items[(page - 1) * per_page:page * per_page]),
                     {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(total_pages)})

    def _woo_products(self, request: RecordedRequest, match: re.Match) -> Reply:
        with self._lock:
            products = sorted(self.woocommerce_products, key=lambda p: p["id"])
        return self._woo_paged(request, products)

    def _woo_variations(self, request: RecordedRequest, match: re.Match) -> Reply:
        with self._lock:
            variations = list(self.woocommerce_variations.get(int(match["id"]), []))
        return self._woo_paged(request, variations)

    def _woo_find(self, item_id: int, parent: int | None) -> dict | None:
        pool = self.woocommerce_variations.get(parent, []) if parent else self.woocommerce_products
        return next((p for p in pool if p["id"] == item_id), None)

    def _woo_set_stock(self, item: dict, changes: dict) -> dict:
        if "stock_quantity" in changes:
            item["stock_quantity"] = changes["stock_quantity"]
            item["manage_stock"] = changes.get("manage_stock", item.get("manage_stock"))
            self.stock_pushes.append(StockPush("woocommerce", str(item["id"]), changes["stock_quantity"]))
        return copy.deepcopy(item)

    def _woo_product_update(self, request: RecordedRequest, match: re.Match) -> Reply:
        with self._lock:
            item = self._woo_find(int(match["id"]), None)
            if item is None:
                return Reply(404, {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                                   "data": {"status": 404}})
            return Reply(200, self._woo_set_stock(item, request.json or {}))

    def _woo_products_batch(self, request: RecordedRequest, match: re.Match) -> Reply:
        body = request.json or {}
        parent = int(match["parent"]) if "parent" in match.groupdict() and match["parent"] else None
        objects = sum(len(body.get(key) or []) for key in ("create", "update", "delete"))
        if objects > 100:
            return Reply(413, {"code": "woocommerce_rest_request_entity_too_large",
                               "message": "Unable to accept more than 100 items for this request.",
                               "data": {"status": 413}})
        updated = []
        with self._lock:
            for change in body.get("update") or []:
                item = self._woo_find(int(change.get("id", 0)), parent)
                if item is None:
                    updated.append({"id": change.get("id", 0), "error": {
                        "code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                        "data": {"status": 400}}})
                else:
                    updated.append(self._woo_set_stock(item, change))
        return Reply(200, {"update": updated})


def _parse_at(value: str) -> datetime:
    """Parse Shopify (with offset) and WooCommerce *_gmt (naive UTC) timestamps."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
