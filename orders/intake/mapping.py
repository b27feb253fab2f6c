"""Storefront order payloads (Shopify REST, WooCommerce REST v3) to one intake shape.

Real orders are messy: a missing shipping address, an empty or null SKU, ids beyond 2**53, other
currencies, prices as strings or floats. Nothing here trusts a field to be present or well-typed;
what cannot be read at all raises PayloadError with a message a manager can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from orders.choices import ServiceLevel
from orders.intake.addresses import country_code, postal_code, subdivision_code

# WooCommerce statuses: which ones are waiting for us to ship, which ones end the order.
WOO_FULFILLABLE = frozenset({"processing"})
WOO_CANCELLED = frozenset({"cancelled", "refunded", "failed", "trash"})


class PayloadError(ValueError):
    """The storefront payload cannot be turned into an order."""

    @property
    def message(self) -> str:
        return str(self)


@dataclass
class IntakeLine:
    sku: str
    quantity: int
    name: str = ""
    unit_price: Decimal = Decimal("0")
    external_line_id: str = ""

    def as_dict(self) -> dict:
        return {"sku": self.sku, "quantity": self.quantity, "name": self.name, "unit_price": self.unit_price,
                "external_line_id": self.external_line_id}


@dataclass
class IntakeOrder:
    external_id: str
    order_number: str
    updated_at: datetime | None = None
    cancelled: bool = False
    skip_reason: str = ""  # set when the order is not (yet) for the warehouse to ship
    source_status: str = ""
    lines: list[IntakeLine] = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # Order model fields: customer, ship-to, shipping, money


def parse_datetime(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# The most the order tables hold (12 digits, 2 decimals), and the most units one line may ask for.
MAX_AMOUNT = Decimal("9999999999.99")
MAX_LINE_QUANTITY = 1_000_000


def _shown(value) -> str:
    return repr(value)[:40]


def to_decimal(value, default: str = "0") -> Decimal:
    """An amount of money; unreadable is the default, but an infinite or absurd amount is refused."""
    try:
        number = Decimal(str(value if value not in (None, "") else default))
    except (InvalidOperation, ValueError):
        return Decimal(default)
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise PayloadError(f"The amount {_shown(value)} is not an amount of money Dockhand can take.")
    return number.quantize(Decimal("0.01"))


def to_quantity(value) -> int:
    """A line's quantity; unreadable is 0 (the line is dropped), but an infinite or absurd one is refused."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return 0
    if not number.is_finite() or abs(number) > MAX_LINE_QUANTITY:
        raise PayloadError(f"The quantity {_shown(value)} is not a number of units Dockhand can ship "
                           f"(at most {MAX_LINE_QUANTITY:,} per line).")
    return int(number)


def service_level_for(method: str) -> str:
    text = (method or "").lower()
    if any(word in text for word in ("overnight", "next day", "next-day", "nextday", "1 day", "one day")):
        return ServiceLevel.OVERNIGHT
    if any(word in text for word in ("2 day", "2-day", "two day", "two-day", "express", "expedited", "priority")):
        return ServiceLevel.EXPEDITED
    if any(word in text for word in ("economy", "saver", "slow")):
        return ServiceLevel.ECONOMY
    return ServiceLevel.STANDARD


def _text(value, limit: int) -> str:
    if value in (None, ""):
        return ""
    text = str(value)
    if "\x00" in text:  # PostgreSQL cannot store it, and no real name or address has one
        raise PayloadError(f"The text {_shown(text)} contains a NUL character.")
    return " ".join(text.split())[:limit]


def _address_fields(*, name, company, address1, address2, city, state, postcode, country) -> dict:
    iso_country = country_code(country)
    return {
        "ship_name": _text(name, 200),
        "ship_company": _text(company, 200),
        "ship_address1": _text(address1, 255),
        "ship_address2": _text(address2, 255),
        "ship_city": _text(city, 100),
        "ship_state": subdivision_code(state, iso_country),
        "ship_postal_code": postal_code(postcode, iso_country),
        "ship_country": iso_country,
    }


