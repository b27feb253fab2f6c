"""Saving rules (validated), applying them before routing, the timeline, dry-run and re-run."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import DomainError
from orders.choices import OrderStatus
from orders.holds.services import hold_release
from orders.intake.creation import order_create
from orders.models import Hold, Order, OrderEvent, OrderLine, Rule
from orders.rules.services import order_rules_apply, rule_create, rule_run_start, rule_try, rule_update
from orders.selectors import order_list
from orders.tasks import rule_run_task
from tests.factories import AllocationFactory, ProductFactory, SalesChannelFactory, WarehouseFactory
from tests.rules.factories import RuleFactory, order_with_lines, stock_for

pytestmark = pytest.mark.django_db


# --- saving ----------------------------------------------------------------------------------------------

INVALID = [
    # conditions, actions, field with the error, words in the message
    ([{"field": "colour", "op": "in", "value": "red"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "unknown field 'colour'"),
    ([{"field": "order_total", "op": "in", "value": "5"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "operator 'in'"),
    ([{"field": "order_total", "op": "gt", "value": "lots"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "not a number"),
    ([{"field": "order_total", "op": "gt", "value": "-5"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "negative"),
    ([{"field": "order_total", "op": "gt", "value": "NaN"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "finite"),
    ([{"field": "order_total", "op": "gt", "value": "500"}, {"field": "order_total", "op": "lt", "value": "100"}],
     [{"type": "add_tags", "value": "x"}], "conditions", "can never all hold"),
    ([{"field": "item_count", "op": "lt", "value": "1"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "can never all hold"),
    ([{"field": "ship_country", "op": "in", "value": "USA"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "two-letter"),
    ([{"field": "sku", "op": "any", "value": "NOPE-1"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "unknown SKU NOPE-1"),
    ([{"field": "first_order", "op": "is", "value": "maybe"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "yes or no"),
    ([{"field": "payment_status", "op": "in", "value": "sorta"}], [{"type": "add_tags", "value": "x"}],
     "conditions", "unknown payment status"),
    ([{"field": "note", "op": "contains", "value": "x", "extra": 1}], [{"type": "add_tags", "value": "x"}],
     "conditions", "unknown key extra"),
    ("not a list", [{"type": "add_tags", "value": "x"}], "conditions", "must be a list"),
    ([{"field": "channel", "op": "in", "value": [10**30]}], [{"type": "add_tags", "value": "x"}], "conditions",
     "not a channel id"),
    ([{"field": "channel", "op": "in", "value": "999"}], [{"type": "add_tags", "value": "x"}], "conditions",
     "no channel with id 999"),
    ([], [], "actions", "at least one action"),
    ([], [{"type": "hold", "value": ""}], "actions", "needs a reason"),
    ([], [{"type": "hold", "value": None}], "actions", "needs a reason"),
    ([], [{"type": "explode", "value": "now"}], "actions", "unknown action 'explode'"),
    ([], [{"type": "set_warehouse", "value": "XXX"}], "actions", "no active warehouse"),
    ([], [{"type": "set_carrier", "value": "u p s"}], "actions", "not a code"),
    ([], [{"type": "set_carrier", "value": "ups"}, {"type": "set_carrier", "value": "usps"}], "actions",
     "given twice"),
    ([], [{"type": "hold_until", "value": "2001-01-01"}], "actions", "not in the future"),
    ([], [{"type": "hold_until", "value": "0"}], "actions", "1 to 365"),
    ([], [{"type": "hold_until", "value": "2026-02-30"}], "actions", "not a date"),
    ([], [{"type": "set_priority", "value": "asap"}], "actions", "unknown priority"),
    ([], [{"type": "add_insert", "value": "FLYER-01"}], "actions", "set the rule's client first"),
    ([], "tag it", "actions", "must be a list"),
]


@pytest.mark.parametrize(("conditions", "actions", "field", "words"), INVALID)
def test_invalid_rule_is_rejected_with_a_clear_message(manager, conditions, actions, field, words):
    with pytest.raises(ValidationError) as exc:
        rule_create(user=manager, name="bad", conditions=conditions, actions=actions)

    assert words in " ".join(exc.value.message_dict[field])
    assert not Rule.objects.exists()


def test_rule_without_name_is_rejected(manager):
    with pytest.raises(ValidationError) as exc:
        rule_create(user=manager, name="  ", actions=[{"type": "add_tags", "value": "x"}])
    assert "name" in exc.value.message_dict


def test_insert_needs_a_sku_of_the_rules_client(manager, client_a, client_b):
    ProductFactory(client=client_b, sku="FLYER-01")

    with pytest.raises(ValidationError, match="not in ALPHA's catalogue"):
        rule_create(user=manager, name="flyer", client=client_a,
                    actions=[{"type": "add_insert", "value": {"sku": "FLYER-01", "quantity": 1}}])


def test_client_condition_that_excludes_the_rules_client_is_rejected(manager, client_a, client_b):
    with pytest.raises(ValidationError, match="could never hold"):
        rule_create(user=manager, name="x", client=client_a,
                    conditions=[{"field": "client", "op": "in", "value": client_b.code}],
                    actions=[{"type": "add_tags", "value": "x"}])


def test_saved_rule_is_canonical_draft(manager):
    WarehouseFactory(code="SLC")

    rule = rule_create(user=manager, name=" Alaska ", conditions=[
        {"field": "ship_state", "op": "in", "value": "ak, hi"},
        {"field": "order_total", "op": "gte", "value": "$1,000"},
    ], actions=[{"type": "set_warehouse", "value": "slc"}, {"type": "hold_until", "value": "3 days"}])

    assert (rule.name, rule.is_active, rule.created_by) == ("Alaska", False, manager)
    assert rule.conditions == [{"field": "ship_state", "op": "in", "value": ["AK", "HI"]},
                               {"field": "order_total", "op": "gte", "value": "1000.00"}]
    assert rule.actions == [{"type": "set_warehouse", "value": "SLC"}, {"type": "hold_until", "value": {"days": 3}}]


def test_update_revalidates(manager):
    rule = rule_create(user=manager, name="x", actions=[{"type": "add_tags", "value": "x"}])

    with pytest.raises(ValidationError):
        rule_update(rule=rule, user=manager, actions=[{"type": "hold", "value": " "}])

    rule.refresh_from_db()
    assert rule.actions == [{"type": "add_tags", "value": ["x"]}]


# --- applying on arrival ---------------------------------------------------------------------------------

def create_order(channel, number="#5001", lines=None, **fields):
    fields = {"ship_name": "Avery Johnson", "ship_address1": "1200 Senate St", "ship_city": "Columbia",
              "ship_state": "SC", "ship_postal_code": "29201", "ship_country": "US",
              "customer_email": "avery@example.com", **fields}
    return order_create(channel=channel, order_number=number, external_id=number,
                        lines=lines or [{"sku": "TENT-1", "quantity": 1, "unit_price": "300"}], **fields)


@pytest.fixture
def channel(client_a):
    channel = SalesChannelFactory(client=client_a, kind="api")
    stock_for(ProductFactory(client=client_a, sku="TENT-1", weight_g=2500))
    stock_for(ProductFactory(client=client_a, sku="FLYER-01", weight_g=5))
    return channel


def test_new_order_gets_active_rules_before_routing_and_timeline_says_so(channel, django_capture_on_commit_callbacks):
    RuleFactory(name="Heavy by freight", conditions=[{"field": "total_weight_g", "op": "gte", "value": 2000}],
                actions=[{"type": "set_carrier", "value": "freightco"}, {"type": "add_tags", "value": ["heavy"]}])
    RuleFactory(name="Flyer", client=channel.client, actions=[{"type": "add_insert", "value": {"sku": "FLYER-01",
                                                                                            "quantity": 1}}])
    RuleFactory(name="Draft", is_active=False, actions=[{"type": "set_priority", "value": "urgent"}])

    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(channel)

    order.refresh_from_db()
    assert (order.status, order.warehouse.code) == (OrderStatus.ALLOCATED, "SLC")  # rules, then routing
    assert (order.carrier_code, order.tags, order.priority) == ("freightco", ["heavy"], 20)
    assert list(order.lines.values_list("sku", "quantity", "is_insert", "unit_price")) == [
        ("TENT-1", 1, False, Decimal("300.00")), ("FLYER-01", 1, True, Decimal("0.00"))]
    notes = list(order.events.values_list("note", "actor"))
    assert ("Rule “Heavy by freight” matched: carrier none → freightco; tags + heavy",
            f"rule #{Rule.objects.get(name='Heavy by freight').pk}") in notes
    assert any(n.startswith("Rule “Flyer” matched: insert FLYER-01 × 1 added") for n, _ in notes)
    assert not any("Draft" in n for n, _ in notes)
    assert Rule.objects.get(name="Heavy by freight").match_count == 1


def test_rule_hold_holds_the_order_and_a_release_is_not_undone(channel, manager,
                                                              django_capture_on_commit_callbacks):
    RuleFactory(name="Big orders", conditions=[{"field": "order_total", "op": "gt", "value": "250.00"}],
                actions=[{"type": "hold", "value": "Review orders over $250"}])

    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(channel)
    order.refresh_from_db()
    hold = Hold.objects.get(order=order)
    assert (order.status, hold.kind, hold.rule.name) == (OrderStatus.ON_HOLD, "rule", "Big orders")
    assert "Review orders over $250" in order.hold_reason

    with django_capture_on_commit_callbacks(execute=True):
        hold_release(hold=hold, user=manager, note="reviewed")

    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED  # released, rules again (hold not repeated), routed
    assert Hold.objects.filter(order=order, released_at__isnull=True).count() == 0
    assert order.events.filter(note__contains="hold not put back").exists()


def test_hold_until_rule_sets_the_date(channel, django_capture_on_commit_callbacks):
    RuleFactory(name="Cool-off", actions=[{"type": "hold_until", "value": {"days": 2}}])

    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(channel)

    order.refresh_from_db()
    until = timezone.localdate() + datetime.timedelta(days=2)
    assert (order.status, order.hold_until_date) == (OrderStatus.ON_HOLD, until)
    assert Hold.objects.get(order=order).until_date == until


def test_stop_processing_on_arrival(channel, django_capture_on_commit_callbacks):
    RuleFactory(name="A", position=1, stop_processing=True, actions=[{"type": "set_carrier", "value": "usps"}])
    RuleFactory(name="B", position=2, actions=[{"type": "set_carrier", "value": "ups"}])

    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(channel)

    order.refresh_from_db()
    assert order.carrier_code == "usps"
    assert not order.events.filter(actor__startswith="rule", note__contains="“B”").exists()


def test_set_and_limit_warehouse_are_stored_for_routing(channel, django_capture_on_commit_callbacks):
    slc, nsh = WarehouseFactory(code="SLC"), WarehouseFactory(code="NSH")
    RuleFactory(actions=[{"type": "set_warehouse", "value": "NSH"},
                         {"type": "limit_warehouses", "value": ["SLC", "NSH"]}])

    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(channel)

    order.refresh_from_db()
    assert order.forced_warehouse == nsh
    assert set(order.allowed_warehouses.all()) == {slc, nsh}


# --- dry run ---------------------------------------------------------------------------------------------

@pytest.fixture
def past_orders(client_a, client_b):
    """Five orders over the last weeks: three to AK, one of another client to AK, one too old."""
    now = timezone.now()
    made = {}
    for name, client, state, days_ago in [("ak1", client_a, "AK", 1), ("ak2", client_a, "AK", 3),
                                          ("sc", client_a, "SC", 2), ("ak-b", client_b, "AK", 2),
                                          ("ak-old", client_a, "AK", 40)]:
        order = order_with_lines(client=client, ship_state=state, ship_postal_code="99501",
                                 order_number=name, lines=((f"{name}-SKU", 1, 100),))
        Order.objects.filter(pk=order.pk).update(received_at=now - datetime.timedelta(days=days_ago))
        made[name] = order
    Order.objects.filter(pk=made["ak2"].pk).update(carrier_code="fedex")
    return made


def test_dry_run_reports_matches_and_changes_without_changing_anything(manager, client_a, past_orders):
    rule = rule_create(user=manager, name="Alaska by FedEx", client=client_a,
                       conditions=[{"field": "ship_state", "op": "in", "value": "AK"}],
                       actions=[{"type": "set_carrier", "value": "fedex"}, {"type": "hold", "value": "Check"}])
    before = (OrderEvent.objects.count(), Hold.objects.count(), OrderLine.objects.count(),
              list(Order.objects.order_by("pk").values_list("carrier_code", "status", "updated_at")))

    report = rule_try(rule=rule, days=30, orders=order_list(user=manager))

    assert report.examined == 3  # client A's orders of the last 30 days
    assert {m.order.order_number: m.changes for m in report.matches} == {
        "ak1": ["carrier none → fedex", "on hold: Check"],
        "ak2": ["on hold: Check"],
    }
    assert (OrderEvent.objects.count(), Hold.objects.count(), OrderLine.objects.count(),
            list(Order.objects.order_by("pk").values_list("carrier_code", "status", "updated_at"))) == before
    rule.refresh_from_db()
    assert (rule.match_count, rule.is_active) == (0, False)


def test_dry_run_rejects_impossible_day_counts(manager):
    rule = RuleFactory()
    for days in (0, 366, -1):
        with pytest.raises(DomainError):
            rule_try(rule=rule, days=days, orders=order_list(user=manager))


def test_dry_run_with_query_count_independent_of_orders(manager, past_orders, django_assert_max_num_queries):
    rule = RuleFactory(conditions=[{"field": "first_order", "op": "is", "value": True}])
    with django_assert_max_num_queries(8):
        report = rule_try(rule=rule, days=90, orders=order_list(user=manager))
    assert report.examined == 5


# --- re-run ----------------------------------------------------------------------------------------------

def test_rerun_applies_active_rules_to_open_orders_only(manager, client_a, rerun_rules):
    received = order_with_lines(client=client_a, order_number="open-1", lines=(("R1", 1, 1),))
    held = order_with_lines(client=client_a, order_number="held-1", status="on_hold", lines=(("R2", 1, 1),))
    picking = order_with_lines(client=client_a, order_number="pick-1", status="picking", lines=(("R3", 1, 1),))
    shipped = order_with_lines(client=client_a, order_number="ship-1", status="shipped", lines=(("R4", 1, 1),))
    RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    RuleFactory(name="Off", is_active=False, actions=[{"type": "set_carrier", "value": "ups"}])

    run = rerun_rules(user=manager)

    assert (run.status, run.orders_considered, run.orders_matched, run.orders_changed) == ("done", 2, 2, 2)
    for order, tags in [(received, ["vip"]), (held, ["vip"]), (picking, []), (shipped, [])]:
        order.refresh_from_db()
        assert order.tags == tags
        assert order.carrier_code == ""
    event = received.events.get(actor__startswith="rule")
    assert (event.note, event.user, event.actor) == ("Rule “VIP” matched: tags + vip", manager,
                                                     f"rule #{Rule.objects.get(name='VIP').pk}")

    again = rerun_rules(user=manager)

    assert (again.orders_matched, again.orders_changed) == (2, 0)
    assert received.events.filter(actor__startswith="rule").count() == 1  # unchanged: no new timeline entry


def test_rerun_sends_an_allocated_order_from_an_excluded_warehouse_back_to_routing(manager, client_a):
    slc, nsh = WarehouseFactory(code="SLC"), WarehouseFactory(code="NSH")
    order = order_with_lines(client=client_a, status="allocated", warehouse=slc, lines=(("W1", 1, 1),))
    allocation = AllocationFactory(line=order.lines.get(), stock_level__location__warehouse=slc)
    RuleFactory(actions=[{"type": "set_warehouse", "value": "NSH"}])

    # the run's task alone: the routing it queues on commit is not what this test watches
    run = rule_run_start(user=manager)
    rule_run_task(run.pk)

    run.refresh_from_db()
    order.refresh_from_db()
    allocation.stock_level.refresh_from_db()
    assert run.orders_rerouted == 1
    assert (order.status, order.warehouse, order.forced_warehouse) == (OrderStatus.RECEIVED, None, nsh)
    assert allocation.stock_level.allocated == 0
    assert order.events.filter(note__contains="routing again").exists()


def test_apply_leaves_orders_being_picked_alone(client_a):
    order = order_with_lines(client=client_a, status="picking")
    RuleFactory(actions=[{"type": "set_carrier", "value": "ups"}])

    result = order_rules_apply(order=order)

    order.refresh_from_db()
    assert result.evaluation is None
    assert order.carrier_code == ""
