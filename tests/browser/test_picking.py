"""A picker's shift in a real browser: open a list, print it, scan through it (with a wrong scan), sort, finish."""

import pytest
from pypdf import PdfReader

from core.choices import Role
from orders.choices import OrderStatus
from shipping.models import PickList
from shipping.picking.release import pick_list_release_batch, pick_list_release_single
from tests.factories import ClientFactory, ProductFactory, make_user
from tests.shipping.factories import allocated_order, make_floor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _cart():
    floor = make_floor(aisles=(1, 2, 3), bays=6)
    warehouse = floor["PACK-01"].warehouse
    merchant = ClientFactory(name="Cascade Outfitters")
    tent = ProductFactory(client=merchant, sku="CO-TNT-2P", name="Ridgeline 2-Person Tent", barcode="847123000018")
    lamp = ProductFactory(client=merchant, sku="CO-HL-400", name="Beacon 400 Headlamp", barcode="847123000025")
    socks = ProductFactory(client=merchant, sku="CO-SCK-3P", name="Merino Hiking Socks 3-pack",
                           barcode="847123000032")
    first = allocated_order(warehouse, [(lamp, floor["A-02-04-A"], 1), (tent, floor["A-01-02-A"], 1)],
                            order_number="#1001", ship_name="Avery Johnson")
    second = allocated_order(warehouse, [(lamp, floor["A-02-04-A"], 1), (socks, floor["A-03-05-A"], 2)],
                             order_number="#1002", ship_name="Mia Chen")
    return floor, (tent, lamp, socks), (first, second)


def _scan(page, code):
    """Type like a barcode scanner (code + Enter) and wait until htmx has swapped in the answer."""
    page.evaluate("""() => { window.__settled = false;
        document.body.addEventListener('htmx:afterSettle', () => { window.__settled = true; }, {once: true}); }""")
    field = page.locator("[data-scan-input]")
    field.fill(code)
    field.press("Enter")
    page.wait_for_function("() => window.__settled === true")


def test_picker_opens_prints_scans_with_a_wrong_scan_and_finishes(browser, live_server, login, screenshot_dir):
    floor, (tent, lamp, socks), orders = _cart()
    pick_list = pick_list_release_batch(warehouse=floor["PACK-01"].warehouse, orders=list(orders))
    picker = make_user(Role.PICKER)

    # The printed list, as the browser prints it (print media, Letter)
    desk = browser.new_context(viewport={"width": 1100, "height": 1400})
    paper = desk.new_page()
    login(paper, picker.username)
    paper.goto(f"{live_server.url}/picking/{pick_list.pk}/print/")
    paper.emulate_media(media="print")
    assert not paper.locator(".toolbar").is_visible()
    printed = paper.locator("table.stops").inner_text()
    assert printed.index("A-01-02-A") < printed.index("A-02-04-A") < printed.index("A-03-05-A")
    assert paper.locator("svg.barcode").count() == 1
    paper.screenshot(path=str(screenshot_dir / "picking-print-media.png"), full_page=True)
    paper.pdf(path=str(screenshot_dir / "picking-print-from-browser.pdf"), prefer_css_page_size=True)
    desk.close()
    browser_pdf = PdfReader(str(screenshot_dir / "picking-print-from-browser.pdf"))
    assert "Page 1 of 1" in browser_pdf.pages[0].extract_text()  # the @page counters print on paper
    assert round(float(browser_pdf.pages[0].mediabox.width)) == 612  # Letter for a US warehouse

    # On the phone: scan the list's barcode, start, and walk the stops
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, picker.username)
    page.goto(f"{live_server.url}/picking/")
    page.fill("#open-code", pick_list.number)
    page.press("#open-code", "Enter")
    page.get_by_role("button", name="Start picking").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".loc-code").inner_text() == "A-01-02-A"

    _scan(page, "A-01-02-A")
    assert "Location OK" in page.locator(".scan-feedback").inner_text()
    _scan(page, lamp.barcode)  # the wrong item
    alert = page.get_by_role("alert")
    assert "WRONG ITEM" in alert.inner_text()
    assert "Nothing was counted" in alert.inner_text()
    page.screenshot(path=str(screenshot_dir / "picking-scanner-wrong-item.png"), full_page=True)
    assert PickList.objects.get(pk=pick_list.pk).lines.get(location=floor["A-01-02-A"]).picked_quantity == 0

    _scan(page, tent.barcode)
    assert "TOTE 1" in page.locator(".scan-feedback").inner_text()
    _scan(page, "A-03-05-A")  # the wrong location
    assert "WRONG LOCATION" in page.get_by_role("alert").inner_text()
    _scan(page, "A-02-04-A")
    page.screenshot(path=str(screenshot_dir / "picking-scanner-totes.png"), full_page=True)
    _scan(page, lamp.barcode)
    _scan(page, lamp.barcode)
    _scan(page, "A-03-05-A")
    _scan(page, socks.barcode)
    _scan(page, socks.sku)
    page.screenshot(path=str(screenshot_dir / "picking-scanner-done.png"), full_page=True)
    page.get_by_role("button", name="Complete list").click()
    page.wait_for_load_state("networkidle")

    # Sorting the cart into the orders' totes
    assert "Sort" in page.title()
    for code in (tent.barcode, lamp.barcode, lamp.barcode, socks.barcode):
        _scan(page, code)
    page.screenshot(path=str(screenshot_dir / "picking-sorted.png"), full_page=True)
    _scan(page, socks.barcode)
    assert "READY FOR PACKING" in page.locator("#sorter").inner_text().upper()
    for order in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.PICKED
    context.close()


def test_manager_releases_and_sees_the_lists(page, live_server, login, screenshot_dir):
    floor, _, orders = _cart()
    extra = allocated_order(floor["PACK-01"].warehouse, [(ProductFactory(), floor["A-01-06-A"], 9)],
                            order_number="#1003")
    pick_list_release_single(order=extra)
    manager = make_user(Role.MANAGER)
    login(page, manager.username)

    page.goto(f"{live_server.url}/picking/")
    page.locator("form:has(input[value=batch]) button").click()
    page.wait_for_load_state("networkidle")

    assert "Released batch" in page.locator(".messages").inner_text()
    assert "#1002" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "picking-batch-detail.png"), full_page=True)
    page.goto(f"{live_server.url}/picking/")
    assert page.locator("table.pick-lists tbody tr").count() == 2
    page.screenshot(path=str(screenshot_dir / "picking-manager-release.png"), full_page=True)
