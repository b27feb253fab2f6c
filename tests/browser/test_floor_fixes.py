"""The returns desk's first try and the error pages, in a real browser at desk width."""

import pytest

from core.choices import Role
from inventory.choices import MovementKind
from inventory.models import StockMovement
from inventory.services import stock_adjust
from tests.factories import make_user
from tests.returns.factories import make_setup, open_return

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_desk_restocks_to_the_suggested_bin_on_the_first_try_and_chimes_when_all_is_in(page, live_server, login, screenshot_dir):
    setup = make_setup(quantities=(2, 1))
    product = setup.lines[0].product
    stock_adjust(product=product, location=setup.reserve, quantity=2, reason="counted")
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    login(page, make_user(Role.PICKER).username)

    page.goto(f"{live_server.url}/returns/desk/")
    page.fill("#id_number", rma.number)
    page.press("#id_number", "Enter")
    page.wait_for_load_state("networkidle")
    page.fill("#id_barcode", product.barcode)
    page.screenshot(path=str(screenshot_dir / "floor-desk-1-suggested.png"), full_page=True)
    page.press("#id_barcode", "Enter")
    page.wait_for_load_state("networkidle")

    page.screenshot(path=str(screenshot_dir / "floor-desk-2-restocked.png"), full_page=True)
    assert StockMovement.objects.get(kind=MovementKind.RETURN).to_location == setup.reserve
    assert f"to {setup.reserve.code}" in page.locator(".messages").inner_text()
    # the return's only item is in: the finished chime, not the single-scan beep
    assert page.locator("html").get_attribute("data-scan-sound") == "done"


def test_error_pages_keep_the_navigation(page, live_server, login, screenshot_dir):
    login(page, make_user(Role.PICKER).username)

    forbidden = page.goto(f"{live_server.url}/returns/new/")
    page.screenshot(path=str(screenshot_dir / "floor-403.png"), full_page=True)
    assert forbidden.status == 403
    assert page.locator("nav.mainnav").is_visible()
    missing = page.goto(f"{live_server.url}/no-such-page/")
    page.screenshot(path=str(screenshot_dir / "floor-404.png"), full_page=True)
    assert missing.status == 404
    assert page.locator("nav.mainnav").is_visible()
