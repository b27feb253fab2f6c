"""Follow the main navigation the way a user does: open a section's dropdown, then click the link in it."""


def nav_click(page, section: str | None, link: str) -> None:
    """Click a main-navigation link; with a section, open that dropdown first (managers' and clients' pages)."""
    nav = page.get_by_role("navigation", name="Main")
    if section:
        nav.locator("summary", has_text=section).click()
    nav.get_by_role("link", name=link, exact=True).click()
    page.wait_for_load_state("networkidle")
