"""A fake EasyPost API v2 on 127.0.0.1, for tests that must not reach the internet.

    with FakeEasyPost(api_key="EZTK_test") as easypost:
        account = GatewayAccountFactory(base_url=easypost.url, api_key="EZTK_test")
        easypost.fail_next(500, path_contains="/buy")
        ...
        assert len(easypost.requests_to("POST", "/buy")) == 1

It keeps shipments like EasyPost does and answers in its documented shapes (the recorded responses of the
official SDK's test cassettes, EasyPost/easypost-python tests/cassettes: test_shipment_create, _buy, _refund,
test_error, test_tracker_create): POST /v2/shipments answers with `rates` (one per carrier service),
/buy with `postage_label`, `tracking_code`, `selected_rate` and a `tracker`, a second /buy of the same
shipment is refused as EasyPost refuses it, /refund sets `refund_status`. Errors are EasyPost's error object
{"error": {"code", "message", "errors": [{"field", "message"}]}}. Shipments to another country than the
sender's need customs_info with customs_items, as EasyPost's carriers do.

Failures are injected with `fail_next` (a status, EasyPost's error body) and `hang_next` (the request is
done, then the answer is held back until the client has given up: a lost answer).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# (carrier, service, rate, delivery days): what a test account with USPS and UPS rates domestically...
DOMESTIC_RATES = [
    ("USPS", "GroundAdvantage", "6.07", 3), ("USPS", "Priority", "7.42", 2), ("USPS", "Express", "34.15", 1),
    ("UPS", "Ground", "9.87", 4), ("UPS", "2ndDayAir", "21.30", 2), ("UPS", "NextDayAir", "45.10", 1),
]
# ... and abroad.
INTERNATIONAL_RATES = [
    ("USPS", "FirstClassPackageInternationalService", "16.85", 10), ("USPS", "PriorityMailInternational", "48.20", 6),
    ("UPS", "Expedited", "61.40", 5),
]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def easypost_error(code: str, message: str, errors: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "errors": errors or []}}


def webhook_signature(body: bytes, secret: str) -> str:
    """How EasyPost signs a webhook (X-Hmac-Signature), as the official SDK's validate_webhook checks it."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def tracker_event(tracking_code: str, details: list[tuple[str, str, str, str]], *, carrier: str = "USPS",
                  event_id: str = "evt_1", description: str = "tracker.updated") -> dict:
    """An Event whose result is a Tracker, with tracking details (status, ISO datetime, message, city)."""
    status = details[-1][0] if details else "unknown"
    return {
        "object": "Event", "id": event_id, "mode": "test", "description": description, "status": "pending",
        "created_at": _now(), "updated_at": _now(), "previous_attributes": {"status": "unknown"},
        "pending_urls": [], "completed_urls": [],
        "result": {
            "object": "Tracker", "id": "trk_" + hashlib.sha1(tracking_code.encode()).hexdigest()[:32],  # noqa: S324
            "mode": "test", "tracking_code": tracking_code, "status": status, "status_detail": "status_update",
            "carrier": carrier, "shipment_id": None, "signed_by": None, "weight": None, "est_delivery_date": None,
            "created_at": _now(), "updated_at": _now(), "fees": [], "carrier_detail": None, "finalized": True,
            "is_return": False, "public_url": f"https://track.easypost.com/{tracking_code}",
            "tracking_details": [{
                "object": "TrackingDetail", "message": message, "description": "", "status": detail_status,
                "status_detail": "status_update", "datetime": at, "source": carrier, "carrier_code": "",
                "tracking_location": {"object": "TrackingLocation", "city": city or None, "state": None,
                                      "country": None, "zip": None},
            } for detail_status, at, message, city in details],
        },
    }


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class _Failure:
    status: int
    times: int
    body: dict
    method: str
    path_contains: str


@dataclass
class _Hang:
    times: int
    method: str
    path_contains: str
    released: threading.Event = field(default_factory=threading.Event)


