"""Storefront orders bring the facts rules and holds need; an edited order meets the rules again."""

import copy
import json
from pathlib import Path

import pytest
from django.urls import reverse

from core.choices import Role
from orders.holds.services import order_automatic_holds_place
from orders.intake.mapping import IntakeLine, IntakeOrder, shopify_order, woocommerce_order
from orders.intake.storefront_apply import order_update_from_storefront
from tests.factories import ProductFactory, make_user
from tests.rules.factories import RuleFactory, order_with_lines

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storefronts"
SHOPIFY = json.loads((FIXTURES / "shopify" / "order.json").read_text())


def shopify(**changes):
    payload = copy.deepcopy(SHOPIFY)
    (payload.get("order") or payload).update(changes)
    return shopify_order(payload)


def test_shopify_tags_note_payment_and_billing_country_are_mapped():
    fields = shopify(tags="Wholesale, VIP ,wholesale", note="Leave at the back door",
                     financial_status="pending").fields

    assert fields["tags"] == ["wholesale", "vip"]
    assert fields["customer_note"] == "Leave at the back door"
    assert fields["payment_status"] == "pending"
    assert fields["billing_country"] == "US"


@pytest.mark.parametrize(("financial", "expected"), [("paid", "paid"), ("authorized", "authorized"),
                                                     ("expired", "voided"), ("", ""), ("weird", "")])
def test_shopify_payment_states(financial, expected):
    assert shopify(financial_status=financial).fields["payment_status"] == expected


def test_woocommerce_processing_orders_are_paid_unless_cash_on_delivery():
    base = {"id": 7, "status": "processing", "billing": {"country": "CA", "email": "a@example.com"},
            "shipping": {"address_1": "1 Rue", "city": "Montreal", "country": "CA"},
            "line_items": [{"sku": "X", "quantity": 1, "price": "5"}], "customer_note": "Gift"}

    paid = woocommerce_order({**base, "date_paid_gmt": "2026-11-20T10:00:00"}).fields
    cod = woocommerce_order(base).fields

    assert (paid["payment_status"], paid["billing_country"], paid["customer_note"]) == ("paid", "CA", "Gift")
    assert cod["payment_status"] == ""


@pytest.mark.django_db
def test_an_edited_order_meets_the_rules_again_and_a_payment_releases_its_hold(
        client_a, django_capture_on_commit_callbacks):
    order = order_with_lines(client=client_a, channel_kind="shopify", payment_status="pending",
                             lines=(("E1", 1, 100),))
    order_automatic_holds_place(order=order)
    RuleFactory(name="Wholesale freight", conditions=[{"field": "tags", "op": "any", "value": ["wholesale"]}],
                actions=[{"type": "set_carrier", "value": "freightco"}])
    line = order.lines.get()
    intake = IntakeOrder(external_id=order.external_id, order_number=order.order_number,
                         lines=[IntakeLine(sku=line.sku, quantity=1, unit_price=line.unit_price)],
                         fields={"tags": ["wholesale"], "payment_status": "paid"})

    with django_capture_on_commit_callbacks(execute=True):  # released: rules, checks, routing run again
        assert order_update_from_storefront(order=order, intake=intake, actor="shopify") == "updated"

    order.refresh_from_db()
    assert (order.tags, order.payment_status, order.carrier_code) == (["wholesale"], "paid", "freightco")
    assert not order.holds.filter(kind="payment", released_at__isnull=True).exists()
    assert order.events.filter(note__startswith="Rule “Wholesale freight” matched").exists()


@pytest.mark.django_db
def test_an_edited_allocated_order_meets_the_rules_again(client_a):
    order = order_with_lines(client=client_a, status="allocated", lines=(("E2", 1, 100),))
    RuleFactory(name="VIP first", conditions=[{"field": "tags", "op": "any", "value": ["vip"]}],
                actions=[{"type": "set_priority", "value": "urgent"}])
    line = order.lines.get()
    intake = IntakeOrder(external_id=order.external_id, order_number=order.order_number,
                         lines=[IntakeLine(sku=line.sku, quantity=1, unit_price=line.unit_price)],
                         fields={"tags": ["vip"]})

    order_update_from_storefront(order=order, intake=intake, actor="shopify")

    order.refresh_from_db()
    assert (order.status, order.priority) == ("allocated", 40)


@pytest.mark.django_db
def test_api_orders_carry_tags_note_and_billing_country(api_for, client_a):
    ProductFactory(client=client_a, sku="TEE-M")
    merchant = make_user(Role.CLIENT, client=client_a)
    body = {"order_number": "API-9", "ship_name": "Ana Lima", "ship_address1": "1 Main St", "ship_city": "Boston",
            "ship_state": "MA", "ship_postal_code": "02134", "ship_country": "US",
            "lines": [{"sku": "TEE-M", "quantity": 1}], "tags": ["Wholesale", "wholesale", " B2B "],
            "customer_note": "Dock 4", "billing_country": "ca"}

    response = api_for(merchant).post(reverse("order-list"), body, format="json")
    bad = api_for(merchant).post(reverse("order-list"), {**body, "order_number": "API-10",
                                                         "billing_country": "Atlantis"}, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["tags"], data["customer_note"], data["billing_country"]) == (["wholesale", "b2b"], "Dock 4", "CA")
    assert bad.status_code == 400
    assert "billing_country" in bad.json()
