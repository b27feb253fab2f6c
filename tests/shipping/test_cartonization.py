import random
from decimal import Decimal

import pytest

from demo.catalog import BRIGHTLEAF_PRODUCTS, CASCADE_PRODUCTS
from demo.seed import DEMO_BOXES
from shipping.cartonization import (
    Box,
    CartonizationError,
    Item,
    PackedBox,
    Placement,
    billable_weight_lb,
    candidate_packings,
    dimensional_weight_lb,
    fit,
    floating_items,
    pack,
    recommend,
    settle,
    split_into_fewest_boxes,
    verify_packing,
)


def cube(key: str, side: int, weight: int = 100) -> Item:
    return Item(key=key, length=side, width=side, height=side, weight_g=weight)


@pytest.mark.parametrize(
    ("outer_mm", "weight_g", "divisor", "dim_min", "expected"),
    [
        # 12 × 12 × 12 in = 1728 in³ / 139 = 12.43 → 13 lb although it weighs 2 lb
        ((305, 305, 305), 907, Decimal("139"), 0, 13),
        # the same box at USPS's 166: 10.41 → 11 lb
        ((305, 305, 305), 907, Decimal("166"), 0, 11),
        # USPS only applies DIM above one cubic foot: exactly 1728 in³ bills the actual 2 lb
        ((305, 305, 305), 907, Decimal("166"), 1728, 2),
        # heavy and small: actual wins, 10.5 lb → 11
        ((203, 152, 102), 4763, Decimal("139"), 0, 11),
        # 10 × 8 × 4 in = 320 / 139 = 2.3 → 3 lb, actual 0.5 lb
        ((254, 203, 102), 227, Decimal("139"), 0, 3),
        # never below 1 lb
        ((50, 50, 20), 10, Decimal("139"), 0, 1),
    ],
)
def test_billable_weight_for_known_cases(outer_mm, weight_g, divisor, dim_min, expected):
    assert billable_weight_lb(outer_mm, weight_g, divisor, dim_min) == expected


def test_dimensional_weight_rounds_each_side_to_the_nearest_inch():
    # 254.0 mm = 10 in, 266 mm = 10.47 → 10 in, 267 mm = 10.51 → 11 in
    assert dimensional_weight_lb((254, 266, 267), Decimal("100")) == Decimal("11")


def test_two_cubes_that_fit_by_volume_do_not_fit_in_3d():
    # Given two 6 cm cubes (432 cm³) and a 10 cm cube box (1000 cm³): volume says yes, geometry says no
    box = Box("C10", 100, 100, 100)
    items = [cube("a", 60), cube("b", 60)]
    assert sum(i.volume for i in items) < box.volume

    # When / then
    assert pack(box, items) is None
    assert pack(box, items[:1]) is not None


def test_long_item_fits_only_when_rotated():
    # A 30 cm rod lies along the box's 31 cm side although it is given standing up
    box = Box("LONG", 100, 310, 100)
    rod = Item("rod", 50, 50, 300, 200)

    packed = pack(box, [rod])

    assert packed is not None
    placement = packed.placements[0]
    assert placement.dy == 300
    verify_packing(packed)


def test_eight_cubes_fill_a_box_exactly():
    box = Box("C10", 100, 100, 100)
    packed = pack(box, [cube(str(i), 50) for i in range(8)])
    assert packed is not None
    verify_packing(packed)
    assert pack(box, [cube(str(i), 50) for i in range(9)]) is None


def test_weight_limit_counts_the_empty_box():
    box = Box("B", 300, 300, 300, tare_g=500, max_weight_g=2000)
    assert pack(box, [cube("a", 50, 1500)]) is not None
    assert pack(box, [cube("a", 50, 1501)]) is None


def test_recommend_picks_lowest_billable_weight_then_cheaper_box():
    small = Box("S", 200, 150, 100, 208, 158, 108, tare_g=100, cost=Decimal("0.60"))
    small_pricier = Box("S2", 200, 150, 100, 208, 158, 108, tare_g=100, cost=Decimal("0.90"))
    big = Box("L", 500, 400, 300, 508, 408, 308, tare_g=400, cost=Decimal("0.40"))
    items = [Item("a", 180, 120, 80, 300)]

    rec = recommend(items, [big, small_pricier, small])

    assert [p.box.key for p in rec.packages] == ["S"]
    assert [p.box.key for p in rec.alternatives] == ["S2", "L"]


