"""The automatic hold checks run on every order before routing: address, payment and fraud signals.

Each check only reads; orders.holds.services places the holds. Thresholds come from settings
(DOCKHAND_FRAUD_*, DOCKHAND_PO_BOX_REFUSING_CARRIERS) with the defaults below.
"""

from __future__ import annotations

import datetime
import functools
import re
from bisect import bisect_left
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from orders.choices import PAYMENT_CLEARED_STATUSES, ChannelKind, PaymentStatus
from orders.models import Order
from warehouses.geo import normalise_us_zip, us_zip_info

STOREFRONT_CHANNEL_KINDS = frozenset({ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE})

_BASE = ("ship_name", "ship_address1", "ship_city")
# Fields an address needs to be deliverable, per destination country (others: name, street and city).
REQUIRED_ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {
    "US": (*_BASE, "ship_state", "ship_postal_code"),
    "CA": (*_BASE, "ship_state", "ship_postal_code"),
    "AU": (*_BASE, "ship_state", "ship_postal_code"),
    "MX": (*_BASE, "ship_state", "ship_postal_code"),
    "GB": (*_BASE, "ship_postal_code"),
    "DE": (*_BASE, "ship_postal_code"),
    "FR": (*_BASE, "ship_postal_code"),
    "NL": (*_BASE, "ship_postal_code"),
}
FIELD_LABELS = {
    "ship_name": "recipient name", "ship_address1": "street address", "ship_city": "city",
    "ship_state": "state", "ship_postal_code": "postal code", "ship_country": "country",
}
PO_BOX_RE = re.compile(r"\b(p\.?\s*o\.?\s*box|post\s+office\s+box|pobox|p\.?\s*o\.?\s*b\.?\s+\d)", re.IGNORECASE)


def _setting(name: str, default):
    return getattr(settings, name, default)


def address_problems(order: Order) -> list[str]:
    """Return what is wrong with the ship-to address, checked offline (empty when it looks deliverable)."""
    country = (order.ship_country or "").strip().upper()
    if not country:
        return ["The destination country is missing."]
    problems = []
    missing = [FIELD_LABELS[f] for f in REQUIRED_ADDRESS_FIELDS.get(country, _BASE)
               if not (getattr(order, f) or "").strip()]
    if missing:
        problems.append(f"Missing {', '.join(missing)}.")
    if country == "US" and order.ship_postal_code.strip():
        zip5 = normalise_us_zip(order.ship_postal_code)
        info = us_zip_info(zip5) if zip5 else None
        if not zip5:
            problems.append(f"“{order.ship_postal_code}” is not a US ZIP code.")
        elif info is None:
            problems.append(f"ZIP {zip5} does not exist.")
        elif order.ship_state.strip() and info["state"].upper() != order.ship_state.strip().upper():
            problems.append(f"ZIP {zip5} is in {info['state']}, not {order.ship_state.strip().upper()}.")
    refusing = {c.lower() for c in _setting("DOCKHAND_PO_BOX_REFUSING_CARRIERS", ("ups", "fedex", "dhl"))}
    if order.carrier_code and order.carrier_code.lower() in refusing and any(
            PO_BOX_RE.search(line or "") for line in (order.ship_address1, order.ship_address2)):
        problems.append(f"Carrier {order.carrier_code} does not deliver to PO boxes.")
    return problems


def payment_problem(order: Order) -> str:
    """Return why a storefront order may not ship yet for want of payment ('' when it may)."""
    if order.channel.kind not in STOREFRONT_CHANNEL_KINDS or order.payment_status in PAYMENT_CLEARED_STATUSES:
        return ""
    label = PaymentStatus(order.payment_status).label.lower() if order.payment_status in PaymentStatus.values \
        else order.payment_status
    return f"Not paid at the storefront ({label}); the order waits until it is paid."


@functools.lru_cache(maxsize=4096)
def street_key(address1: str | None) -> str:
    """A street address reduced to what compares (lower-case letters and digits)."""
    return re.sub(r"[^a-z0-9]", "", (address1 or "").lower())


def _address_key(order: Order) -> tuple[str, str]:
    return street_key(order.ship_address1), "".join((order.ship_postal_code or "").split()).upper()


def fraud_window() -> datetime.timedelta:
    return datetime.timedelta(hours=int(_setting("DOCKHAND_FRAUD_ADDRESS_WINDOW_HOURS", 24)))


