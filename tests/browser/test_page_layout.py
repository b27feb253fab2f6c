"""Every page of every role fits a phone or scanner (390 px) and a desk (1440 px): it does not scroll sideways,
and each filter bar is whole (every control inside its bar and the window) and at a desk on one or two rows,
not a ragged stack.

The pages come from the URLconf (tests/world.py), so a page added later is measured too. One browser, one
live server, one browser context per role; each page is loaded once and measured at both widths. Each filter
bar is also saved as a picture (test-artifacts/filter-bars/) for a person to look at.
"""

import re

import pytest

from tests.world import build_world, page_names, world_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1440)
MAX_DESK_ROWS = 2
ROLES = ("customer", "manager", "picker", "packer", "client")
FILTER_BAR_ROLES = ("manager", "client", "picker")
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

# Per bar: the box of the form, of each control (input, select, button, link button, multi-choice drop-down)
# and of each item of the bar (the rows are counted on these), and whether a list box hides some of its options.
MEASURE_JS = """() => {
  const box = el => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, right: r.right,
                                                                   bottom: r.bottom, w: r.width, h: r.height}; };
  const shown = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
                        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = el => el.getAttribute('name') || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30)
                     || el.tagName.toLowerCase();
  // A drop-down whose chosen value does not fit shows it cut ("Any warehou"): the text's width against the room
  // left of the arrow.
  const ctx = document.createElement('canvas').getContext('2d');
  const cut = el => {
    if (el.tagName !== 'SELECT' || el.multiple || !el.selectedOptions.length) return false;
    const s = getComputedStyle(el);
    ctx.font = s.font;
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 16;
    return ctx.measureText(el.selectedOptions[0].text).width > room + 1;
  };
  return [...document.querySelectorAll('form.filters')].filter(shown).map((form, i) => ({
    index: i,
    method: (form.getAttribute('method') || 'get').toLowerCase(),
    label: form.getAttribute('aria-label') || '',
    form: box(form),
    viewport: document.documentElement.clientWidth,
    controls: [...form.querySelectorAll(
        'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button, a.btn, '
        + '.filter-multi > summary, label:has(> input[type=checkbox])')]
      .filter(shown).map(el => ({name: name(el), tag: el.tagName.toLowerCase(), ...box(el),
                                 cut: el.tagName === 'SELECT' && el.multiple && el.scrollHeight > el.clientHeight + 1,
                                 clipped: cut(el), value: el.tagName === 'SELECT' ? el.selectedOptions[0]?.text : ''})),
    items: [...form.children].filter(shown).filter(el => !['P', 'UL', 'DIV'].includes(el.tagName)
                                                      || el.classList.contains('filter-multi')).map(box),
  }));
}"""


def _rows(items: list[dict]) -> int:
    """How many rows the bar's items sit on: an item starts a new row when it begins below every earlier row."""
    rows: list[tuple[float, float]] = []
    for item in sorted(items, key=lambda i: i["y"]):
        if not any(item["y"] < bottom - 2 and item["bottom"] > top + 2 for top, bottom in rows):
            rows.append((item["y"], item["bottom"]))
    return len(rows)


def _problems(path: str, width: int, bar: dict) -> list[str]:
    found = []
    form, where = bar["form"], f"{path} at {width} px, bar {bar['index'] + 1}"
    for c in bar["controls"]:
        if c["x"] < form["x"] - 1 or c["right"] > form["right"] + 1:
            found.append(f"{where}: {c['tag']} {c['name']!r} sticks out of its bar ({c['x']:.0f}–{c['right']:.0f} "
                         f"in {form['x']:.0f}–{form['right']:.0f})")
        if c["x"] < -1 or c["right"] > bar["viewport"] + 1:
            found.append(f"{where}: {c['tag']} {c['name']!r} is cut off by the window ({c['x']:.0f}–{c['right']:.0f})")
        if c["cut"]:
            found.append(f"{where}: list box {c['name']!r} shows only part of its choices")
        if c["clipped"]:
            found.append(f"{where}: drop-down {c['name']!r} cuts its value {c['value']!r} at {c['w']:.0f} px")
        if c["tag"] in ("input", "select") and c["w"] < 64:
            found.append(f"{where}: {c['tag']} {c['name']!r} is squeezed to {c['w']:.0f} px")
    if bar["method"] == "get" and width >= 1440 and (rows := _rows(bar["items"])) > MAX_DESK_ROWS:
        found.append(f"{where}: the filters wrap onto {rows} rows")
    return found


def test_every_page_of_every_role_fits_390_and_1440_px(browser, live_server, login, screenshot_dir):
    world = build_world()
    shots = screenshot_dir / "filter-bars"
    shots.mkdir(exist_ok=True)
    problems, measured, with_bars = [], {}, {}
    public = set()
    for role in ROLES:
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
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                found = page.evaluate(OVERFLOW_JS)
                if found["scroll"] > width + 1:
                    problems.append(f"{role}: {path} at {width} px is {found['scroll'] - width} px too wide; "
                                    f"widest: {found['worst']}")
                if role not in FILTER_BAR_ROLES:
                    continue
                for bar in page.evaluate(MEASURE_JS):
                    problems += [f"{role}: {p}" for p in _problems(path, width, bar)]
                    with_bars.setdefault(role, set()).add(name)
                    slug = re.sub(r"[^a-z0-9]+", "-", f"{role}-{name}-{bar['index']}").strip("-")
                    page.locator("form.filters").nth(bar["index"]).screenshot(path=shots / f"{slug}-{width}.png")
        context.close()

    assert not problems, "\n".join(problems)
    # The walk reached the pages and lists that matter to each role, so a broken login cannot pass as "nothing
    # too wide" or "every bar fits".
    assert {"returns:start", "returns:status"} <= set(measured["customer"])
    assert {"returns:desk", "home", "inventory:stock"} <= set(measured["picker"])
    assert {"packing:station", "packing:shipment", "orders:list"} <= set(measured["packer"])
    assert {"reports:dashboard", "inventory:transfer_list", "rules:edit"} <= set(measured["manager"])
    assert {"orders:list", "inventory:stock", "returns:detail"} <= set(measured["client"])
    assert {"orders:list", "returns:list", "inventory:stock", "inventory:inbound_list"} <= with_bars["manager"]
    assert {"orders:list", "returns:list", "inventory:stock"} <= with_bars["client"]
    assert {"inventory:stock", "inventory:count_list"} <= with_bars["picker"]
