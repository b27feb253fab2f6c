"""What the checked JSON reader costs: json_loads_checked (nesting bound, NUL and lone-surrogate refusal) against
plain json.loads on the same bodies, in the same run.

    .venv/bin/python bench/json_input.py

Bodies: the Shopify order fixture (a typical webhook, about 6 KB), the same order with 200 lines (about 100 KB),
a 2 MB body of 360 such orders in a list (the webhook size limit), and the 200-line order with \\u escapes in
it (then every string is looked at, not only the nesting). Prints the time per parse of each and
the ratio checked / plain; the baseline is json.loads, whose work the checked reader repeats in full.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from core.json_input import json_loads_checked  # noqa: E402

FIXTURE = ROOT / "tests/fixtures/storefronts/shopify/order.json"


def bodies() -> dict[str, bytes]:
    order = json.loads(FIXTURE.read_text())
    order = order.get("order", order)
    big = dict(order, line_items=[dict(order["line_items"][0], id=n) for n in range(200)])
    many = [dict(order, id=n) for n in range(360)]  # about 2 MB, the webhook body limit
    escaped = dict(big, note="gift \u00e9\u20ac \U0001f381")  # non-ASCII as \u escapes: strings are looked at
    return {"one order": json.dumps(order).encode(), "200 lines": json.dumps(big).encode(),
            "360 orders": json.dumps(many).encode(), "200 lines, \\u": json.dumps(escaped).encode()}


def per_call(parse, body: bytes, seconds: float = 1.0) -> float:
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or calls < 3:
        parse(body)
        calls += 1
    return elapsed / calls


def main() -> None:
    print(f"{'body':<14}{'size':>10}{'json.loads':>14}{'checked':>14}{'ratio':>8}")
    for name, body in bodies().items():
        plain = per_call(json.loads, body)
        checked = per_call(json_loads_checked, body)
        print(f"{name:<14}{len(body):>10,}{plain * 1e3:>12.3f}ms{checked * 1e3:>12.3f}ms{checked / plain:>8.2f}")


if __name__ == "__main__":
    main()