def recent_orders_to(postal_codes: set[str], *, received_from: datetime.datetime,
                     received_until: datetime.datetime | None = None) -> dict[str, list[tuple]]:
    """What the fraud check needs of the orders to these postal codes, to check orders received from
    `received_from` until `received_until` (default the same moment): rows of (ship_address1, lower email,
    customer name, received_at), by code. One query for a whole batch (two if its orders span some time).

    The check asks whether a customer ordered to the street in the window before each order. An order
    received before every order checked is in that window exactly when the customer's latest such order is,
    so those come as one row per customer and street, at its latest time: a flash sale's thousand orders
    from one customer are one row, not a thousand. Orders received within the span come a row each; later
    ones are in no window and are not read.
    """
    recent: dict[str, list[tuple]] = {code: [] for code in postal_codes}
    if not postal_codes:
        return recent
    received_until = received_until or received_from
    orders = (Order.objects.filter(ship_postal_code__in=postal_codes, parent__isnull=True)
              .order_by()  # no sort needed, so order_postal_code_received_idx serves it alone
              .annotate(email_l=Lower("customer_email")))
    before = (orders.filter(received_at__gte=received_from - fraud_window(), received_at__lte=received_from)
              .values_list("ship_postal_code", "ship_address1", "email_l", "customer_name")
              .annotate(latest=Max("received_at")))
    within = (orders.filter(received_at__gt=received_from, received_at__lte=received_until)
              .values_list("ship_postal_code", "ship_address1", "email_l", "customer_name", "received_at")
              if received_until > received_from else [])
    for code, *rest in [*before, *within]:
        recent[code].append(tuple(rest))
    return recent


class StreetHistory:
    """Recent orders to one street, as (ship_address1, lower email, customer name, received_at) rows, kept by
    customer: the fraud check asks how many customers ordered in a window, in a step per customer rather than
    per order (a flash sale sends thousands of orders to one address's postal code in a day)."""

    def __init__(self, rows: Iterable[tuple] = ()) -> None:
        self.times: dict[str, list[datetime.datetime]] = {}
        self._unsorted: set[str] = set()
        for row in rows:
            self.add(row)

    def add(self, row: tuple) -> None:
        _addr1, email, name, received_at = row
        who = email or name.lower()
        self.times.setdefault(who, []).append(received_at)
        self._unsorted.add(who)

    def customers_between(self, since: datetime.datetime, until: datetime.datetime) -> set[str]:
        for who in self._unsorted:
            self.times[who].sort()
        self._unsorted.clear()
        found = set()
        for who, times in self.times.items():
            i = bisect_left(times, since)
            if i < len(times) and times[i] <= until:
                found.add(who)
        return found


def fraud_signals(order: Order, *, total: Decimal, first_order: bool,
                  recent: list[tuple] | StreetHistory | None = None) -> list[str]:
    """Return the fraud signals of an order: countries that differ, a large first order, an address that
    many different customers ordered to in a short time.

    `recent` is what recent_orders_to found for the order's postal code, or the StreetHistory of its street
    (looked up here when not given).
    """
    signals = []
    billing, shipping = (order.billing_country or "").upper(), (order.ship_country or "").upper()
    if billing and shipping and billing != shipping:
        signals.append(f"Billing country {billing} differs from shipping country {shipping}.")
    limit = Decimal(str(_setting("DOCKHAND_FRAUD_FIRST_ORDER_LIMIT", "1000")))
    if first_order and total > limit:
        signals.append(f"First order of this customer, over {limit} ({total} {order.currency}).")
    customers = int(_setting("DOCKHAND_FRAUD_ADDRESS_CUSTOMERS", 3))
    street, postal = _address_key(order)
    if street and postal:
        until = order.received_at or timezone.now()
        since = until - fraud_window()
        if recent is None:
            recent = recent_orders_to({order.ship_postal_code}, received_from=until)[order.ship_postal_code]
        history = recent if isinstance(recent, StreetHistory) else StreetHistory(
            row for row in recent if street_key(row[0]) == street)
        who = history.customers_between(since, until)
        if len(who) >= customers:
            hours = int(fraud_window().total_seconds() // 3600)
            signals.append(f"{len(who)} different customers ordered to this address in {hours} hours.")
    return signals
