"""Billing in a real browser: a manager checks and finalises a draft on a desktop; a client user reads its
invoice and the month so far on a phone."""

import datetime
from decimal import Decimal

import pytest

from billing.choices import EventKind
from billing.models import Invoice
from billing.services import invoice_draft
from core.choices import Role
from tests.billing.factories import event, price_list, snapshot
from tests.factories import ClientFactory, WarehouseFactory, make_user
from warehouses.choices import LocationKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1440, "phone": 390}


def _world():
    client = ClientFactory(code="CASCADE", name="Cascade Outfitters", contact_email="ap@cascade.example")
    warehouse = WarehouseFactory(code="SLC", name="Salt Lake City")
    price_list(client, datetime.date(2026, 1, 1))
    for day in range(1, 29):
        on = datetime.date(2026, 2, day)
        event(client, EventKind.ORDER_SHIPPED, on, units=1 + day % 4, skus=1 + day % 2, boxes=1 + day % 5 // 4,
              cost=Decimal("0.85"), warehouse=warehouse)
        snapshot(client, warehouse, LocationKind.RESERVE, on, units=800, bins=12, volume_cm3=40_000_000)
    event(client, EventKind.RECEIPT, datetime.date(2026, 2, 9), units=480, cartons=16, minutes=150, warehouse=warehouse)
    event(client, EventKind.VAS, datetime.date(2026, 2, 12), service_code="kitting", quantity=Decimal("60"))
    return client, invoice_draft(client=client, period_start=datetime.date(2026, 2, 1))


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_manager_finalises_a_draft_and_a_client_reads_it_on_a_phone(browser, live_server, login, screenshot_dir):
    client, draft = _world()
    manager = make_user(Role.MANAGER)
    client_user = make_user(Role.CLIENT, client=client)

    for name, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        login(page, manager.username)
        page.goto(f"{live_server.url}/billing/invoices/{draft.pk}/")
        assert "Draft invoice" in page.locator("h1").inner_text()
        _fits(page, width)
        page.screenshot(path=str(screenshot_dir / f"billing-draft-{name}.png"), full_page=True)
        page.goto(f"{live_server.url}/billing/invoices/")
        _fits(page, width)
        page.screenshot(path=str(screenshot_dir / f"billing-invoices-{name}.png"), full_page=True)
        page.goto(f"{live_server.url}/billing/price-lists/")
        page.click("text=2026-01-01")
        page.wait_for_load_state("networkidle")  # its navigation may have committed on a still empty document
        _fits(page, width)
        page.screenshot(path=str(screenshot_dir / f"billing-price-list-{name}.png"), full_page=True)
        context.close()

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    login(page, manager.username)
    page.goto(f"{live_server.url}/billing/invoices/{draft.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Finalise')")
    page.wait_for_load_state("networkidle")
    assert "Invoice INV-000001" in page.locator("h1").inner_text()
    context.close()
    assert Invoice.objects.get(pk=draft.pk).number == "INV-000001"

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    login(page, client_user.username)
    page.goto(f"{live_server.url}/billing/invoices/")
    page.click("text=INV-000001")
    page.wait_for_load_state("networkidle")
    assert page.locator("button:has-text('Finalise')").count() == 0
    _fits(page, 390)
    page.screenshot(path=str(screenshot_dir / "billing-client-invoice-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/billing/estimate/")
    _fits(page, 390)
    page.screenshot(path=str(screenshot_dir / "billing-client-estimate-phone.png"), full_page=True)
    context.close()