def test_custom_packaging_is_preferred_when_it_fits():
    plain = Box("PLAIN", 250, 200, 150, cost=Decimal("0.50"))
    branded = Box("BRAND", 350, 250, 200, cost=Decimal("1.90"), preferred=True)
    small_item = [Item("a", 200, 150, 100, 300)]
    huge_item = [Item("b", 400, 300, 250, 300)]

    assert recommend(small_item, [plain, branded]).packages[0].box.key == "BRAND"
    assert recommend(small_item, [plain, branded]).used_custom is True
    # does not fit the branded box: the warehouse's box is used
    assert recommend(huge_item, [plain, branded, Box("XL", 500, 400, 300)]).packages[0].box.key == "XL"


def test_nothing_fits_splits_into_fewest_boxes():
    box = Box("M", 300, 200, 150, max_weight_g=20_000)
    # 13 bricks of 150×100×75: 8 per box by geometry, so two boxes
    items = [Item(f"brick{i}", 150, 100, 75, 500) for i in range(13)]

    rec = recommend(items, [box])

    assert len(rec.packages) == 2
    assert sum(len(p.placements) for p in rec.packages) == 13
    for packed in rec.packages:
        verify_packing(packed)


def test_split_respects_weight_and_shrinks_last_box():
    big = Box("BIG", 400, 400, 400, tare_g=300, max_weight_g=10_000)
    small = Box("SMALL", 160, 110, 80, tare_g=50, max_weight_g=10_000)
    items = [Item(f"i{i}", 150, 100, 75, 3000) for i in range(4)]  # 12 kg: over one box's limit

    packing = split_into_fewest_boxes(items, [big, small])

    assert len(packing) == 2
    assert sorted(len(p.placements) for p in packing) == [1, 3]
    assert "SMALL" in [p.box.key for p in packing]


def test_item_that_fits_no_box_is_a_clear_error():
    with pytest.raises(CartonizationError, match="fits no box"):
        recommend([Item("pole", 2000, 50, 50, 100)], [Box("M", 300, 200, 150)])


def test_candidate_packings_lists_every_single_box_that_fits():
    boxes = [Box("A", 200, 200, 200), Box("B", 300, 300, 300), Box("C", 50, 50, 50)]
    packings = candidate_packings([cube("x", 150)], boxes)
    assert sorted(p[0].box.key for p in packings) == ["A", "B"]


def inch_box(key: str, dims_in: tuple[int, int, int], cost: str = "1.00", tare_g: int = 300) -> Box:
    inner = [round(d * 25.4) for d in dims_in]
    return Box(key, *inner, *(d + 6 for d in inner), tare_g=tare_g, max_weight_g=30_000, cost=Decimal(cost))


FOUR_UNITS = [Item("a", 198, 148, 134, 700), Item("a", 198, 148, 134, 700), Item("b", 200, 50, 146, 400),
              Item("c", 249, 144, 24, 300)]


def test_four_units_that_fit_only_in_one_arrangement_are_packed():
    # Given the four units from the independent check, which fit 305×254×152 only as 24×249×144 beside two
    # 134×198×148 with the 200×50×146 in the strip left over
    box = Box("12x10x6", 305, 254, 152)

    packed = pack(box, FOUR_UNITS)

    assert packed is not None
    verify_packing(packed)
    assert len(packed.placements) == 4


def test_recommend_takes_the_small_box_the_four_units_fit():
    boxes = [inch_box("12x10x6", (12, 10, 6), "0.70"), inch_box("16x12x10", (16, 12, 10), "1.10")]

    rec = recommend(FOUR_UNITS, boxes)

    assert [p.box.key for p in rec.packages] == ["12x10x6"]


def test_a_box_that_cannot_hold_the_units_is_proven_too_small():
    # Three 153×150×128 in 305×254×152: only one layer, and two side by side leave 101 mm for the third
    result = fit(Box("B", 305, 254, 152), [Item("x", 153, 150, 128, 100)] * 3)

    assert result.packed is None
    assert result.proven


def test_items_bound_to_stack_that_are_too_tall_together_are_proven_not_to_fit():
    # Two 270×236×59 lie flat in 305×254×152 and can only be stacked; no side of a 105×63×44 fits the 35, 18
    # or 34 mm left beside or above them, so it too must go in the stack: 59 + 59 + 44 > 152
    items = [Item("flat", 270, 236, 59, 900)] * 2 + [Item("small", 105, 63, 44, 100)] * 3

    result = fit(Box("12x10x6", 305, 254, 152), items)

    assert result.packed is None
    assert result.proven


