"""The main navigation in a real browser: one row on a desktop for every role, dropdowns by mouse and keyboard,
direct links for the floor, the ☰ Menu toggle on a phone, and nothing of it on paper."""

import pytest

from core.choices import Role
from shipping.picking.release import pick_list_release_single
from tests.factories import ClientFactory, UserFactory, make_user
from tests.shipping.factories import allocated_order, make_floor, product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}


def _nav(page):
    return page.get_by_role("navigation", name="Main")


def _top_level(page):
    return page.locator(".mainnav .nav-items > li")


def _assert_one_row(page):
    """Every top-level item and the log-out button sit on one row, and the bar is not two items tall."""
    boxes = [_top_level(page).nth(i).bounding_box() for i in range(_top_level(page).count())]
    boxes.append(page.locator(".topbar .logout").bounding_box())
    tops = {round(box["y"] + box["height"] / 2) for box in boxes}
    assert len(tops) == 1, f"items on more than one row: {boxes}"
    item_height = max(box["height"] for box in boxes)
    assert page.locator(".topbar").bounding_box()["height"] < 2 * item_height


def _summary(page, label):
    return _nav(page).locator("summary", has_text=label)


def test_manager_nav_is_one_row_and_a_dropdown_opens_and_navigates(browser, live_server, login, screenshot_dir):
    manager = UserFactory(role=Role.MANAGER, is_staff=True)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    login(page, manager.username)

    sections = [s.strip() for s in _nav(page).locator("summary").all_inner_texts()]
    assert [s.rstrip("▾ ") for s in sections] == ["Orders", "Shipping", "Stock", "Returns", "Billing", "Reports", "Admin"]
    _assert_one_row(page)
    assert not _nav(page).get_by_role("link", name="Cycle counts").is_visible()
    page.screenshot(path=str(screenshot_dir / "nav-manager-1366.png"))

    _summary(page, "Stock").click()
    assert _nav(page).get_by_role("link", name="Cycle counts").is_visible()
    _assert_one_row(page)  # the open menu floats over the page instead of pushing the bar down
    page.screenshot(path=str(screenshot_dir / "nav-manager-1366-stock-open.png"))

    _summary(page, "Returns").click()  # opening another section closes the first
    assert not _nav(page).get_by_role("link", name="Cycle counts").is_visible()
    _summary(page, "Stock").click()
    _nav(page).get_by_role("link", name="Cycle counts").click()
    page.wait_for_url(f"{live_server.url}/stock/counts/")

    assert page.locator("h1").inner_text() == "Cycle counts"
    assert _summary(page, "Stock").get_attribute("aria-current") == "true"
    assert _nav(page).locator("[aria-current]").count() == 2  # the section and the page in it, nothing else
    assert _nav(page).get_by_role("link", name="Cycle counts", include_hidden=True).get_attribute("aria-current") == "page"

    page.set_viewport_size({"width": 1440, "height": 900})
    _assert_one_row(page)
    context.close()


def test_manager_works_the_dropdowns_with_the_keyboard(page, live_server, login):
    manager = make_user(Role.MANAGER)
    login(page, manager.username)

    _summary(page, "Orders").focus()
    page.keyboard.press("Enter")
    assert _nav(page).get_by_role("link", name="Backorders").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "All orders"
    page.keyboard.press("Escape")
    assert not _nav(page).get_by_role("link", name="Backorders").is_visible()
    assert page.evaluate("document.activeElement.textContent").startswith("Orders")

    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/orders/backorders/")

    assert page.locator("h1").inner_text().startswith("Backorders")
    assert _summary(page, "Orders").get_attribute("aria-current") == "true"


@pytest.mark.parametrize("role", [Role.PICKER, Role.PACKER, Role.CLIENT])
def test_every_role_gets_one_row_on_a_laptop(browser, live_server, login, screenshot_dir, role):
    extra = {"client": ClientFactory()} if role == Role.CLIENT else {}
    user = make_user(role, **extra)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    login(page, user.username)

    _assert_one_row(page)
    page.screenshot(path=str(screenshot_dir / f"nav-{role}-1366.png"))
    context.close()


def test_picker_sees_direct_links_with_big_tap_targets(browser, live_server, login, screenshot_dir):
    picker = make_user(Role.PICKER)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    login(page, picker.username)

    links = _nav(page).locator(".nav-items > li > a")
    assert links.all_inner_texts() == ["Pick lists", "Orders", "Stock", "Returns desk"]
    assert _nav(page).locator("summary").count() == 0
    assert all(links.nth(i).bounding_box()["height"] >= 44 for i in range(links.count()))

    links.filter(has_text="Pick lists").click()
    page.wait_for_url(f"{live_server.url}/picking/")

    assert _nav(page).get_by_role("link", name="Pick lists").get_attribute("aria-current") == "page"
    page.screenshot(path=str(screenshot_dir / "nav-picker-pick-lists.png"))
    context.close()


def test_manager_on_a_phone_opens_the_menu_and_a_section(browser, live_server, login, screenshot_dir):
    manager = make_user(Role.MANAGER)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, manager.username)
    assert not _summary(page, "Orders").is_visible()

    page.click("label.nav-toggle-label")
    assert _summary(page, "Returns").is_visible()
    _summary(page, "Returns").click()
    assert _nav(page).get_by_role("link", name="Returns desk").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    page.screenshot(path=str(screenshot_dir / "nav-manager-390-menu-open.png"), full_page=True)

    _nav(page).get_by_role("link", name="Returns desk").click()
    page.wait_for_url(f"{live_server.url}/returns/desk/")
    assert page.locator("h1").inner_text() == "Returns desk"
    assert not _summary(page, "Orders").is_visible()  # a new page starts with the menu folded away
    context.close()


def test_nav_does_not_print_and_the_pick_list_print_page_has_none(page, live_server, login):
    floor = make_floor(aisles=(1,), bays=2)
    order = allocated_order(floor["PACK-01"].warehouse, [(product(sku="NAV-1"), floor["A-01-01-A"], 1)],
                            order_number="#2001")
    pick_list = pick_list_release_single(order=order)
    login(page, make_user(Role.PICKER).username)

    page.goto(f"{live_server.url}/picking/{pick_list.pk}/")
    assert _nav(page).is_visible()
    page.emulate_media(media="print")
    assert not _nav(page).is_visible()
    assert not page.locator(".topbar").is_visible()

    page.goto(f"{live_server.url}/picking/{pick_list.pk}/print/")
    assert page.locator(".mainnav, .topbar").count() == 0
    assert pick_list.number in page.locator("body").inner_text()
