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
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
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
        self._failures: list[_Failure] = []
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_route("GET", r"/admin/api/[^/]+/orders\.json", self._shopify_orders)
        self.add_route("GET", r"/admin/api/[^/]+/orders/(?P<id>\d+)\.json", self._shopify_order)
        self.add_route("GET", r"/wp-json/wc/v3/orders", self._woo_orders)
        self.add_route("GET", r"/wp-json/wc/v3/orders/(?P<id>\d+)", self._woo_order)

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
        else:
            reply = self._route(request)
        self._send(handler, reply)

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
        headers["X-Shopify-Shop-Api-Call-Limit"] = f"{len(self.requests) % 40}/40"
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


def _parse_at(value: str) -> datetime:
    """Parse Shopify (with offset) and WooCommerce *_gmt (naive UTC) timestamps."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
