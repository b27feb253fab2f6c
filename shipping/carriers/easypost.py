"""EasyPost (REST API v2) as a rate and label source: one of our carriers, through a client's or a warehouse's
EasyPost account (shipping.models.GatewayAccount).

Each package is one EasyPost Shipment (POST /v2/shipments answers with its rates, one per carrier service the
account has). Buying takes the rate of our service (POST /v2/shipments/:id/buy), voiding asks for a refund
(POST /v2/shipments/:id/refund). The EasyPost shipment id is kept on the package before anything is bought, so
a purchase retried after a timeout reads the shipment back and uses its postage label instead of buying again.

Errors are sorted as core.work sorts them: a timeout, a dropped connection, 429 or 5xx is CarrierUnavailable
(transient: retried with backoff); any other 4xx is GatewayRefused with EasyPost's own message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from shipping.carriers.base import (
    CarrierAdapter,
    LabelResult,
    NotServiceable,
    PackageSpec,
    Quote,
    TrackingUpdate,
)
from shipping.choices import TrackingStatus
from shipping.exceptions import CarrierError, CarrierUnavailable, PackingError

logger = logging.getLogger(__name__)
MM_PER_INCH = Decimal("25.4")
GRAMS_PER_OZ = Decimal("28.349523125")
SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
# A US export under this value per HS code needs no Electronic Export Information filing (FTR 30.37(a)).
NOEEI_LIMIT_USD = Decimal("2500")
RATES_CACHE_SECONDS = 600

# EasyPost's names of the carriers and services the rate cards ship with; a carrier's or service's
# gateway_code overrides these (and names any other).
CARRIER_NAMES = {"UPS": "UPS", "FEDEX": "FedEx", "USPS": "USPS", "DHL": "DHLExpress"}
SERVICE_NAMES = {
    ("UPS", "GND"): "Ground", ("UPS", "3DS"): "3DaySelect", ("UPS", "2DA"): "2ndDayAir",
    ("UPS", "NDA"): "NextDayAir",
    ("FEDEX", "GND"): "FEDEX_GROUND", ("FEDEX", "ES"): "FEDEX_EXPRESS_SAVER", ("FEDEX", "2D"): "FEDEX_2_DAY",
    ("FEDEX", "SO"): "STANDARD_OVERNIGHT",
    ("USPS", "GA"): "GroundAdvantage", ("USPS", "PM"): "Priority", ("USPS", "PME"): "Express",
    ("DHL", "EXP"): "DomesticExpress",
}

# EasyPost Tracker statuses onto ours; `unknown` (nothing scanned yet) is not an event.
TRACKER_STATUSES = {
    "pre_transit": TrackingStatus.LABEL_CREATED,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURNED_TO_SENDER,
    # Waiting at a counter for the customer, or stuck: a manager should know.
    "available_for_pickup": TrackingStatus.EXCEPTION,
    "failure": TrackingStatus.EXCEPTION,
    "error": TrackingStatus.EXCEPTION,
    "cancelled": TrackingStatus.EXCEPTION,
}


class GatewayRefused(CarrierError):
    """EasyPost refused the request (4xx); its message says what to fix. Retrying the same request is useless."""

    status_code = 400
    permanent = True

    def __init__(self, message: str, *, http_status: int | None = None, code: str = "", field: str | None = None):
        super().__init__(message, field=field)
        self.http_status = http_status
        self.code = code
        if http_status == 409 or "ALREADY" in code or "EXISTS" in code:
            self.status_code = 409


def gateway_carrier_name(carrier) -> str:
    """EasyPost's name of one of our carriers."""
    return carrier.gateway_code or CARRIER_NAMES.get(carrier.code.upper(), carrier.code)


def gateway_names(service) -> tuple[str, str]:
    """EasyPost's carrier and service names of one of our services."""
    carrier = service.carrier
    carrier_name = gateway_carrier_name(carrier)
    service_name = service.gateway_code or SERVICE_NAMES.get((carrier.code.upper(), service.code.upper()), service.code)
    return carrier_name, service_name