# Shopify's financial_status to Dockhand's PaymentStatus (orders.choices); anything else: not applicable.
SHOPIFY_PAYMENT = {"pending": "pending", "authorized": "authorized", "partially_paid": "partially_paid",
                   "paid": "paid", "partially_refunded": "partially_refunded", "refunded": "refunded",
                   "voided": "voided", "expired": "voided", "unpaid": "pending"}


def _tags(value) -> list[str]:
    """Storefront tags ('Wholesale, VIP' or a list) as Dockhand's lower-case list, for rules."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    tags = []
    for item in items:
        tag = _text(item, 40).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:50]


def _country(address: dict) -> str:
    code = _text(address.get("country_code") or address.get("country"), 2).upper()
    return code if len(code) == 2 and code.isalpha() else ""


def _require_object(payload) -> dict:
    if not isinstance(payload, dict):
        raise PayloadError("The order payload is not a JSON object.")
    if isinstance(payload.get("order"), dict):  # REST "retrieve" envelope
        payload = payload["order"]
    if payload.get("id") in (None, ""):
        raise PayloadError("The order payload has no id.")
    return payload


def shopify_order(payload) -> IntakeOrder:
    """Map a Shopify REST order (webhook body or Admin API order). Raises PayloadError."""
    order = _require_object(payload)
    external_id = str(order["id"])
    cancelled = bool(order.get("cancelled_at"))
    ship = order.get("shipping_address") or {}
    customer = order.get("customer") or {}
    billing = order.get("billing_address") or {}
    name = ship.get("name") or " ".join(p for p in [ship.get("first_name"), ship.get("last_name")] if p)
    customer_name = " ".join(p for p in [customer.get("first_name"), customer.get("last_name")] if p) or name \
        or billing.get("name") or ""
    shipping_lines = order.get("shipping_lines") or []
    method = (shipping_lines[0] or {}).get("title", "") if shipping_lines else ""
    lines = []
    for item in order.get("line_items") or []:
        if not isinstance(item, dict) or item.get("requires_shipping") is False:
            continue  # gift cards and digital goods are not the warehouse's
        quantity = to_quantity(item.get("current_quantity", item.get("quantity")))
        if quantity <= 0:
            continue  # removed by an order edit
        lines.append(IntakeLine(
            sku=_text(item.get("sku"), 64),
            quantity=quantity,
            name=_text(item.get("name") or item.get("title"), 255),
            unit_price=to_decimal(item.get("price")),
            external_line_id=_text(item.get("id"), 100),
        ))
    skip_reason = ""
    if not cancelled and order.get("fulfillment_status") == "fulfilled":
        skip_reason = "Shopify says the order is already fulfilled."
    elif not cancelled and not lines:
        skip_reason = "The order has nothing to ship."
    number = order.get("name") or order.get("order_number") or external_id
    return IntakeOrder(
        external_id=external_id,
        order_number=_text(number, 64),
        updated_at=parse_datetime(order.get("updated_at")) or parse_datetime(order.get("created_at")),
        cancelled=cancelled,
        skip_reason=skip_reason,
        source_status="cancelled" if cancelled else _text(order.get("financial_status"), 40),
        lines=lines,
        fields={
            "customer_name": _text(customer_name, 200),
            "customer_email": _text(order.get("email") or customer.get("email") or order.get("contact_email"), 254),
            "customer_phone": _text(ship.get("phone") or order.get("phone") or customer.get("phone"), 40),
            **_address_fields(name=name, company=ship.get("company"), address1=ship.get("address1"),
                              address2=ship.get("address2"), city=ship.get("city"),
                              state=ship.get("province_code") or ship.get("province"), postcode=ship.get("zip"),
                              country=ship.get("country_code") or ship.get("country")),
            "requested_shipping_method": _text(method, 200),
            "requested_service_level": service_level_for(method),
            "currency": _text(order.get("currency"), 3).upper() or "USD",
            "total_price": to_decimal(order.get("total_price")),
            "placed_at": parse_datetime(order.get("created_at")),
            # facts for rules and holds (orders.rules, orders.holds)
            "tags": _tags(order.get("tags")),
            "customer_note": _text(order.get("note"), 5000),
            "payment_status": SHOPIFY_PAYMENT.get(_text(order.get("financial_status"), 40).lower(), ""),
            "billing_country": _country(billing),
        },
    )


def woocommerce_order(payload) -> IntakeOrder:
    """Map a WooCommerce REST v3 order (webhook body or API order). Raises PayloadError."""
    order = _require_object(payload)
    external_id = str(order["id"])
    status = _text(order.get("status"), 40).lower()
    cancelled = status in WOO_CANCELLED
    ship = order.get("shipping") or {}
    billing = order.get("billing") or {}
    if not (ship.get("address_1") or ship.get("city")):
        ship = {**billing, **{k: v for k, v in ship.items() if v}}  # no separate shipping address: bill-to
    name = " ".join(p for p in [ship.get("first_name"), ship.get("last_name")] if p)
    customer_name = " ".join(p for p in [billing.get("first_name"), billing.get("last_name")] if p) or name
    shipping_lines = order.get("shipping_lines") or []
    method = (shipping_lines[0] or {}).get("method_title", "") if shipping_lines else ""
    lines = []
    for item in order.get("line_items") or []:
        if not isinstance(item, dict):
            continue
        quantity = to_quantity(item.get("quantity"))
        if quantity <= 0:
            continue
        price = item.get("price")
        if price in (None, ""):
            price = to_decimal(item.get("subtotal")) / quantity
        lines.append(IntakeLine(
            sku=_text(item.get("sku"), 64),
            quantity=quantity,
            name=_text(item.get("name"), 255),
            unit_price=to_decimal(price),
            external_line_id=_text(item.get("id"), 100),
        ))
    skip_reason = ""
    if not cancelled and status not in WOO_FULFILLABLE:
        skip_reason = f"WooCommerce status “{status or 'none'}” is not waiting for fulfilment."
    elif not cancelled and not lines:
        skip_reason = "The order has nothing to ship."
    return IntakeOrder(
        external_id=external_id,
        order_number=_text(order.get("number") or external_id, 64),
        updated_at=parse_datetime(order.get("date_modified_gmt")) or parse_datetime(order.get("date_created_gmt")),
        cancelled=cancelled,
        skip_reason=skip_reason,
        source_status=status,
        lines=lines,
        fields={
            "customer_name": _text(customer_name, 200),
            "customer_email": _text(billing.get("email"), 254),
            "customer_phone": _text(ship.get("phone") or billing.get("phone"), 40),
            **_address_fields(name=name, company=ship.get("company"), address1=ship.get("address_1"),
                              address2=ship.get("address_2"), city=ship.get("city"), state=ship.get("state"),
                              postcode=ship.get("postcode"), country=ship.get("country")),
            "requested_shipping_method": _text(method, 200),
            "requested_service_level": service_level_for(method),
            "currency": _text(order.get("currency"), 3).upper() or "USD",
            "total_price": to_decimal(order.get("total")),
            "placed_at": parse_datetime(order.get("date_created_gmt")),
            # facts for rules and holds; only "processing" orders are fulfilled, and those are paid (or COD)
            "customer_note": _text(order.get("customer_note"), 5000),
            "payment_status": "paid" if order.get("date_paid_gmt") or order.get("date_paid") else "",
            "billing_country": _country(billing),
        },
    )


def woocommerce_deleted(payload) -> IntakeOrder:
    """An `order.deleted` body: WooCommerce sends only the id."""
    order = _require_object(payload)
    return IntakeOrder(external_id=str(order["id"]), order_number=str(order["id"]), cancelled=True,
                       source_status="deleted", updated_at=None)
