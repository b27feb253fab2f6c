"""A manager writes a rule, tries it on past orders, switches it on and sees it act on a new order."""

import datetime

import pytest
from django.utils import timezone

from core.choices import Role
from orders.holds.services import hold_place
from orders.intake.creation import order_create
from orders.models import Order, Rule, RuleRun
from tests.browser.nav import nav_click
from tests.factories import ProductFactory, SalesChannelFactory, make_user
from tests.rules.factories import order_with_lines, stock_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_writes_tries_and_switches_on_a_rule(page, live_server, login, screenshot_dir, client_a):
    manager = make_user(Role.MANAGER)
    for number, state, zip_code, days in (("PAST-AK", "AK", "99501", 3), ("PAST-SC", "SC", "29201", 2)):
        order = order_with_lines(client=client_a, order_number=number, ship_state=state, ship_postal_code=zip_code,
                                 lines=((f"{number}-SKU", 1, 100),))
        Order.objects.filter(pk=order.pk).update(received_at=timezone.now() - datetime.timedelta(days=days))
    login(page, manager.username)

    # writes the rule
    nav_click(page, "Orders", "Rules")
    page.get_by_role("link", name="New rule").click()
    page.fill("#id_name", "Alaska by FedEx")
    page.fill("#id_position", "10")
    page.select_option("#id_cond-0-field", "ship_state")
    assert page.input_value("#id_cond-0-op") == "in"  # the test box follows the field
    page.fill("#id_cond-0-value", "AK, HI")
    page.select_option("#id_act-0-type", "set_carrier")
    page.fill("#id_act-0-value", "fedex")
    page.select_option("#id_act-1-type", "add_tags")
    page.fill("#id_act-1-value", "alaska")
    page.screenshot(path=str(screenshot_dir / "rules-editor.png"), full_page=True)
    page.get_by_role("button", name="Save draft").click()

    # tries it on the past 30 days
    assert "Would have matched 1 of 2 orders" in page.locator("#try-result h2").inner_text()
    row = page.locator("#try-result tbody tr")
    assert row.count() == 1
    assert "PAST-AK" in row.inner_text()
    assert "carrier none → fedex; tags + alaska" in row.inner_text()
    page.screenshot(path=str(screenshot_dir / "rules-try.png"), full_page=True)
    assert not Order.objects.filter(carrier_code="fedex").exists()  # trying changed nothing

    # switches it on
    page.get_by_role("button", name="Switch on").click()
    assert "is on" in page.locator(".message-success").inner_text()
    assert Rule.objects.get().is_active
    page.screenshot(path=str(screenshot_dir / "rules-list.png"), full_page=True)

    # a new order arrives and the rule acts on it before routing
    channel = SalesChannelFactory(client=client_a)
    stock_for(ProductFactory(client=client_a, sku="PARKA-1"))
    new = order_create(channel=channel, order_number="NEW-AK", lines=[{"sku": "PARKA-1", "quantity": 1}],
                       ship_name="Sam North", ship_address1="420 L St", ship_city="Anchorage", ship_state="AK",
                       ship_postal_code="99501", ship_country="US", customer_email="sam@example.com")
    page.goto(f"{live_server.url}/orders/{new.pk}/")
    timeline = page.locator(".timeline").inner_text()
    assert "Rule “Alaska by FedEx” matched: carrier none → fedex; tags + alaska" in timeline
    assert timeline.index("Alaska by FedEx") < timeline.index("Routed to SLC")
    assert "Carrier: fedex" in page.locator("#rules-and-holds").inner_text()
    page.screenshot(path=str(screenshot_dir / "rules-order-acted-on.png"), full_page=True)


def test_manager_releases_holds_from_the_holds_page(page, live_server, login, screenshot_dir, client_a):
    manager = make_user(Role.MANAGER)
    for n, (kind, reason) in enumerate([("address", "ZIP 29201 is in SC, not NC."),
                                        ("fraud", "Billing country GB differs from shipping country US."),
                                        ("payment", "Not paid at the storefront (pending)."),
                                        ("fraud", "3 different customers ordered to this address in 24 hours.")]):
        order = order_with_lines(client=client_a, order_number=f"HELD-{n}", lines=((f"H{n}", 1, 10),))
        stock_for(order.lines.get().product)  # so that a released order is routed, not held for want of stock
        hold_place(order=order, kind=kind, reason=reason, actor="hold checks")
    login(page, manager.username)

    nav_click(page, "Orders", "Holds")
    assert page.locator('.tile[data-kind="fraud"] .n').inner_text() == "2"
    assert page.locator("#holds tbody tr").count() == 4
    page.screenshot(path=str(screenshot_dir / "holds-page.png"), full_page=True)

    row = page.locator("#holds tbody tr", has_text="HELD-2")
    row.locator("input[name=note]").fill("paid by phone")
    row.get_by_role("button", name="Release").click()

    assert "Payment hold on order HELD-2 released" in page.locator(".message-success").inner_text()
    assert page.locator('.tile[data-kind="payment"] .n').inner_text() == "0"
    assert page.locator("#holds tbody tr").count() == 3
    assert Order.objects.get(order_number="HELD-2").status == "allocated"


def test_manager_re_runs_the_active_rules_and_watches_the_run(page, live_server, login, screenshot_dir, client_a):
    manager = make_user(Role.MANAGER)
    order = order_with_lines(client=client_a, order_number="OPEN-1", lines=(("OPEN-SKU", 1, 100),))
    Rule.objects.create(name="Tag everything", is_active=True, actions=[{"type": "add_tags", "value": ["ruled"]}])
    login(page, manager.username)

    nav_click(page, "Orders", "Rules")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Re-run active rules on open orders").click()

    # eager Celery (no Redis here): the run is done by the time its page loads
    page.wait_for_selector('#rule-run[data-status="done"]')
    assert "Re-run #" in page.locator("h1").inner_text()
    assert page.locator('#rule-run [data-count="orders_changed"]').inner_text() == "1"
    page.screenshot(path=str(screenshot_dir / "rules-rerun.png"), full_page=True)
    order.refresh_from_db()
    assert order.tags == ["ruled"]

    page.get_by_role("link", name="Back to the rules").click()
    assert "Done" in page.locator("#rule-runs tbody tr").first.inner_text()


def test_an_open_run_page_updates_itself_until_the_run_ends(page, live_server, login):
    manager = make_user(Role.MANAGER)
    run = RuleRun.objects.create(status="running", orders_considered=2)
    login(page, manager.username)
    page.goto(f"{live_server.url}/orders/rules/runs/{run.pk}/")
    assert page.locator('#rule-run [data-count="orders_considered"]').inner_text() == "2"

    RuleRun.objects.filter(pk=run.pk).update(status="done", orders_considered=5)

    page.wait_for_selector('#rule-run[data-status="done"]', timeout=10_000)  # htmx polls every 2 s
    assert page.locator('#rule-run [data-count="orders_considered"]').inner_text() == "5"
    assert page.locator("#rule-run").get_attribute("hx-trigger") is None  # and stops polling
