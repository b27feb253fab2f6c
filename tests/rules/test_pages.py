"""The rule pages and the holds page, through Django's test client."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.holds.services import hold_place
from orders.models import Hold, Rule, RuleRun, RuleRunError
from tests.factories import OrderFactory, ProductFactory, make_user
from tests.rules.factories import HoldFactory, RuleFactory, order_with_lines

pytestmark = pytest.mark.django_db


def rows(conditions=(), actions=()):
    data = {"cond-TOTAL_FORMS": str(len(conditions)), "cond-INITIAL_FORMS": "0",
            "act-TOTAL_FORMS": str(len(actions)), "act-INITIAL_FORMS": "0"}
    for i, (field, op, value) in enumerate(conditions):
        data.update({f"cond-{i}-field": field, f"cond-{i}-op": op, f"cond-{i}-value": value})
    for i, (kind, value) in enumerate(actions):
        data.update({f"act-{i}-type": kind, f"act-{i}-value": value})
    return data


def test_manager_writes_a_rule_on_the_page(client, manager, client_a):
    ProductFactory(client=client_a, sku="FLYER-01")
    client.force_login(manager)

    response = client.post(reverse("rules:create"), {
        "name": "Flyer for big orders", "client": client_a.pk, "position": "10", "description": "",
        **rows([("order_total", "gte", "100"), ("", "in", "")], [("add_insert", "FLYER-01 x 2"), ("", "")]),
    })

    rule = Rule.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("rules:try", args=[rule.pk])
    assert (rule.is_active, rule.conditions, rule.actions) == (False, [
        {"field": "order_total", "op": "gte", "value": "100.00"}], [
        {"type": "add_insert", "value": {"sku": "FLYER-01", "quantity": 2}}])


def test_invalid_rule_shows_errors_on_the_page(client, manager):
    client.force_login(manager)

    response = client.post(reverse("rules:create"), {
        "name": "Broken", "position": "10", **rows([("order_total", "gt", "many")], [("hold", "")]),
    })

    assert response.status_code == 400
    text = response.content.decode()
    assert "Condition 1 (Order total): &#x27;many&#x27; is not a number." in text
    assert "Action 1 (Put on hold): a hold needs a reason." in text
    assert 'value="many"' in text  # what the manager typed stays in the box
    assert not Rule.objects.exists()


def test_editing_shows_saved_values(client, manager):
    rule = RuleFactory(conditions=[{"field": "ship_state", "op": "in", "value": ["AK", "HI"]}],
                       actions=[{"type": "hold_until", "value": {"days": 2}}])
    client.force_login(manager)

    text = client.get(reverse("rules:edit", args=[rule.pk])).content.decode()

    assert 'value="AK, HI"' in text
    assert 'value="2"' in text


def test_try_page_and_switch(client, manager, client_a):
    order_with_lines(client=client_a, ship_state="AK", order_number="AK-9")
    rule = RuleFactory(is_active=False, conditions=[{"field": "ship_state", "op": "in", "value": ["AK"]}])
    client.force_login(manager)

    text = client.get(reverse("rules:try", args=[rule.pk]), {"days": 7}).content.decode()
    assert "Would have matched 1 of 1 order received in the last 7 days" in text
    assert "AK-9" in text
    assert "tags + ruled" in text

    client.post(reverse("rules:switch", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active


def test_rule_list_and_rerun(client, manager, django_assert_max_num_queries, django_capture_on_commit_callbacks):
    for _ in range(4):
        RuleFactory()
    order = order_with_lines()
    RuleRun.objects.create(status="done", orders_considered=7)
    client.force_login(manager)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("rules:list"))
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("rules:rerun"))
    run = RuleRun.objects.latest("pk")
    page = client.get(started.url)

    order.refresh_from_db()
    assert started.status_code == 302
    assert started.url == reverse("rules:run", args=[run.pk])
    assert order.tags == ["ruled"]
    # the first rule adds the tag; the other three match but change nothing, so only one timeline entry
    assert list(order.events.filter(actor__startswith="rule").values_list("note", flat=True)) == [
        f"Rule “{Rule.objects.order_by('position').first().name}” matched: tags + ruled"]
    assert (run.status, run.orders_considered, run.orders_matched, run.orders_changed) == ("done", 1, 1, 1)
    body = page.content.decode()
    assert f"Re-run #{run.pk} of the active rules on the open orders started." in body
    assert 'data-status="done"' in body
    assert 'data-count="orders_changed">1<' in body
    assert "hx-trigger" not in body  # a finished run stops refreshing
    listed = client.get(reverse("rules:list")).content.decode()
    assert reverse("rules:run", args=[run.pk]) in listed


def test_an_open_run_page_refreshes_itself_and_a_second_rerun_is_refused(client, manager):
    running = RuleRun.objects.create(status="running", orders_considered=3)
    client.force_login(manager)

    page = client.get(reverse("rules:run", args=[running.pk]))
    poll = client.get(reverse("rules:run", args=[running.pk]), headers={"HX-Request": "true"})
    refused = client.post(reverse("rules:rerun"), follow=True)

    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert poll.content.decode().lstrip().startswith('<section id="rule-run"')  # the status box alone
    assert 'data-count="orders_considered">3<' in poll.content.decode()
    assert refused.redirect_chain == [(reverse("rules:run", args=[running.pk]), 302)]
    assert f"already being re-run (run #{running.pk}, running)" in refused.content.decode()
    assert RuleRun.objects.count() == 1


def test_a_run_page_lists_the_failed_orders_with_why_and_links_to_them(client, manager):
    order = OrderFactory(order_number="WEB-1042")
    run = RuleRun.objects.create(status="done", orders_considered=3, errors=1)
    RuleRunError.objects.create(run=run, order=order, message="Warehouse DAL is closed")
    client.force_login(manager)

    body = client.get(reverse("rules:run", args=[run.pk])).content.decode()

    assert f'<a href="{reverse("orders:detail", args=[order.pk])}">WEB-1042</a>' in body
    assert "Warehouse DAL is closed" in body
    assert "data-failures-capped" not in body


def test_a_run_page_says_when_only_the_first_failures_are_listed(client, manager):
    run = RuleRun.objects.create(status="done", orders_considered=250, errors=240)
    RuleRunError.objects.create(run=run, order=OrderFactory(), message="Refused")
    client.force_login(manager)

    body = client.get(reverse("rules:run", args=[run.pk])).content.decode()

    assert "The first 1 of 240 are listed." in body


def test_a_run_page_query_count_does_not_grow_with_its_failures(client, manager):
    run = RuleRun.objects.create(status="done")
    client.force_login(manager)

    def queries_with(failures: int) -> int:
        for _ in range(failures - run.failures.count()):
            RuleRunError.objects.create(run=run, order=OrderFactory(), message="Refused")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("rules:run", args=[run.pk]))
        assert response.content.decode().count("<td>Refused</td>") == failures
        return len(captured)

    assert queries_with(1) == queries_with(6)


def test_rule_pages_are_for_managers(client, client_user_a):
    client.force_login(client_user_a)
    assert client.get(reverse("rules:list")).status_code == 403
    assert client.get(reverse("rules:create")).status_code == 403
    assert client.get(reverse("rules:run", args=[RuleRun.objects.create().pk])).status_code == 403


def test_holds_page_counts_by_reason_and_releases(client, manager, django_assert_max_num_queries):
    for kind in ("fraud", "fraud", "payment", "manual"):
        HoldFactory(kind=kind)
    client.force_login(manager)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("holds:list"))
    counts = {k: n for k, _, n in response.context["counts"]}
    assert (counts["fraud"], counts["payment"], counts["manual"], counts["address"]) == (2, 1, 1, 0)

    fraud_only = client.get(reverse("holds:list"), {"kind": "fraud"})
    assert len(fraud_only.context["page"]) == 2

    hold = Hold.objects.filter(kind="payment").get()
    client.post(reverse("holds:release", args=[hold.pk]), {"note": "paid by phone"})
    hold.refresh_from_db()
    assert (hold.released_by, hold.release_note) == (manager, "paid by phone")
    released = client.get(reverse("holds:list"), {"state": "released"})
    assert [h.pk for h in released.context["page"]] == [hold.pk]


def test_client_user_sees_and_releases_only_its_own_holds(client, client_a, client_user_a):
    mine = HoldFactory(order__channel__client=client_a, kind="client")
    warehouse_hold = HoldFactory(order=mine.order, kind="fraud")
    HoldFactory(kind="client")  # another client's
    client.force_login(client_user_a)

    page = client.get(reverse("holds:list"))
    assert {h.pk for h in page.context["page"]} == {mine.pk, warehouse_hold.pk}
    assert "by the warehouse" in page.content.decode()

    refused = client.post(reverse("holds:release", args=[warehouse_hold.pk]), follow=True,
                          HTTP_REFERER=reverse("holds:list"))
    assert "released by the warehouse, not by the client" in refused.content.decode()
    client.post(reverse("holds:release", args=[mine.pk]))
    mine.refresh_from_db()
    warehouse_hold.refresh_from_db()
    assert (mine.is_open, warehouse_hold.is_open) == (False, True)


def test_address_correction_page(client, manager):
    order = OrderFactory(ship_state="NC")
    hold = hold_place(order=order, kind="address", reason="ZIP 29201 is in SC, not NC.")
    client.force_login(manager)
    url = reverse("holds:address", args=[hold.pk])
    form = {"ship_name": "Avery", "ship_address1": "1200 Senate St", "ship_city": "Columbia",
            "ship_postal_code": "29201", "ship_country": "US"}

    still_bad = client.post(url, {**form, "ship_state": "NC"})
    assert "ZIP 29201 is in SC, not NC." in still_bad.content.decode()
    hold.refresh_from_db()
    assert hold.is_open

    fixed = client.post(url, {**form, "ship_state": "SC"})
    assert fixed.status_code == 302
    hold.refresh_from_db()
    order.refresh_from_db()
    assert (hold.is_open, order.status, order.ship_state) == (False, "received", "SC")


def test_order_page_shows_holds_and_rule_decisions(client, manager):
    order = order_with_lines(carrier_code="freightco", tags=["wholesale"])
    hold_place(order=order, kind="fraud", reason="Billing country NG differs")
    client.force_login(manager)

    text = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "Carrier: freightco" in text
    assert "wholesale" in text
    assert "Billing country NG differs" in text


def test_navigation_shows_rules_to_managers_only(client, manager):
    client.force_login(manager)
    orders = client.get(reverse("rules:list")).context["nav_items"][0]
    links = {link.label: link for link in orders.links}
    assert (orders.label, orders.current) == ("Orders", True)
    assert links["Rules"].current
    assert not links["All orders"].current
    client.force_login(make_user("client"))
    labels = [link.label for link in client.get(reverse("holds:list")).context["nav_items"][0].links]
    assert "Holds" in labels
    assert "Rules" not in labels
