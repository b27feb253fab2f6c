"""Returns in a real browser: a customer on a phone, a receiver at the returns desk, a manager's review."""

import datetime

import pytest

from core.choices import Role
from inventory.models import StockMovement
from returns.choices import ReturnStatus
from returns.models import FeedbackCase, ReturnAuthorization
from returns.surveys import survey_email_send, survey_schedule_due, survey_token
from shipping.carriers.base import TrackingUpdate
from shipping.choices import TrackingSource
from shipping.tracking.services import tracking_event_record
from tests.browser.nav import nav_click
from tests.factories import make_user
from tests.returns.factories import delivered_order, make_setup, open_return
from tests.shipping.tracking_helpers import shipped_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_opens_a_return_on_a_phone(browser, live_server, screenshot_dir):
    setup = make_setup(quantities=(2, 1))
    line = setup.lines[0]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()

    page.goto(f"{live_server.url}/returns/start/")
    page.fill("#id_order_number", setup.order.order_number)
    page.fill("#id_email_or_postcode", "29201")
    page.screenshot(path=str(screenshot_dir / "returns-customer-1-lookup-phone.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == f"Order {setup.order.order_number}"
    page.select_option(f"select[name=qty_{line.pk}]", "1")
    page.select_option(f"select[name=reason_{line.pk}]", "too_small")
    page.screenshot(path=str(screenshot_dir / "returns-customer-2-items-phone.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    rma = ReturnAuthorization.objects.get()
    assert page.locator("h1").inner_text() == f"Return {rma.number}"
    assert page.get_by_role("link", name="Print the return label").is_visible()
    assert rma.status == ReturnStatus.AUTHORISED
    # nothing on the page is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "returns-customer-3-status-phone.png"), full_page=True)
    context.close()


def test_receiver_inspects_a_return_at_the_desk(page, live_server, login, screenshot_dir):
    setup = make_setup(quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[0], 2, "too_small"), (setup.lines[1], 1, "damaged")])
    picker = make_user(Role.PICKER)
    login(page, picker.username)

    page.goto(f"{live_server.url}/returns/desk/")
    page.fill("#id_number", rma.number)
    page.press("#id_number", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith(f"Receive {rma.number}")
    # first unit: restock to a pick face
    page.fill("#id_barcode", setup.lines[0].product.barcode)
    page.check("input[name=disposition][value=restock]")
    page.select_option("#id_location", str(setup.pick.pk))
    page.fill("#id_condition_note", "sealed")
    page.click("form.receive-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    # the damaged one: dispose with a reason
    page.fill("#id_barcode", setup.lines[1].product.sku)
    page.check("input[name=disposition][value=dispose]")
    page.fill("#id_condition_note", "box crushed, item broken")
    page.click("form.receive-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".message-success").inner_text().startswith(f"1 × {setup.lines[1].product.sku}")
    page.screenshot(path=str(screenshot_dir / "returns-desk-receiving.png"), full_page=True)
    page.click("text=Finish inspection")
    page.wait_for_load_state("networkidle")

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.INSPECTED
    assert page.locator("h1").inner_text().startswith(f"Return {rma.number}")
    assert "1 × " in page.locator(".timeline").inner_text()
    assert StockMovement.objects.filter(reference=rma.number).count() == 3  # restock in, dispose in + out
    page.screenshot(path=str(screenshot_dir / "returns-desk-inspected.png"), full_page=True)


def test_manager_reviews_returns_by_reason(page, live_server, login, screenshot_dir):
    setup = make_setup(quantities=(6, 4))
    for line, qty, reason in [(setup.lines[0], 2, "wrong_item"), (setup.lines[1], 1, "damaged"),
                              (setup.lines[0], 1, "too_small"), (setup.lines[1], 2, "damaged")]:
        open_return(setup.order, [(line, qty, reason)])
    other = delivered_order()
    open_return(other, [(other.lines.first(), 1, "no_longer_needed")])
    manager = make_user(Role.MANAGER)
    login(page, manager.username)

    nav_click(page, "Returns", "All returns")
    page.select_option("#id_reason", "damaged")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(screenshot_dir / "returns-manager-list-damaged.png"), full_page=True)
    page.locator("main").get_by_role("link", name="Analytics", exact=True).click()
    page.wait_for_load_state("networkidle")

    table = page.locator("table.reasons-table")
    headers = [h.strip().lower() for h in table.locator("thead th").all_text_contents()]
    assert {"wrong item sent", "arrived damaged", "too small", "no longer needed"} <= set(headers)
    totals = table.locator("tr.total td").all_inner_texts()
    assert totals[headers.index("arrived damaged")] == "3"
    assert page.get_by_text("Mistakes traced to the floor").is_visible()
    page.screenshot(path=str(screenshot_dir / "returns-manager-analytics.png"), full_page=True)


def test_customer_answers_the_survey_on_a_phone(browser, live_server, screenshot_dir):
    order = delivered_order(delivered_days_ago=4)
    survey_schedule_due()
    survey = order.feedback_survey
    survey_email_send(survey_id=survey.pk)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()

    page.goto(f"{live_server.url}/returns/feedback/{survey_token(survey=survey)}/")
    page.click("label.rating-choice:has-text('2')")
    page.check("input[name=anything_wrong][value=yes]")
    page.check("input[name=problems][value=wrong_item]")
    page.fill("textarea[name=comment]", "Got the blue one, ordered green.")
    page.screenshot(path=str(screenshot_dir / "returns-survey-phone.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == "Thank you!"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert FeedbackCase.objects.get().problems == ["wrong_item"]
    page.screenshot(path=str(screenshot_dir / "returns-survey-thanks-phone.png"), full_page=True)
    context.close()


def test_manager_sees_tracking_timeline_and_delivery_exceptions(page, live_server, login, screenshot_dir):
    order, shipment = shipped_order(packages=2)
    first, second = shipment.packages.order_by("number")
    start = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.UTC)
    for package, status, hours, where, text in [
        (first, "in_transit", 0, "Salt Lake City, UT", "Departed facility"),
        (first, "out_for_delivery", 40, "Columbia, SC", ""),
        (first, "delivered", 44, "Columbia, SC", "Left at front door"),
        (second, "in_transit", 1, "Salt Lake City, UT", ""),
        (second, "exception", 30, "Atlanta, GA", "Address problem: apartment number missing"),
    ]:
        tracking_event_record(carrier=package.carrier, source=TrackingSource.WEBHOOK, update=TrackingUpdate(
            package.tracking_number, status, start + datetime.timedelta(hours=hours), location=where,
            description=text))
    manager = make_user(Role.MANAGER)
    login(page, manager.username)

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    assert page.get_by_text("Left at front door").is_visible()
    assert page.get_by_text("Exception: Address problem: apartment number missing").is_visible()
    page.screenshot(path=str(screenshot_dir / "tracking-order-timeline.png"), full_page=True)
    nav_click(page, "Shipping", "Tracking")
    assert page.get_by_text("apartment number missing").is_visible()
    page.screenshot(path=str(screenshot_dir / "tracking-deliveries.png"), full_page=True)
