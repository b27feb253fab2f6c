import pytest

from core.choices import Role
from tests.factories import OrderFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_logs_in_and_sees_home(page, live_server, login, screenshot_dir):
    manager = make_user(Role.MANAGER)
    OrderFactory(order_number="#1042")

    login(page, manager.username)

    assert page.locator("h1").inner_text() == "Operations overview"
    assert page.get_by_role("link", name="#1042").is_visible()
    assert page.get_by_role("navigation", name="Main").locator("summary", has_text="Stock").is_visible()
    page.screenshot(path=str(screenshot_dir / "home-manager.png"), full_page=True)


def test_wrong_password_shows_message(page, live_server, login):
    make_user(Role.PICKER)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")

    assert "didn't match" in page.locator(".message-error").inner_text()


def test_picker_on_phone_sized_screen_gets_menu(browser, live_server, login, screenshot_dir):
    picker = make_user(Role.PICKER)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    login(page, picker.username)

    assert page.locator("h1").inner_text() == "Picking"
    page.click("label.nav-toggle-label")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").is_visible()
    assert not page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").is_visible()
    page.screenshot(path=str(screenshot_dir / "home-picker-phone.png"), full_page=True)
    context.close()
