"""/api/v1/rules/ and /api/v1/holds/: managers only for rules, field errors as 400, scoped holds."""

import pytest
from django.urls import reverse

from core.choices import Role
from orders.holds.services import hold_place
from orders.models import Hold, Rule, RuleRun, RuleRunError
from tests.factories import OrderFactory, make_user
from tests.rules.factories import HoldFactory, RuleFactory, order_with_lines

pytestmark = pytest.mark.django_db


def test_manager_creates_a_draft_rule_and_switches_it_on(manager_api, client_a):
    response = manager_api.post(reverse("rule-list"), {
        "name": "Wholesale by freight", "client": client_a.pk,
        "conditions": [{"field": "tags", "op": "any", "value": ["wholesale"]}],
        "actions": [{"type": "set_carrier", "value": "freightco"}],
    }, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["is_active"], body["conditions_text"], body["actions_text"]) == (
        False, ["Order tags has any of wholesale"], ["Set carrier: freightco"])
    switched = manager_api.patch(reverse("rule-detail", args=[body["id"]]), {"is_active": True}, format="json")
    assert switched.status_code == 200
    assert Rule.objects.get().is_active


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "x", "actions": [{"type": "hold", "value": ""}]}, "actions"),
    ({"name": "x", "actions": [{"type": "add_tags", "value": "a"}], "conditions": [{"field": "nope"}]}, "conditions"),
    ({"name": "x", "actions": "hold"}, "actions"),
    ({"name": "x", "actions": [{"type": "add_tags", "value": "a"}], "conditions": {"a": 1}}, "conditions"),
    ({"name": "", "actions": [{"type": "add_tags", "value": "a"}]}, "name"),
    ({"name": "x", "actions": [[1, 2]]}, "actions"),
    ({"name": "x", "actions": [{"type": "add_tags", "value": {"deep": ["x"]}}]}, "actions"),
])
def test_invalid_rule_is_400_with_field_errors(manager_api, payload, field):
    response = manager_api.post(reverse("rule-list"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Rule.objects.exists()


def test_rules_are_for_managers_only(api_for, client_user_a):
    RuleFactory()
    picker = make_user(Role.PICKER)

    assert api_for(client_user_a).get(reverse("rule-list")).status_code == 403
    assert api_for(picker).get(reverse("rule-list")).status_code == 403
    assert api_for(picker).post(reverse("rule-list"), {}, format="json").status_code == 403


def test_try_saved_and_draft_rules(manager_api, client_a):
    order_with_lines(client=client_a, ship_state="AK", order_number="AK-1")
    order_with_lines(client=client_a, ship_state="SC", order_number="SC-1", lines=(("S", 1, 1),))
    rule = RuleFactory(is_active=False, conditions=[{"field": "ship_state", "op": "in", "value": ["AK"]}])

    saved = manager_api.post(reverse("rule-try-rule", args=[rule.pk]), {"days": 7}, format="json").json()
    draft = manager_api.post(reverse("rule-try-draft"), {"days": 7, "rule": {
        "name": "draft", "conditions": [{"field": "ship_state", "op": "in", "value": "sc"}],
        "actions": [{"type": "set_priority", "value": "high"}]}}, format="json")

    assert (saved["examined"], saved["matched"], saved["matches"][0]["order_number"]) == (2, 1, "AK-1")
    assert saved["matches"][0]["changes"] == ["tags + ruled"]
    assert draft.status_code == 200
    assert [m["changes"] for m in draft.json()["matches"]] == [["priority normal → high"]]
    assert not Rule.objects.filter(name="draft").exists()
    bad = manager_api.post(reverse("rule-try-draft"), {"rule": {"name": "d", "actions": []}}, format="json")
    assert bad.status_code == 400
    assert "actions" in bad.json()
    assert manager_api.post(reverse("rule-try-rule", args=[rule.pk]), {"days": 0}, format="json").status_code == 400


def test_rerun_endpoint_accepts_the_run_and_the_run_can_be_read_back(manager_api, client_a,
                                                                     django_capture_on_commit_callbacks):
    order = order_with_lines(client=client_a)
    RuleFactory(actions=[{"type": "set_carrier", "value": "ups"}])

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.post(reverse("rule-rerun"), {}, format="json")
    run = RuleRun.objects.get()
    read = manager_api.get(response.json()["url"])

    order.refresh_from_db()
    assert response.status_code == 202
    assert (response.json()["id"], response.json()["status"]) == (run.pk, "queued")  # the task runs after commit
    assert response.json()["url"].endswith(reverse("rule-run-detail", args=[run.pk]))
    assert read.status_code == 200
    assert (read.json()["status"], read.json()["orders_considered"], read.json()["orders_changed"],
            read.json()["actions_applied"]) == ("done", 1, 1, 1)
    assert order.carrier_code == "ups"


def test_rerun_endpoint_refuses_a_second_run_while_one_is_open(manager_api):
    running = RuleRun.objects.create(status="running")

    response = manager_api.post(reverse("rule-rerun"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["run"]["id"] == running.pk
    assert f"run #{running.pk}" in response.json()["detail"]
    assert RuleRun.objects.count() == 1


def test_rule_runs_are_for_managers(api_for, client_user_a, manager_api, django_assert_max_num_queries):
    for status in ("done", "failed", "done"):
        RuleRun.objects.create(status=status)

    with django_assert_max_num_queries(6):
        listed = manager_api.get(reverse("rule-run-list"))

    assert listed.json()["count"] == 3
    assert api_for(client_user_a).get(reverse("rule-run-list")).status_code == 403


def test_a_run_read_back_lists_its_failed_orders_and_the_list_does_not(manager_api):
    order = OrderFactory(order_number="WEB-2077")
    run = RuleRun.objects.create(status="done", orders_considered=2, errors=1)
    RuleRunError.objects.create(run=run, order=order, message="Warehouse DAL is closed")

    read = manager_api.get(reverse("rule-run-detail", args=[run.pk]))
    listed = manager_api.get(reverse("rule-run-list"))

    assert read.status_code == 200
    assert read.json()["errors"] == 1
    assert [{k: f[k] for k in ("order_id", "order_number", "message")} for f in read.json()["failures"]] == [
        {"order_id": order.pk, "order_number": "WEB-2077", "message": "Warehouse DAL is closed"}]
    assert "failures" not in listed.json()["results"][0]


def test_rule_list_query_count(manager_api, django_assert_max_num_queries):
    for _ in range(5):
        RuleFactory()
    with django_assert_max_num_queries(6):
        response = manager_api.get(reverse("rule-list"))
    assert response.json()["count"] == 5


def test_holds_list_is_scoped_and_countable(api_for, manager_api, client_a, client_user_a,
                                            django_assert_max_num_queries):
    own = HoldFactory(order__channel__client=client_a, kind="client")
    HoldFactory(kind="fraud")
    for _ in range(3):
        HoldFactory()

    with django_assert_max_num_queries(6):
        everything = manager_api.get(reverse("hold-list"), {"open": True})
    mine = api_for(client_user_a).get(reverse("hold-list")).json()

    assert everything.json()["count"] == 5
    assert [h["id"] for h in mine["results"]] == [own.pk]
    assert manager_api.get(reverse("hold-list"), {"kind": "fraud"}).json()["count"] == 1


def test_release_through_the_api(api_for, manager_api, client_a, client_user_a):
    order = OrderFactory(channel__client=client_a)
    fraud = hold_place(order=order, kind="fraud", reason="signals")
    client_hold = hold_place(order=order, kind="client", reason="wait")

    refused = api_for(client_user_a).post(reverse("hold-release", args=[fraud.pk]), {}, format="json")
    allowed = api_for(client_user_a).post(reverse("hold-release", args=[client_hold.pk]), {"note": "go"},
                                          format="json")
    done = manager_api.post(reverse("hold-release", args=[fraud.pk]), {}, format="json")
    again = manager_api.post(reverse("hold-release", args=[fraud.pk]), {}, format="json")

    assert refused.status_code == 400
    assert allowed.status_code == 200
    assert allowed.json()["release_note"] == "go"
    assert done.json()["order_status"] == "received"
    assert again.status_code == 400


def test_client_user_cannot_see_or_release_other_clients_holds(api_for, client_user_a):
    other = HoldFactory(kind="client")

    assert api_for(client_user_a).post(reverse("hold-release", args=[other.pk]), {},
                                       format="json").status_code == 404


def test_order_hold_and_release_endpoints_create_and_close_holds(api_for, client_a, client_user_a):
    order = OrderFactory(channel__client=client_a)
    api = api_for(client_user_a)

    held = api.post(reverse("order-hold", args=[order.pk]), {"reason": "Wait for customer"}, format="json")
    assert held.json()["status"] == "on_hold"
    assert Hold.objects.get(order=order).kind == "client"
    released = api.post(reverse("order-release", args=[order.pk]), {}, format="json")
    assert released.json()["status"] == "received"
    other = OrderFactory()
    assert api.post(reverse("order-hold", args=[other.pk]), {"reason": "x"}, format="json").status_code == 404


def test_order_api_shows_rule_decisions(manager_api):
    order = order_with_lines(carrier_code="ups", tags=["vip"], priority=30)

    body = manager_api.get(reverse("order-detail", args=[order.pk])).json()

    assert (body["carrier_code"], body["tags"], body["priority"], body["allowed_warehouses"]) == ("ups", ["vip"], 30, [])
