import pytest

from core.choices import Role
from orders.routing import order_route
from tests.browser.nav import nav_click
from tests.factories import ClientFactory, ProductFactory, make_user
from tests.orders.factories import nashville, order_with_lines, put_stock, salt_lake_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMBIA = {"ship_name": "Avery Johnson", "ship_city": "Columbia", "ship_state": "SC", "ship_postal_code": "29201",
            "ship_country": "US"}


def test_manager_sees_split_parts_reservations_and_backorders(page, live_server, login, screenshot_dir):
    slc, nsh = salt_lake_city(), nashville()
    merchant = ClientFactory(name="Cascade Outfitters", allow_split_shipments=True)
    tent = ProductFactory(client=merchant, sku="CO-TNT-2P", name="Ridgeline 2-Person Tent")
    lamp = ProductFactory(client=merchant, sku="CO-HL-400", name="Beacon 400 Headlamp")
    stove = ProductFactory(client=merchant, sku="CO-STV-TI", name="Titanium Stove")
    put_stock(tent, 4, warehouse=slc)
    put_stock(lamp, 1, warehouse=nsh)
    put_stock(lamp, 6, warehouse=nsh, lot_number="L2601")
    order = order_with_lines(merchant, [(tent, 1), (lamp, 3), (stove, 2)], order_number="1001", **COLUMBIA)
    order_route(order=order)
    manager = make_user(Role.MANAGER)
    login(page, manager.username)

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    assert "Split into 3 parts" in page.locator("#split-parts").inner_text()
    page.screenshot(path=str(screenshot_dir / "routing-split-order.png"), full_page=True)
    page.get_by_role("link", name="1001-1").click()
    reserved = page.locator("#reservations").inner_text()
    assert "NSH" in reserved
    assert "L2601" in reserved
    page.screenshot(path=str(screenshot_dir / "routing-part-reservations.png"), full_page=True)

    nav_click(page, "Orders", "Backorders")
    assert "CO-STV-TI" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "routing-backorders.png"), full_page=True)
