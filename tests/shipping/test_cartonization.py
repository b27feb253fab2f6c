from decimal import Decimal

import pytest

from shipping.cartonization import (
    Box,
    CartonizationError,
    Item,
    billable_weight_lb,
    candidate_packings,
    dimensional_weight_lb,
    pack,
    recommend,
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