def rate_matching(rates: list[dict], service) -> dict | None:
    carrier_name, service_name = gateway_names(service)
    for rate in rates or []:
        if (str(rate.get("carrier", "")).lower() == carrier_name.lower()
                and str(rate.get("service", "")).lower() == service_name.lower()):
            return rate
    return None


def _money(value) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise GatewayRefused(f"EasyPost sent a price that is not a number: {value!r}.") from exc


def _error_message(response: requests.Response) -> tuple[str, str]:
    """EasyPost's error object as one sentence: {"error": {"code", "message", "errors": [{"field", "message"}]}}."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message") or f"HTTP {response.status_code}")
    details = []
    for item in error.get("errors") or []:
        if isinstance(item, dict):
            details.append(" ".join(str(item.get(k, "")) for k in ("field", "message")).strip())
        else:
            details.append(str(item))
    if details:
        message = f"{message.rstrip('.')}: {'; '.join(d for d in details if d)}."
    return message, str(error.get("code") or "")


class EasyPostClient:
    """The few EasyPost API v2 calls Dockhand makes. Bearer authentication with the account's API key."""

    def __init__(self, *, api_key: str, base_url: str, timeout: tuple[float, float] | None = None,
                 session: requests.Session | None = None):
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        # (connect, read) seconds; a read timeout is a lost answer, which a retried purchase checks for
        self.timeout = timeout or tuple(getattr(settings, "DOCKHAND_EASYPOST_TIMEOUT", (3.05, 20.0)))
        self.session = session or requests.Session()

    def request(self, method: str, path: str, payload: dict | None = None) -> dict:
        """Send one request; raises CarrierUnavailable (transient) or GatewayRefused (4xx, with EasyPost's message)."""
        try:
            response = self.session.request(
                method, f"{self.base_url}/v2/{path.lstrip('/')}", json=payload, timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"})
        except requests.Timeout as exc:
            raise CarrierUnavailable("EasyPost did not answer in time.") from exc
        except requests.RequestException as exc:
            raise CarrierUnavailable(f"EasyPost could not be reached: {type(exc).__name__}.") from exc
        if response.status_code == 429 or response.status_code >= 500:
            message, _ = _error_message(response)
            raise CarrierUnavailable(f"EasyPost is unavailable ({response.status_code}): {message}")
        if response.status_code >= 400:
            message, code = _error_message(response)
            raise GatewayRefused(f"EasyPost: {message}", http_status=response.status_code, code=code)
        try:
            body = response.json()
        except ValueError as exc:
            raise CarrierUnavailable("EasyPost answered with something that is not JSON.") from exc
        if not isinstance(body, dict):
            raise CarrierUnavailable("EasyPost answered with something that is not a JSON object.")
        return body

    def shipment_create(self, shipment: dict) -> dict:
        return self.request("POST", "shipments", {"shipment": shipment})

    def shipment_retrieve(self, shipment_id: str) -> dict:
        return self.request("GET", f"shipments/{shipment_id}")

    def shipment_buy(self, shipment_id: str, rate_id: str) -> dict:
        return self.request("POST", f"shipments/{shipment_id}/buy", {"rate": {"id": rate_id}})

    def shipment_refund(self, shipment_id: str) -> dict:
        return self.request("POST", f"shipments/{shipment_id}/refund", {})


# --- payloads ------------------------------------------------------------------------------------------


def _inches(mm: int) -> float:
    return float((Decimal(max(mm, 1)) / MM_PER_INCH).quantize(Decimal("0.1")))


def _ounces(grams: int) -> float:
    return float((Decimal(max(grams, 1)) / GRAMS_PER_OZ).quantize(Decimal("0.1")))


def parcel_payload(spec: PackageSpec) -> dict:
    return {"length": _inches(spec.length_mm), "width": _inches(spec.width_mm), "height": _inches(spec.height_mm),
            "weight": _ounces(spec.weight_g)}


def from_address(warehouse, client) -> dict:
    return {"company": client.name if client else warehouse.name, "name": warehouse.name,
            "street1": warehouse.address_line1, "street2": warehouse.address_line2, "city": warehouse.city,
            "state": warehouse.state, "zip": warehouse.postal_code, "country": warehouse.country}


def to_address(order) -> dict:
    return {"name": order.ship_name or order.customer_name, "company": order.ship_company,
            "street1": order.ship_address1, "street2": order.ship_address2, "city": order.ship_city,
            "state": order.ship_state, "zip": order.ship_postal_code, "country": (order.ship_country or "US").upper(),
            "phone": order.customer_phone, "email": order.customer_email,
            "residential": not order.ship_company}


def is_international(order, warehouse) -> bool:
    """True when the order leaves the warehouse's country (customs data and a commercial invoice go with it)."""
    return bool(order.ship_country) and order.ship_country.upper() != (warehouse.country or "US").upper()


@dataclass(frozen=True)
class CustomsLine:
    product: object
    quantity: int

    @property
    def value(self) -> Decimal:
        return (self.product.declared_value * self.quantity).quantize(Decimal("0.01"))

    @property
    def weight_g(self) -> int:
        return self.product.weight_g * self.quantity


def customs_missing(lines: list[CustomsLine]) -> list[str]:
    """What customs still needs from the products, one sentence per product (empty when complete)."""
    missing = []
    for line in lines:
        product = line.product
        lacking = [label for label, value in (("HS code", product.hs_code),
                                              ("country of origin", product.country_of_origin)) if not value]
        if not product.declared_value:
            lacking.append("customs value")
        if lacking:
            missing.append(f"{product.sku} has no {' or '.join(lacking)}")
    return missing


def customs_payload(lines: list[CustomsLine], *, signer: str) -> dict:
    """EasyPost's customs_info with one customs_item per product. Raises PackingError when a product lacks its
    customs data or a line needs an export filing Dockhand does not make."""
    missing = customs_missing(lines)
    if missing:
        raise PackingError("Customs data is missing: " + "; ".join(missing) + ". Add it on the product.",
                           field="customs")
    by_hs: dict[str, Decimal] = {}
    for line in lines:
        if line.product.currency == "USD":
            by_hs[line.product.hs_code] = by_hs.get(line.product.hs_code, Decimal("0")) + line.value
    over = sorted(code for code, value in by_hs.items() if value > NOEEI_LIMIT_USD)
    if over:
        raise PackingError(f"HS code {', '.join(over)} is worth over ${NOEEI_LIMIT_USD} in this package; it needs an "
                           "AES filing (ITN) first.", field="customs")
    return {
        "contents_type": "merchandise",
        "customs_certify": True,
        "customs_signer": signer,
        "eel_pfc": "NOEEI 30.37(a)",
        "non_delivery_option": "return",
        "restriction_type": "none",
        "customs_items": [{
            "description": line.product.name[:100],
            "quantity": line.quantity,
            "value": str(line.value),
            "currency": line.product.currency,
            "weight": _ounces(line.weight_g),
            "hs_tariff_number": line.product.hs_code.replace(".", ""),
            "origin_country": line.product.country_of_origin,
            "code": line.product.sku,
        } for line in lines],
    }


def _cache_call(method, *args):
    """A cache read or write that a frozen or absent cache turns into a miss: rates are only saved calls."""
    try:
        return method(*args)
    except Exception:
        logger.warning("The cache failed; EasyPost rates are asked again", exc_info=True)
        return None


# --- the adapter ---------------------------------------------------------------------------------------


class EasyPostAdapter(CarrierAdapter):
    """One of our carriers through an EasyPost account, for one order.

    `shared` is a dict the caller passes to every adapter of one rate-shopping call, so that carriers of the
    same account share one EasyPost shipment (and its rates) per package instead of creating one each.
    """

    def __init__(self, carrier, *, account, order, warehouse=None, shared: dict | None = None,
                 client: EasyPostClient | None = None):
        super().__init__(carrier)
        self.account = account
        self.order = order
        self.warehouse = warehouse or order.warehouse
        self.shared = shared if shared is not None else {}
        self.client = client or EasyPostClient(api_key=account.api_key, base_url=account.base_url)
        self._just_created: dict[str, dict] = {}

    # Rating ----------------------------------------------------------------------------------------------
    def _order_customs(self) -> list[CustomsLine]:
        lines = self.order.lines.filter(product__isnull=False).select_related("product").order_by("pk")
        merged: dict[int, CustomsLine] = {}
        for line in lines:
            held = merged.get(line.product_id)
            merged[line.product_id] = CustomsLine(line.product, line.quantity + (held.quantity if held else 0))
        return list(merged.values())

    def shipment_payload(self, spec: PackageSpec, customs: list[CustomsLine] | None, *, reference: str) -> dict:
        payload = {
            "from_address": from_address(self.warehouse, self.order.client),
            "to_address": to_address(self.order),
            "parcel": parcel_payload(spec),
            "reference": reference,
            "options": {"label_format": "PDF", "invoice_number": self.order.order_number,
                        "currency": self.order.currency or "USD"},
        }
        if is_international(self.order, self.warehouse):
            payload["customs_info"] = customs_payload(customs or [], signer=self.account.customs_signer
                                                      or self.warehouse.name)
        return payload

    def _rates(self, spec: PackageSpec) -> list[dict]:
        key = ("easypost", self.account.pk, self.order.pk, spec)
        cached = self.shared.get(key)
        if cached is None:
            try:
                customs = self._order_customs() if is_international(self.order, self.warehouse) else None
                payload = self.shipment_payload(spec, customs, reference=self.order.order_number)
                # The pack page plans the boxes on every view; the same parcel to the same address is rated
                # once in a while, not once a page.
                digest = hashlib.sha256(json.dumps([self.account.pk, self.account.base_url, payload],
                                                   sort_keys=True, default=str).encode()).hexdigest()
                cache_key = f"easypost-rates:{digest}"
                cached = _cache_call(cache.get, cache_key)
                if cached is None:
                    cached = list(self.client.shipment_create(payload).get("rates") or [])
                    _cache_call(cache.set, cache_key, cached, RATES_CACHE_SECONDS)
            except (CarrierError, PackingError) as exc:
                cached = exc
            self.shared[key] = cached
        if isinstance(cached, Exception):
            raise NotServiceable(f"{self.account.name}: {cached.message}")
        return cached

    def quote(self, service, *, packages: list[PackageSpec], distance_miles: float | None,
              residential: bool) -> Quote:
        weights, prices = [], []
        for spec in packages:
            rate = rate_matching(self._rates(spec), service)
            if rate is None:
                raise NotServiceable(f"{self.account.name} has no {service} rate for this package.")
            weights.append(self.billable(service, spec))
            prices.append(_money(rate.get("rate")))
        return Quote(service_id=service.pk, zone=0, billable_weights_lb=tuple(weights), package_prices=tuple(prices))

    # Labels ------------------------------------------------------------------------------------------------
    def create_label(self, service, *, package: PackageSpec) -> LabelResult:
        raise CarrierError("EasyPost labels are bought for a stored package (label_prepare, then label_buy).")

    def label_prepare(self, service, *, package) -> dict:
        """Create the package's EasyPost shipment unless it has one; returns the fields to keep on the package."""
        if package.gateway_shipment_id and package.gateway_account_id == self.account.pk:
            return {}
        customs = None
        if is_international(self.order, self.warehouse):
            customs = [CustomsLine(item.product, item.quantity)
                       for item in package.items.select_related("product").order_by("pk")]
        spec = PackageSpec(package.length_mm, package.width_mm, package.height_mm, package.weight_g)
        body = self.client.shipment_create(self.shipment_payload(
            spec, customs, reference=f"{self.order.order_number}-{package.number}"))
        shipment_id = str(body.get("id") or "")
        if not shipment_id:
            raise CarrierUnavailable("EasyPost created a shipment without an id.")
        self._just_created[shipment_id] = body
        return {"gateway_account": self.account, "gateway_shipment_id": shipment_id[:64]}

    def label_buy(self, service, *, package) -> LabelResult:
        """Buy the package's label with our service's rate, once: a shipment that already has postage (a
        purchase whose answer was lost) is read back instead of bought again."""
        shipment_id = package.gateway_shipment_id
        shipment = self._just_created.pop(shipment_id, None) or self.client.shipment_retrieve(shipment_id)
        if not shipment.get("postage_label"):
            rate = rate_matching(shipment.get("rates") or [], service)
            if rate is None:
                raise GatewayRefused(f"{self.account.name} offers no {service} rate for package {package.number}; "
                                     "choose another service.", field="service")
            shipment = self.client.shipment_buy(shipment_id, str(rate["id"]))
        return self._label_result(shipment)

    @staticmethod
    def _label_result(shipment: dict) -> LabelResult:
        label = shipment.get("postage_label") or {}
        tracking = str(shipment.get("tracking_code") or "")
        if not label or not tracking:
            raise CarrierUnavailable("EasyPost has not issued the label yet.")
        rate = shipment.get("selected_rate") or {}
        return LabelResult(tracking_number=tracking[:40],
                           label_url=str(label.get("label_pdf_url") or label.get("label_url") or "")[:500],
                           price=_money(rate["rate"]) if rate.get("rate") is not None else None)

    def label_void(self, *, package) -> None:
        """Ask EasyPost to refund the package's postage. Raises GatewayRefused when EasyPost rejects it."""
        if not package.gateway_shipment_id:
            return
        shipment = self.client.shipment_refund(package.gateway_shipment_id)
        if shipment.get("refund_status") == "rejected":
            raise GatewayRefused(f"EasyPost rejected the refund of {package.tracking_number}; the carrier has "
                                 "probably scanned it already.", http_status=409)


# --- webhooks ------------------------------------------------------------------------------------------


def webhook_signature(body: bytes, secret: str) -> str:
    """EasyPost's X-Hmac-Signature: HMAC-SHA256 of the raw body keyed with the NFKD-normalised secret."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook_signature_valid(body: bytes, secret: str, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(webhook_signature(body, secret).encode(), header.strip().encode())


def tracker_updates(event: dict) -> tuple[str, str, list[TrackingUpdate]]:
    """Read an EasyPost Event whose result is a Tracker into (carrier name, tracking code, updates), one update
    per tracking detail (EasyPost sends the whole history each time; repeats are recorded once).

    Returns ("", "", []) for other events (shipment.invoice.created, batch.updated...). Raises ValueError for a
    body that is not an Event.
    """
    if not isinstance(event, dict) or event.get("object") != "Event":
        raise ValueError("Expected an EasyPost Event object.")
    tracker = event.get("result")
    if not isinstance(tracker, dict) or tracker.get("object") != "Tracker":
        return "", "", []
    code = str(tracker.get("tracking_code") or "").strip()[:40]
    if not code:
        raise ValueError("The Tracker has no tracking_code.")
    updates = []
    for detail in tracker.get("tracking_details") or []:
        if not isinstance(detail, dict):
            raise ValueError("Each tracking detail must be an object.")
        status = TRACKER_STATUSES.get(str(detail.get("status", "")))
        occurred_at = parse_datetime(str(detail.get("datetime") or ""))
        if status is None or occurred_at is None or occurred_at.tzinfo is None:
            continue
        place = detail.get("tracking_location") or {}
        location = ", ".join(str(place[k]) for k in ("city", "state", "zip", "country")
                             if isinstance(place, dict) and place.get(k))
        updates.append(TrackingUpdate(
            tracking_number=code, status=status, occurred_at=occurred_at, location=location[:200],
            description=str(detail.get("message") or detail.get("description") or "")[:500], raw=detail))
    return str(tracker.get("carrier") or ""), code, updates
