"""Realistic Shopify order webhooks, for `manage.py simulate_storefront` and bench/intake.py.

Orders go to addresses spread over the US; some are messy as real ones are (a state name instead of a
code, a ZIP that lost its leading zero, a ZIP+4 without the dash, no shipping address, an unknown SKU).
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orders.storefronts.shopify import webhook_signature

US_ADDRESSES = [
    # first, last, address1, city, province_code, province, zip
    ("Avery", "Johnson", "1200 Senate St", "Columbia", "SC", "South Carolina", "29201"),
    ("Mia", "Chen", "400 Pine St", "Seattle", "WA", "Washington", "98101"),
    ("Jordan", "Alvarez", "2100 Main St", "Dallas", "TX", "Texas", "75201"),
    ("Sam", "Patel", "77 Massachusetts Ave", "Cambridge", "MA", "Massachusetts", "02139"),
    ("Riley", "Thompson", "1600 Pennsylvania Ave NW", "Washington", "DC", "District of Columbia", "20500"),
    ("Casey", "Morgan", "350 5th Ave", "New York", "NY", "New York", "10118"),
    ("Taylor", "Brooks", "1 Market St", "San Francisco", "CA", "California", "94105"),
    ("Drew", "Kim", "500 W 2nd St", "Austin", "TX", "Texas", "78701"),
    ("Jamie", "Rivera", "233 S Wacker Dr", "Chicago", "IL", "Illinois", "60606"),
    ("Morgan", "Lee", "1000 Vin Scully Ave", "Los Angeles", "CA", "California", "90012"),
    ("Quinn", "Foster", "100 Peachtree St NW", "Atlanta", "GA", "Georgia", "30303"),
    ("Skyler", "Nguyen", "1701 Bryant St", "Denver", "CO", "Colorado", "80204"),
    ("Parker", "Hughes", "400 Broad St", "Seattle", "WA", "Washington", "98109"),
    ("Reese", "Cooper", "2 Portland Ave", "Portland", "ME", "Maine", "04101"),
    ("Hayden", "Ward", "501 Marquette Ave", "Minneapolis", "MN", "Minnesota", "55402"),
    ("Rowan", "Price", "1 AT&T Way", "Arlington", "TX", "Texas", "76011"),
    ("Emerson", "Gray", "3799 S Las Vegas Blvd", "Las Vegas", "NV", "Nevada", "89109"),
    ("Finley", "Reed", "201 E Washington St", "Phoenix", "AZ", "Arizona", "85004"),
    ("Harper", "Bell", "1 Hacker Way", "Menlo Park", "CA", "California", "94025"),
    ("Logan", "Ross", "600 Commerce St", "Nashville", "TN", "Tennessee", "37203"),
    ("Kendall", "Diaz", "1 Ocean Dr", "Miami Beach", "FL", "Florida", "33139"),
    ("Blake", "Murphy", "10 Park Plaza", "Boston", "MA", "Massachusetts", "02116"),
    ("Cameron", "Ortiz", "1 Canal St", "New Orleans", "LA", "Louisiana", "70130"),
    ("Dakota", "Hayes", "405 W 5th Ave", "Anchorage", "AK", "Alaska", "99501"),
    ("Sage", "Kelly", "2500 Kalakaua Ave", "Honolulu", "HI", "Hawaii", "96815"),
]
SHIPPING = [("Standard Shipping", "4.99"), ("Free Shipping", "0.00"), ("Express 2-Day", "14.99"),
            ("Overnight", "29.99"), ("Economy", "2.99")]


@dataclass
class Webhook:
    body: bytes
    headers: dict[str, str]
    order_id: int
    messy: str = ""  # what is unusual about it, for the simulator's log


def shopify_payload(*, order_id: int, number: int, skus: list[str], rng: random.Random, messy: str = "",
                    updated_at: datetime | None = None) -> dict:
    """A Shopify REST order as an orders/create webhook carries it."""
    first, last, address1, city, code, province, zip_code = rng.choice(US_ADDRESSES)
    when = updated_at or datetime.now(UTC)
    lines = []
    for i, sku in enumerate(rng.sample(skus, k=min(len(skus), rng.randint(1, 3)))):
        price = Decimal(rng.randint(500, 12000)) / 100
        lines.append({"id": order_id * 10 + i, "variant_id": 40000000000 + order_id % 10**9 + i, "sku": sku,
                      "title": f"Item {sku}", "name": f"Item {sku}", "quantity": rng.randint(1, 3),
                      "price": str(price), "requires_shipping": True, "fulfillment_status": None,
                      "grams": rng.randint(100, 2000), "product_exists": True, "vendor": "Demo"})
    address = {"first_name": first, "last_name": last, "name": f"{first} {last}", "address1": address1,
               "address2": "", "city": city, "province": province, "province_code": code, "zip": zip_code,
               "country": "United States", "country_code": "US", "company": None, "phone": "555-0100"}
    if messy == "state name only":
        address["province_code"] = None
    elif messy == "zip lost its leading zero":
        address.update(zip="2139", city="Cambridge", province_code="MA", province="Massachusetts")
    elif messy == "zip+4 without dash":
        address["zip"] = f"{zip_code}1234"
    elif messy == "no shipping address":
        address = None
    elif messy == "unknown SKU":
        lines[0]["sku"] = f"UNKNOWN-{rng.randint(100, 999)}"
    elif messy == "empty SKU":
        lines[0]["sku"] = ""
    method, shipping_price = rng.choice(SHIPPING)
    subtotal = sum(Decimal(line["price"]) * line["quantity"] for line in lines)
    stamp = when.isoformat(timespec="seconds")
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": f"#{number}",
        "order_number": number, "number": number - 1000, "email": f"{first.lower()}.{last.lower()}@example.com",
        "created_at": stamp, "updated_at": stamp, "processed_at": stamp, "cancelled_at": None,
        "cancel_reason": None, "closed_at": None, "currency": "USD", "presentment_currency": "USD",
        "financial_status": "paid", "fulfillment_status": None, "test": False,
        "subtotal_price": str(subtotal), "total_price": str(subtotal + Decimal(shipping_price)),
        "total_tax": "0.00", "line_items": lines, "shipping_address": address,
        "billing_address": address, "shipping_lines": [{"id": order_id, "title": method, "code": method,
                                                        "price": shipping_price, "source": "shopify"}],
        "customer": {"id": 6000000000 + order_id % 10**9, "email": f"{first.lower()}@example.com",
                     "first_name": first, "last_name": last},
    }


def signed_webhook(payload_body: bytes, *, secret: str, topic: str = "orders/create",
                   webhook_id: str | None = None, shop: str = "dockhand-demo.myshopify.com") -> dict[str, str]:
    """The headers Shopify sends with a webhook body."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": webhook_signature(payload_body, secret),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }


MESSES = ["state name only", "zip lost its leading zero", "zip+4 without dash", "no shipping address",
          "unknown SKU", "empty SKU"]


def webhooks(*, count: int, skus: list[str], secret: str, rng: random.Random, bad_share: float = 0.1,
             first_id: int | None = None, first_number: int | None = None) -> list[Webhook]:
    """`count` distinct orders as signed orders/create webhooks, a share of them messy."""
    base_id = first_id or 5_000_000_000_000 + int(datetime.now(UTC).timestamp() * 1000) % 10**12
    base_number = first_number or 10_000 + rng.randint(0, 80_000)
    now = datetime.now(UTC)
    out = []
    for i in range(count):
        messy = rng.choice(MESSES) if rng.random() < bad_share else ""
        payload = shopify_payload(order_id=base_id + i, number=base_number + i, skus=skus, rng=rng, messy=messy,
                                  updated_at=now + timedelta(seconds=i))
        body = json.dumps(payload).encode()
        out.append(Webhook(body=body, headers=signed_webhook(body, secret=secret), order_id=base_id + i,
                           messy=messy))
    return out
