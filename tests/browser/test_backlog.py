"""A manager opens the work backlog, sees what needs attention, retries a failed job, and the page keeps itself
up to date."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.choices import JobState, Role
from core.models import Job
from orders.choices import OrderStatus
from reports.backlog import DELIVERIES_TASK, ROUTING_TASK
from tests.browser.nav import nav_click
from tests.factories import OrderFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _jobs():
    now = timezone.now()
    for i, minutes in enumerate((25, 3, 0)):
        Job.objects.create(task=DELIVERIES_TASK, object_id=900 + i, run_after=now - datetime.timedelta(minutes=minutes))
    Job.objects.create(task=DELIVERIES_TASK, object_id=910, run_after=now + datetime.timedelta(minutes=5), attempts=2)
    Job.objects.create(task=ROUTING_TASK, object_id=920, run_after=now)
    order = OrderFactory(order_number="#BL-1", status=OrderStatus.RECEIVED)
    failed_route = Job.objects.create(
        task=ROUTING_TASK, object_id=order.pk, state=JobState.FAILED, attempts=6,
        last_error="OperationalError: canceling statement due to lock timeout")
    Job.objects.create(
        task="orders.tasks.rule_run_task", object_id=3, state=JobState.FAILED, attempts=1,
        last_error="ValueError: the rule “Alaska by FedEx” compares ship_postal_code with a list of 2,400 ZIP codes "
                   "that is longer than the rule editor allows; split it into several rules")
    Job.objects.create(task="shipping.tasks.shipment_documents_render", object_id=77, state=JobState.FAILED,
                       attempts=6, last_error="CarrierError: the carrier's label service answered 503")
    return order, failed_route


def test_manager_sees_the_backlog_and_retries_a_failed_job(browser, live_server, login, screenshot_dir):
    order, failed_route = _jobs()
    manager = make_user(Role.MANAGER)
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    login(page, manager.username)

    nav_click(page, "Reports", "Work backlog")
    assert page.locator("h1").inner_text() == "Work backlog"
    banner = page.locator(".state-banner")
    assert "Needs attention." in banner.inner_text()
    assert "Storefront deliveries to process: 3 job(s) due, the oldest waiting 25 min" in banner.inner_text()
    assert page.locator("[data-count=deliveries] .n").inner_text() == "4"
    assert page.locator("[data-count=orders] .n").inner_text() == "1"
    assert page.locator("[data-count=failed] .n").inner_text() == "3"
    deliveries = page.locator(f"tr[data-task='{DELIVERIES_TASK}'] td")
    assert deliveries.all_inner_texts() == ["Storefront deliveries to process", "3", "1", "0", "0", "25 min"]
    row = page.locator(f"tr[data-job='{failed_route.pk}']")
    assert row.get_by_role("link", name=f"order {order.pk}").get_attribute("href") == f"/orders/{order.pk}/"
    page.screenshot(path=str(screenshot_dir / "backlog-1440.png"), full_page=True)

    row.get_by_role("button", name="Retry").click()
    page.wait_for_load_state("networkidle")

    assert page.locator(".message-success").inner_text() == (
        f"The job for order {order.pk} (Orders waiting to be routed) ran again and is done.")
    assert page.locator(f"tr[data-job='{failed_route.pk}']").count() == 0
    assert page.locator("[data-count=failed] .n").inner_text() == "2"
    order.refresh_from_db()
    assert order.status != OrderStatus.RECEIVED
    page.screenshot(path=str(screenshot_dir / "backlog-1440-retried.png"), full_page=True)

    # the box refreshes itself: new work shows up without a reload
    Job.objects.create(task=ROUTING_TASK, object_id=921)
    expect(page.locator("[data-count=orders] .n")).to_have_text("2", timeout=20_000)  # no eval under the CSP
    assert page.locator(".message-success").count() == 1  # only the box was swapped, not the page
    context.close()


def test_backlog_reads_on_a_phone(browser, live_server, login, screenshot_dir):
    _jobs()
    manager = make_user(Role.MANAGER)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, manager.username)

    page.goto(f"{live_server.url}/reports/backlog/")
    page.screenshot(path=str(screenshot_dir / "backlog-390.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off the side
    retry = page.get_by_role("button", name="Retry").first
    retry.scroll_into_view_if_needed()
    assert retry.is_visible()
    context.close()
