"""Receiving in a real browser: the last expected unit chimes as finished, and a manager reverses a receipt booked
in error from the ASN page."""

import pytest

from core.choices import Role
from inventory.choices import InboundStatus, MovementKind
from inventory.control.receiving import inbound_create
from inventory.models import InboundShipment, StockMovement
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receiving_chimes_when_all_is_in_and_a_manager_reverses_the_receipt(page, live_server, login,
                                                                            screenshot_dir):
    merchant, warehouse = ClientFactory(name="Cascade Outdoor"), WarehouseFactory(code="SLC")
    LocationFactory(warehouse=warehouse, zone="A", code="A-01-01-A")
    ProductFactory(client=merchant, sku="BOOT-1", barcode="0001")
    asn = inbound_create(client=merchant, warehouse=warehouse, reference="PO-77",
                         lines=[{"sku": "BOOT-1", "quantity": 3}])
    login(page, make_user(Role.MANAGER).username)

    # When the receiver scans two units, then the last one
    page.goto(f"{live_server.url}/stock/inbound/{asn.pk}/")
    page.fill("[data-scan-input]", "0001")
    page.fill("input[name=quantity]", "2")
    page.press("[data-scan-input]", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("data-scan-sound") == "ok"
    page.fill("[data-scan-input]", "0001")
    page.fill("input[name=quantity]", "1")
    page.press("[data-scan-input]", "Enter")
    page.wait_for_load_state("networkidle")

    # Then the page chimes as finished and says what is next
    page.screenshot(path=str(screenshot_dir / "receiving-1-all-in.png"), full_page=True)
    assert page.locator("html").get_attribute("data-scan-sound") == "done"
    assert "Every expected unit is in: close the ASN." in page.locator(".messages").inner_text()

    # When the ASN is closed and then reversed with a reason
    page.click("text=Close and report differences to the client")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=reason]", "Keyed against the wrong client")
    page.screenshot(path=str(screenshot_dir / "receiving-2-reverse-form.png"), full_page=True)
    page.click("text=Reverse the receipt: take its units back out")
    page.wait_for_load_state("networkidle")

    # Then the units left the bin through the ledger and the trail names why
    page.screenshot(path=str(screenshot_dir / "receiving-3-reversed.png"), full_page=True)
    assert "ASN PO-77 reversed" in page.locator(".messages").inner_text()
    assert "Keyed against the wrong client" in page.content()
    assert InboundShipment.objects.get(pk=asn.pk).status == InboundStatus.REVERSED
    assert StockMovement.objects.get(kind=MovementKind.RECEIPT_REVERSAL).quantity == 3
