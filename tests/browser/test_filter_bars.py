"""Filter bars fit: every control whole and inside its bar and the window at 390 px (phone, scanner) and 1440 px
(desk), and at a desk a list's filters sit on one or two rows, not a ragged stack.

The pages come from the URLconf (tests/world.py), so a list added later is measured too. Each bar is also
saved as a picture (test-artifacts/filter-bars/) for a person to look at.
"""

import re

import pytest

from tests.world import build_world, page_names, world_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1440)
MAX_DESK_ROWS = 2
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


def test_filter_bars_fit_a_phone_and_sit_on_two_rows_at_most_at_a_desk(browser, live_server, login,
                                                                         screenshot_dir):
    world = build_world()
    shots = screenshot_dir / "filter-bars"
    shots.mkdir(exist_ok=True)
    problems, measured = [], {}
    for role in ("manager", "client", "picker"):
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        login(page, world.users[role].username)
        for name, _route in page_names():
            path = world_path(world, name)
            if path is None:
                continue
            answer = context.request.get(f"{live_server.url}{path}", max_redirects=0)
            if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
                continue
            page.goto(f"{live_server.url}{path}", wait_until="load")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                bars = page.evaluate(MEASURE_JS)
                for bar in bars:
                    problems += [f"{role}: {p}" for p in _problems(path, width, bar)]
                    measured.setdefault(role, set()).add(name)
                    slug = re.sub(r"[^a-z0-9]+", "-", f"{role}-{name}-{bar['index']}").strip("-")
                    page.locator("form.filters").nth(bar["index"]).screenshot(path=shots / f"{slug}-{width}.png")
        context.close()

    assert not problems, "\n".join(problems)
    # The lists that matter were reached, so a broken login cannot pass as "every bar fits"
    assert {"orders:list", "returns:list", "inventory:stock", "inventory:inbound_list"} <= measured["manager"]
    assert {"orders:list", "returns:list", "inventory:stock"} <= measured["client"]
    assert {"inventory:stock", "inventory:count_list"} <= measured["picker"]
