"""A packer scans an order through at the pack station, a wrong item included, confirms the box and prints
the label."""

import pytest

from core.choices import Role
from orders.choices import OrderStatus
from shipping.choices import ScanResult
from shipping.models import PackScan, Shipment
from shipping.rate_cards import rate_cards_load
from tests.factories import ProductFactory, WarehouseFactory, make_user
from tests.shipping.conftest import _light_rate_cards
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_packer_scans_wrong_item_confirms_box_and_prints_label(page, live_server, login, screenshot_dir):
    # Given a picked order at SLC, its boxes and the carriers' rate cards
    rate_cards_load(files=_light_rate_cards())
    warehouse = WarehouseFactory(code="SLC")
    order = make_picked_order(warehouse=warehouse, ship_name="Mia Chen", ship_address1="400 Pine St",
                              ship_city="Seattle", ship_state="WA", ship_postal_code="98101")
    BoxTypeFactory(warehouse=warehouse, code="S-10x8x6", name="Small", inner_length_mm=254, inner_width_mm=203,
                   inner_height_mm=152, tare_weight_g=180)
    BoxTypeFactory(warehouse=warehouse, code="M-14x10x8", name="Medium", inner_length_mm=356, inner_width_mm=254,
                   inner_height_mm=203, tare_weight_g=320)
    wrong = ProductFactory(client=order.client, sku="CO-WRONG", name="Wrong Headlamp", barcode="847123009999")
    packer = make_user(Role.PACKER, warehouses=[warehouse])
    login(page, packer.username)

    # When the packer scans the order number at the station
    page.goto(f"{live_server.url}/packing/")
    page.fill("#id_code", order.order_number)
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_barcode")
    assert "Pack " + order.order_number in page.locator("h1").inner_text()

    # and scans a wrong item: refused loudly and recorded
    page.fill("#id_barcode", wrong.barcode)
    page.keyboard.press("Enter")
    refusal = page.get_by_test_id("refusal")
    refusal.wait_for()
    assert "WRONG ITEM: CO-WRONG" in refusal.inner_text()
    page.screenshot(path=str(screenshot_dir / "pack-station-refusal.png"), full_page=True)
    assert PackScan.objects.filter(result=ScanResult.WRONG_ITEM, user=packer).count() == 1

    # then every unit of the order
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            page.fill("#id_barcode", line.product.barcode)
            page.keyboard.press("Enter")
            page.wait_for_load_state("networkidle")
    page.wait_for_selector("#confirm-pack")
    assert "recommended" in page.locator("#id_box_1 option:checked").inner_text()
    page.screenshot(path=str(screenshot_dir / "pack-station-recommended-box.png"), full_page=True)

    # confirms the box with the scale's weight, buys the label
    page.fill("#id_weight_1", "2.4")
    page.click("#confirm-pack")
    page.wait_for_selector("#buy-label")
    page.click("#buy-label")
    page.wait_for_selector("#print-label-1")
    page.screenshot(path=str(screenshot_dir / "pack-station-labelled.png"), full_page=True)

    # and prints it: the label PDF opens
    with page.expect_popup() as popup_info:
        page.click("#print-label-1")
    popup = popup_info.value
    shipment = Shipment.objects.get(order=order)
    package = shipment.packages.get()
    response = page.request.get(f"{live_server.url}/packing/packages/{package.pk}/label.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    (screenshot_dir / "pack-station-label.pdf").write_bytes(response.body())
    popup.close()

    # Then handing it over ships the order
    page.click("#hand-over")
    page.wait_for_selector("#id_code")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert package.tracking_number