def test_exact_search_finds_a_fit_the_heuristics_miss_and_proves_a_tight_no_fit():
    # Given the first unit of FOUR_UNITS made 6 mm thicker, so the row 30 + 134 + 134 still fits 305,
    # and then 8 mm thicker, so it no longer does and nothing else can take its place
    box = Box("12x10x6", 305, 254, 152)
    fits = [Item("c", 249, 144, 30, 300), *FOUR_UNITS[:3]]
    too_big = [Item("c", 249, 144, 38, 300), *FOUR_UNITS[:3]]

    found = fit(box, fits)
    refused = fit(box, too_big)

    assert found.packed is not None
    verify_packing(found.packed)
    assert refused.packed is None
    assert refused.proven


def test_settling_drops_a_floating_item_onto_what_is_below_it():
    box = Box("B", 300, 300, 300)
    low = Placement(Item("low", 100, 100, 50), 0, 0, 0, 100, 100, 50)
    high = Placement(Item("high", 100, 100, 50), 50, 50, 120, 100, 100, 50)  # 70 mm above the low one
    beside = Placement(Item("beside", 50, 50, 50), 200, 200, 90, 50, 50, 50)  # above the bare floor

    settled = PackedBox(box=box, placements=settle([low, high, beside]))

    verify_packing(settled)
    assert {p.item.key: p.z for p in settled.placements} == {"low": 0, "high": 50, "beside": 0}
    assert floating_items(settled) == []
    assert [p.item.key for p in floating_items(PackedBox(box=box, placements=[low, high, beside]))] == \
        ["high", "beside"]


def test_no_packed_item_floats():
    # Given many mixed orders (flat, boxy and long items) in a few boxes
    rng = random.Random(7)
    boxes = [inch_box("S", (10, 8, 6)), inch_box("M", (16, 12, 8)), inch_box("L", (24, 18, 12))]
    for number in range(60):
        items = [Item(f"{number}-{n}", rng.randint(20, 300), rng.randint(20, 200), rng.randint(5, 150), 100)
                 for n in range(rng.randint(2, 7))]
        # When they are packed, then every item stands on the floor or on an item right below it
        for packed in recommend(items, boxes).packages:
            verify_packing(packed)
            assert floating_items(packed) == []


def test_split_uses_the_partition_with_the_lowest_billable_weight():
    # Given two heavy and two light cubes and a box that holds three: 3 + 1 or 2 + 2 both need two boxes, and
    # billed per whole pound the heavy cubes are cheapest apart with both light ones beside one of them
    box = Box("TRIO", 310, 110, 110, 316, 116, 116, tare_g=100, max_weight_g=30_000)
    heavy = Item("heavy", 100, 100, 100, 3000)
    light = Item("light", 100, 100, 100, 100)

    packing = split_into_fewest_boxes([heavy, light, heavy, light], [box])

    assert sorted(sorted(i.key for i in p.items) for p in packing) == [["heavy"], ["heavy", "light", "light"]]
    assert sum(p.billable_weight_lb() for p in packing) == 15


def test_candidate_packings_offer_two_boxes_when_a_split_may_be_cheaper():
    # Given two units that one large box holds, and medium boxes that hold one each
    items = [Item("gift", 300, 220, 90, 780), Item("kettle", 300, 200, 190, 1150)]
    boxes = [inch_box("M-12x10x8", (12, 10, 8), "0.79"), inch_box("L-20x16x12", (20, 16, 12), "1.45")]

    packings = candidate_packings(items, boxes, [(Decimal("166"), 1728)])

    assert [[p.box.key for p in packing] for packing in packings] == [["L-20x16x12"], ["M-12x10x8", "M-12x10x8"]]


def test_every_demo_sku_ships_in_a_demo_box():
    boxes = [inch_box(code, dims, cost, tare) for code, _, dims, tare, _, cost in DEMO_BOXES]
    for sku, _, weight, length, width, height, _ in CASCADE_PRODUCTS + BRIGHTLEAF_PRODUCTS:
        rec = recommend([Item(sku, length, width, height, weight)], boxes)
        assert len(rec.packages) == 1, sku