class FakeEasyPost:
    def __init__(self, *, api_key: str = "EZTK_fake_key"):
        self.api_key = api_key
        self.shipments: dict[str, dict] = {}
        self.requests: list[RecordedRequest] = []
        self.domestic_rates = list(DOMESTIC_RATES)
        self.international_rates = list(INTERNATIONAL_RATES)
        self._failures: list[_Failure] = []
        self._hangs: list[_Hang] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle
    def start(self) -> FakeEasyPost:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                fake._dispatch(self)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-easypost",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        for hang in self._hangs:
            hang.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeEasyPost:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # configuration
    def fail_next(self, status: int, *, times: int = 1, method: str = "", path_contains: str = "",
                  code: str = "", message: str = "", errors: list | None = None) -> None:
        """Answer the next `times` matching requests with `status` and EasyPost's error object."""
        body = easypost_error(code or ("INTERNAL_SERVER_ERROR" if status >= 500 else "ERROR"),
                              message or "Injected failure.", errors)
        with self._lock:
            self._failures.append(_Failure(status, times, body, method.upper(), path_contains))

    def hang_next(self, *, method: str = "", path_contains: str = "", times: int = 1) -> None:
        """Do the next matching request, then hold its answer back (until stop): the client times out."""
        with self._lock:
            self._hangs.append(_Hang(times, method.upper(), path_contains))

    def requests_to(self, method: str, path_contains: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and path_contains in r.path]

    def creations(self) -> list[RecordedRequest]:
        """The POST /v2/shipments requests (rating and labels), in order."""
        return [r for r in self.requests_to("POST") if r.path == "/v2/shipments"]

    def bought(self) -> list[dict]:
        return [s for s in self.shipments.values() if s["postage_label"]]

    # internals
    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        length = int(handler.headers.get("Content-Length") or 0)
        request = RecordedRequest(handler.command, path, dict(handler.headers.items()),
                                  handler.rfile.read(length) if length else b"")
        with self._lock:
            self.requests.append(request)
            failure = next((f for f in self._failures if f.times > 0 and f.method in ("", request.method)
                            and f.path_contains in request.path), None)
            if failure is not None:
                failure.times -= 1
            hang = next((h for h in self._hangs if h.times > 0 and h.method in ("", request.method)
                         and h.path_contains in request.path), None)
            if hang is not None:
                hang.times -= 1
        if failure is not None:
            status, body = failure.status, failure.body
        else:
            status, body = self._route(request)
        if hang is not None:
            hang.released.wait(timeout=10)
        payload = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:  # the client gave up waiting
            pass

    def _route(self, request: RecordedRequest) -> tuple[int, dict]:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, easypost_error("APIKEY.INACTIVE", "This api key is no longer active. Please use a different "
                                                          "api key or reactivate this key.")
        try:
            payload = request.json or {}
        except ValueError:
            return 400, easypost_error("BAD_REQUEST", "The request body is not JSON.")
        with self._lock:
            if request.method == "POST" and request.path == "/v2/shipments":
                return self._create(payload)
            match = re.fullmatch(r"/v2/shipments/(?P<id>shp_\w+)(?P<action>/buy|/refund)?", request.path)
            shipment = self.shipments.get(match["id"]) if match else None
            if match is None:
                return 404, easypost_error("NOT_FOUND", "The requested resource could not be found.")
            if shipment is None:
                return 404, easypost_error("SHIPMENT.NOT_FOUND", "The requested resource could not be found.")
            if request.method == "GET" and not match["action"]:
                return 200, shipment
            if request.method == "POST" and match["action"] == "/buy":
                return self._buy(shipment, payload)
            if request.method == "POST" and match["action"] == "/refund":
                return self._refund(shipment)
        return 405, easypost_error("METHOD_NOT_ALLOWED", "Method not allowed.")

    def _create(self, payload: dict) -> tuple[int, dict]:
        shipment = payload.get("shipment")
        if not isinstance(shipment, dict) or not shipment:
            return 422, easypost_error("PARAMETER.REQUIRED", "Missing required parameter.",
                                       [{"field": "shipment", "message": "cannot be blank"}])
        errors = [{"field": name, "message": "cannot be blank"}
                  for name in ("from_address", "to_address", "parcel") if not shipment.get(name)]
        if errors:
            return 422, easypost_error("PARAMETER.REQUIRED", "Missing required parameter.", errors)
        to, origin = shipment["to_address"], shipment["from_address"]
        if not to.get("street1") or not to.get("country"):
            return 422, easypost_error("ADDRESS.VERIFY.FAILURE", "Unable to verify address.",
                                       [{"field": "street1", "message": "Address not found"}])
        abroad = to.get("country", "US") != origin.get("country", "US")
        customs = shipment.get("customs_info")
        if abroad and not (customs and customs.get("customs_items")):
            return 422, easypost_error("SHIPMENT.CUSTOMS_INFO.MISSING",
                                       "Customs information is required for international shipments.")
        shipment_id = f"shp_{next(self._ids):032x}"
        stamp = _now()
        record = {
            "id": shipment_id, "object": "Shipment", "mode": "test", "created_at": stamp, "updated_at": stamp,
            "reference": shipment.get("reference"), "status": "unknown", "tracking_code": None,
            "from_address": {"object": "Address", **origin}, "to_address": {"object": "Address", **to},
            "parcel": {"id": f"prcl_{shipment_id[4:]}", "object": "Parcel", **shipment["parcel"]},
            "customs_info": ({"id": f"cstinfo_{shipment_id[4:]}", "object": "CustomsInfo", **customs}
                             if customs else None),
            "options": {**(shipment.get("options") or {}), "payment": {"type": "SENDER"}},
            "postage_label": None, "selected_rate": None, "tracker": None, "refund_status": None,
            "messages": [], "forms": [], "fees": [], "is_return": False,
            "rates": [{
                "id": f"rate_{shipment_id[4:20]}{index:02d}", "object": "Rate", "mode": "test",
                "carrier": carrier, "service": service, "rate": rate, "currency": "USD", "list_rate": rate,
                "retail_rate": rate, "delivery_days": days, "est_delivery_days": days,
                "delivery_date_guaranteed": False, "shipment_id": shipment_id, "carrier_account_id": f"ca_{carrier}",
                "created_at": stamp, "updated_at": stamp,
            } for index, (carrier, service, rate, days)
                in enumerate(self.international_rates if abroad else self.domestic_rates)],
        }
        self.shipments[shipment_id] = record
        return 201, record

    def _buy(self, shipment: dict, payload: dict) -> tuple[int, dict]:
        if shipment["postage_label"]:
            return 422, easypost_error("SHIPMENT.POSTAGE.EXISTS", "The shipment already has postage.")
        rate_id = (payload.get("rate") or {}).get("id")
        rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
        if rate is None:
            return 422, easypost_error("SHIPMENT.RATE.INVALID", "The rate is not one of this shipment's rates.",
                                       [{"field": "rate", "message": "is invalid"}])
        number = f"9400100{len(self.bought()) + 1:015d}"
        stamp = _now()
        shipment.update({
            "tracking_code": number, "selected_rate": rate, "updated_at": stamp,
            "postage_label": {
                "object": "PostageLabel", "id": f"pl_{shipment['id'][4:]}", "created_at": stamp,
                "label_date": stamp, "label_resolution": 300, "label_size": "4x6", "label_type": "default",
                "label_file_type": "application/pdf", "integrated_form": "none", "date_advance": 0,
                "label_url": f"https://easypost-files.example/postage_label/{shipment['id']}.png",
                "label_pdf_url": f"https://easypost-files.example/postage_label/{shipment['id']}.pdf",
                "label_zpl_url": None, "label_epl2_url": None, "label_file": None,
            },
            "tracker": {"id": f"trk_{shipment['id'][4:]}", "object": "Tracker", "mode": "test",
                        "tracking_code": number, "status": "unknown", "carrier": rate["carrier"],
                        "shipment_id": shipment["id"], "tracking_details": []},
        })
        return 200, shipment

    def _refund(self, shipment: dict) -> tuple[int, dict]:
        if not shipment["postage_label"]:
            return 422, easypost_error("SHIPMENT.REFUND.INVALID", "Shipment has no postage to refund.")
        if shipment["refund_status"]:
            return 422, easypost_error("SHIPMENT.REFUND.ALREADY_SUBMITTED", "A refund is already submitted.")
        shipment["refund_status"] = "submitted"
        return 200, shipment
