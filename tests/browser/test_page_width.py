"""Every page of every role fits a phone or scanner (390 px) and a desk (1440 px) without sideways scrolling.

The pages come from the URLconf (tests/world.py), so a page added later is measured too. One browser, one
live server, one browser context per role; each page is loaded once and measured at both widths.
"""

import pytest

from tests.world import build_world, page_names, world_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1440)
# The widest element sticking out, to say what to fix rather than only that something is too wide.
OVERFLOW_JS = """() => {
  const doc = document.documentElement, width = doc.clientWidth;
  let worst = null;
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) {
      worst = {right, tag: el.tagName.toLowerCase(), cls: el.className, id: el.id};
    }
  }
  return {scroll: doc.scrollWidth, width, worst};
}"""


def _measure(page, url: str) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found = page.evaluate(OVERFLOW_JS)
        if found["scroll"] > width + 1:
            problems.append(f"{url} at {width} px is {found['scroll'] - width} px too wide; widest: {found['worst']}")
    return problems


def test_every_page_of_every_role_fits_390_and_1440_px(browser, live_server, login):
    world = build_world()
    problems, measured = [], {}
    public = set()
    for role in ("customer", "manager", "picker", "packer", "client"):
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        if role != "customer":
            login(page, world.users[role].username)
        for name, _route in page_names():
            path = world_path(world, name)
            if path is None or (role != "customer" and name in public):
                continue
            # Asked first without the browser: an action (405), another role's page (403) or a redirect (to the
            # login page, or on to a page walked under its own name) is not opened, so no error page left
            # loading in the tab can interrupt the next page.
            answer = context.request.get(f"{live_server.url}{path}", max_redirects=0)
            if answer.status >= 500:
                problems.append(f"{role}: {path} answered {answer.status}")
                continue
            if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
                continue
            page.goto(f"{live_server.url}{path}", wait_until="load")
            if role == "customer":
                public.add(name)
            measured.setdefault(role, []).append(name)
            problems += [f"{role}: {p}" for p in _measure(page, path)]
        context.close()

    assert not problems, "\n".join(problems)
    # The walk reached the pages that matter to each role, so a broken login cannot pass as "nothing too wide".
    assert {"returns:start", "returns:status"} <= set(measured["customer"])
    assert {"returns:desk", "home", "inventory:stock"} <= set(measured["picker"])
    assert {"packing:station", "packing:shipment", "orders:list"} <= set(measured["packer"])
    assert {"reports:dashboard", "inventory:transfer_list", "rules:edit"} <= set(measured["manager"])
    assert {"orders:list", "inventory:stock", "returns:detail"} <= set(measured["client"])
