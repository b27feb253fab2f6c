"""Every condition and action of a rule, evaluated on a known order (the engine writes nothing)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.facts import facts_for_orders, orders_for_rules
from orders.models import Order, Rule
from orders.rules.engine import rules_evaluate
from orders.rules.schema import rule_definition_clean
from tests.factories import OrderFactory, ProductFactory, WarehouseFactory
from tests.rules.factories import order_with_lines

pytestmark = pytest.mark.django_db

TAG = [{"type": "add_tags", "value": ["hit"]}]


@pytest.fixture
def order(client_a):
    # Shopify order of ALPHA to Columbia SC 29201: total 120.00, 3 items, 1250 g, SKU-A x2 and SKU-B,
    # tagged wholesale, paid, first order of avery@example.com.
    return order_with_lines(
        client=client_a, tags=["wholesale"], customer_note="Please GIFT wrap", requested_shipping_method="UPS Ground",
        payment_status="paid", requested_service_level="standard",
    )


def evaluate(order, *rules):
    facts = facts_for_orders(orders_for_rules(Order.objects.filter(pk=order.pk)))[0]
    return rules_evaluate(rules, facts)


def rule(conditions=(), actions=TAG, client=None, **kwargs):
    conds, acts = rule_definition_clean(conditions=list(conditions), actions=list(actions), client=client)
    return Rule(name=kwargs.pop("name", "test rule"), conditions=conds, actions=acts, client=client, **kwargs)


CONDITIONS = [
    # field, op, value, matches the order above?
    ("channel_kind", "in", "shopify, woocommerce", True),
    ("channel_kind", "not_in", "shopify", False),
    ("client", "in", "ALPHA", True),
    ("client", "not_in", "ALPHA", False),
    ("ship_country", "in", "us", True),
    ("ship_country", "in", ["CA", "MX"], False),
    ("ship_state", "in", "SC, NC", True),
    ("ship_state", "not_in", "SC", False),
    ("ship_postal_code", "starts_with", "292", True),
    ("ship_postal_code", "starts_with", "995, 996", False),
    ("ship_postal_code", "not_starts_with", "995", True),
    ("order_total", "gt", "100", True),
    ("order_total", "gt", "120", False),
    ("order_total", "gte", "120.00", True),
    ("order_total", "lt", "$1,000", True),
    ("order_total", "eq", 120, True),
    ("item_count", "eq", 3, True),
    ("item_count", "gte", "4", False),
    ("item_count", "lte", "3", True),
    ("total_weight_g", "gt", "1000", True),
    ("total_weight_g", "lt", "1250", False),
    ("sku", "any", "SKU-A, SKU-Z", True),
    ("sku", "all", "SKU-A, SKU-B", True),
    ("sku", "all", "SKU-A, SKU-Z", False),
    ("sku", "none", "SKU-B", False),
    ("tags", "any", "Wholesale", True),
    ("tags", "none", "wholesale", False),
    ("tags", "all", "wholesale, vip", False),
    ("note", "contains", "gift wrap", True),
    ("note", "not_contains", "gift", False),
    ("requested_shipping_method", "contains", "ground", True),
    ("requested_shipping_method", "equals", "ups ground", True),
    ("requested_shipping_method", "equals", "Freight", False),
    ("requested_service_level", "in", "standard", True),
    ("requested_service_level", "in", "overnight", False),
    ("customer_email_domain", "in", "EXAMPLE.com", True),
    ("customer_email_domain", "not_in", "@example.com", False),
    ("first_order", "is", "yes", True),
    ("first_order", "is", False, False),
    ("payment_status", "in", "paid", True),
    ("payment_status", "in", "pending, none", False),
]


@pytest.mark.parametrize(("field", "op", "value", "expected"), CONDITIONS)
def test_condition_matches_only_orders_it_describes(order, field, op, value, expected):
    if field in ("sku",):
        ProductFactory(client=order.client, sku="SKU-Z")  # the rule may name only known SKUs
    evaluation = evaluate(order, rule([{"field": field, "op": op, "value": value}]))

    assert evaluation.matched is expected


def test_channel_condition_names_channel_ids(order):
    other = OrderFactory()

    assert evaluate(order, rule([{"field": "channel", "op": "in", "value": str(order.channel_id)}])).matched
    assert not evaluate(order, rule([{"field": "channel", "op": "in", "value": [other.channel_id]}])).matched


def test_first_order_is_false_for_a_returning_customer(order):
    later = order_with_lines(client=order.client, customer_email="AVERY@example.com", lines=(("SKU-C", 1, 1),))

    assert not evaluate(later, rule([{"field": "first_order", "op": "is", "value": True}])).matched
    assert evaluate(order, rule([{"field": "first_order", "op": "is", "value": True}])).matched


def test_all_conditions_must_hold(order):
    both = rule([{"field": "ship_state", "op": "in", "value": "SC"}, {"field": "order_total", "op": "gt", "value": 500}])

    assert not evaluate(order, both).matched


def test_rule_of_another_client_never_matches(order, client_b):
    assert not evaluate(order, rule(client=client_b)).matched
    assert evaluate(order, rule(client=order.client)).matched


def test_inserts_do_not_count_as_items(order):
    order.lines.update(is_insert=False)
    line = order.lines.first()
    line.is_insert = True
    line.save()

    assert evaluate(order, rule([{"field": "item_count", "op": "eq", "value": 1}])).matched


ACTIONS = [
    # action, value, change text, attribute of the planned state, expected value
    ("set_carrier", "ups", "carrier none → ups", "carrier_code", "ups"),
    ("set_service", "ground", "service none → ground", "service_code", "ground"),
    ("set_box_type", "ALPHA-BOX-M", "box type none → ALPHA-BOX-M", "box_type_code", "ALPHA-BOX-M"),
    ("add_tags", "vip, Wholesale", "tags + vip", "tags", ["wholesale", "vip"]),
    ("set_priority", "urgent", "priority normal → urgent", "priority", 40),
]


@pytest.mark.parametrize(("kind", "value", "text", "attr", "expected"), ACTIONS)
def test_action_plans_its_change(order, kind, value, text, attr, expected):
    evaluation = evaluate(order, rule(actions=[{"type": kind, "value": value}]))

    assert evaluation.outcomes[0].changes == [text]
    assert getattr(evaluation.after, attr) == expected


def test_warehouse_actions(order):
    WarehouseFactory(code="SLC")
    WarehouseFactory(code="NSH")

    evaluation = evaluate(order, rule(actions=[{"type": "set_warehouse", "value": "slc"},
                                               {"type": "limit_warehouses", "value": "SLC, NSH"}]))

    assert evaluation.outcomes[0].changes == ["warehouse none → SLC", "warehouses limited to NSH, SLC"]
    assert (evaluation.after.forced_warehouse, evaluation.after.allowed_warehouses) == ("SLC", ["NSH", "SLC"])


def test_hold_and_hold_until_actions_plan_holds(order):
    Order.objects.filter(pk=order.pk).update(received_at=timezone.now())
    evaluation = evaluate(order, rule(actions=[{"type": "hold", "value": "Check big order"},
                                               {"type": "hold_until", "value": "2"}]))

    until = timezone.localdate() + datetime.timedelta(days=2)
    assert evaluation.outcomes[0].changes == ["on hold: Check big order", f"on hold until {until}"]
    assert [(h.kind, h.until_date) for h in evaluation.after.holds] == [("rule", None), ("until_date", until)]


def test_hold_until_a_passed_date_is_only_a_note(order):
    Order.objects.filter(pk=order.pk).update(received_at=timezone.now() - datetime.timedelta(days=10))

    evaluation = evaluate(order, rule(actions=[{"type": "hold_until", "value": {"days": 2}}]))

    assert evaluation.outcomes[0].changes == []
    assert "has passed" in evaluation.outcomes[0].notes[0]


def test_insert_action_adds_once(order):
    ProductFactory(client=order.client, sku="FLYER-01")
    insert = rule(actions=[{"type": "add_insert", "value": "FLYER-01 x 2"}], client=order.client)

    evaluation = evaluate(order, insert, insert)

    assert [(i.sku, i.quantity) for i in evaluation.after.inserts] == [("FLYER-01", 2)]
    assert evaluation.outcomes[0].changes == ["insert FLYER-01 × 2 added"]
    assert evaluation.outcomes[1].changes == []


def test_rules_run_in_order_and_later_rules_see_earlier_tags(order):
    first = rule(actions=[{"type": "add_tags", "value": "big"}], name="first")
    second = rule([{"field": "tags", "op": "any", "value": "big"}], actions=[{"type": "set_carrier", "value": "fedex"}],
                  name="second")

    evaluation = evaluate(order, first, second)

    assert [o.rule.name for o in evaluation.outcomes] == ["first", "second"]
    assert evaluation.after.carrier_code == "fedex"
    assert [o.rule.name for o in evaluate(order, second, first).outcomes] == ["first"]


def test_stop_processing_skips_later_rules(order):
    stopper = rule(actions=[{"type": "set_carrier", "value": "usps"}], name="stop", stop_processing=True)
    later = rule(actions=[{"type": "set_carrier", "value": "ups"}], name="later")

    evaluation = evaluate(order, stopper, later)

    assert [o.rule.name for o in evaluation.outcomes] == ["stop"]
    assert evaluation.after.carrier_code == "usps"


def test_a_rule_that_does_not_match_does_not_stop_others(order):
    stopper = rule([{"field": "ship_state", "op": "in", "value": "AK"}], name="stop", stop_processing=True)
    later = rule(name="later")

    assert [o.rule.name for o in evaluate(order, stopper, later).outcomes] == ["later"]


def test_order_total_falls_back_to_lines_when_storefront_sent_none(order):
    Order.objects.filter(pk=order.pk).update(total_price=Decimal("0"))

    assert evaluate(order, rule([{"field": "order_total", "op": "eq", "value": "120"}])).matched
