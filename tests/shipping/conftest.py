from functools import cache

import pytest

from shipping.rate_cards import DEFAULT_DIR, FILES, rate_cards_load
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory


@cache
def _light_rate_cards() -> dict[str, str]:
    # The shipped cards up to 25 lb: every test order weighs less, and loading a third of the rows keeps
    # the suite fast. tests/shipping/test_rate_cards.py loads the full set.
    files = {name: (DEFAULT_DIR / name).read_text(encoding="utf-8") for name in FILES}
    header, *rows = files["rates.csv"].splitlines()
    files["rates.csv"] = "\n".join([header] + [r for r in rows if int(r.split(",")[2]) <= 25]) + "\n"
    return files


@pytest.fixture
def rate_cards(db):
    """The shipped carriers, services, zones and rate cards (to 25 lb)."""
    return rate_cards_load(files=_light_rate_cards())


@pytest.fixture
def boxed_order(rate_cards):
    """A picked order (two products, 2 + 1 units) at a warehouse with a small (S) and a large (L) box."""
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150)
    BoxTypeFactory(warehouse=order.warehouse, code="L", inner_length_mm=450, inner_width_mm=350,
                   inner_height_mm=300)
    return order
