from decimal import Decimal

import pytest

from tests.factories import WarehouseFactory
from warehouses.models import Location, ZoneLayout
from warehouses.walk import (
    FloorGeometry,
    Spot,
    best_route,
    floor_geometry,
    geometry_from_layout,
    largest_gap_route,
    pick_route_order,
    serpentine_order,
    serpentine_sequence,
    walk_sequence_assign,
)


def _spot(code: str) -> Spot:
    zone, aisle, bay, level = code.split("-")
    return Spot(zone=zone, aisle=int(aisle), bay=int(bay), level=level, code=code)


def test_serpentine_walks_up_one_aisle_and_down_the_next():
    # Given stops in three aisles of zone A and one of zone B, shuffled
    codes = ["B-05-01-A", "A-02-01-A", "A-01-03-B", "A-03-04-A", "A-02-06-A", "A-01-03-A", "A-03-01-A",
             "A-01-01-A"]

    ordered = [s.code for s in serpentine_order([_spot(c) for c in codes], spot=lambda s: s)]

    # Then aisle 1 goes up (bays ascending, levels bottom-up), aisle 2 down, aisle 3 up, B-05 down
    assert ordered == ["A-01-01-A", "A-01-03-A", "A-01-03-B", "A-02-06-A", "A-02-01-A", "A-03-01-A",
                       "A-03-04-A", "B-05-01-A"]


def test_aisles_without_stops_are_skipped_and_do_not_flip_the_direction():
    ordered = [s.code for s in serpentine_order([_spot(c) for c in ["A-04-02-A", "A-01-05-A", "A-04-07-A"]],
                                                spot=lambda s: s)]
    # aisle 1 up, aisle 4 (the next aisle with stops) down
    assert ordered == ["A-01-05-A", "A-04-07-A", "A-04-02-A"]


def test_places_outside_the_aisles_come_last_in_walk_sequence_order():
    spots = [Spot(zone="PACK", aisle=0, bay=0, walk_sequence=2, code="PACK-02"), _spot("A-01-01-A"),
             Spot(zone="PACK", aisle=0, bay=0, walk_sequence=1, code="PACK-01")]
    assert [s.code for s in serpentine_order(spots, spot=lambda s: s)] == ["A-01-01-A", "PACK-01", "PACK-02"]


def test_serpentine_sequence_numbers_a_whole_floor():
    spots = [_spot(f"A-{aisle:02d}-{bay:02d}-A") for aisle in (1, 2) for bay in (1, 2, 3)]
    assert serpentine_sequence(spots) == {"A-01-01-A": 10, "A-01-02-A": 20, "A-01-03-A": 30,
                                          "A-02-03-A": 40, "A-02-02-A": 50, "A-02-01-A": 60}


@pytest.mark.django_db
def test_walk_sequence_assign_writes_the_path_into_locations():
    warehouse = WarehouseFactory()
    for code in ["A-02-01-A", "A-01-02-A", "A-02-02-A", "A-01-01-A"]:
        zone, aisle, bay, level = code.split("-")
        Location.objects.create(warehouse=warehouse, code=code, zone=zone, aisle=int(aisle), bay=int(bay), level=level)
    Location.objects.create(warehouse=warehouse, code="PACK-01", zone="PACK", walk_sequence=99_999)

    changed = walk_sequence_assign(warehouse=warehouse)

    assert changed == 4
    assert list(Location.objects.filter(warehouse=warehouse).order_by("walk_sequence").values_list("code", flat=True)) \
        == ["A-01-01-A", "A-01-02-A", "A-02-02-A", "A-02-01-A", "PACK-01"]
    assert walk_sequence_assign(warehouse=warehouse) == 0


def test_shortest_route_is_a_lower_bound_and_serpentine_beats_the_given_order():
    geometry = FloorGeometry(aisle_order=[("A", n) for n in range(1, 7)], bays=10)
    stops = [_spot(c) for c in ["A-04-02-A", "A-01-09-A", "A-06-05-A", "A-02-01-A", "A-01-02-A"]]
    serpentine = geometry.route_length(serpentine_order(stops, spot=lambda s: s))
    optimum = geometry.shortest_route_length(stops)
    assert optimum <= serpentine + 1e-9
    assert serpentine < geometry.route_length(stops)  # the order given is a zig-zag
    assert optimum > 0
    # one stop: straight there and back
    assert geometry.shortest_route_length([_spot("A-01-02-A")]) == pytest.approx(2 * 2 * 1.3)


def test_best_route_is_as_short_as_the_optimum_where_serpentine_is_not():
    # Given stops near the front of two far-apart aisles: serpentine walks up the first to the back, largest
    # gap (and the optimum) dips into each aisle from the front
    geometry = FloorGeometry(aisle_order=[("A", n) for n in range(1, 7)], bays=20)
    stops = [_spot(c) for c in ["A-01-01-A", "A-01-02-A", "A-06-01-A", "A-06-02-A", "A-03-19-A"]]
    points = [geometry.point(s) for s in stops]

    serpentine = geometry.route_length(serpentine_order(stops, spot=lambda s: s))
    best = geometry.route_length(pick_route_order(stops, geometry, spot=lambda s: s))
    optimum = geometry.shortest_route_length(stops)

    assert best == pytest.approx(optimum)
    assert best < serpentine
    assert sorted(best_route(geometry, points)) == sorted(points)


def test_largest_gap_leaves_each_middle_aisle_by_the_side_it_entered():
    # aisles 0 and 6 are walked through; aisle 3's stops at 2 and 18 are picked from the front and the back
    route = largest_gap_route([(0.0, 5.0), (3.0, 2.0), (3.0, 18.0), (6.0, 7.0)], depth=21.0)
    assert route == [(0.0, 5.0), (3.0, 18.0), (6.0, 7.0), (3.0, 2.0)]


def test_zone_layouts_place_the_aisles_on_the_floor():
    # Given zone B nearer the packing area than zone A, and zone C placed 40 m across the floor
    layouts = {"B": ZoneLayout(zone="B", walk_position=0, aisle_pitch_m=Decimal("4")),
               "A": ZoneLayout(zone="A", walk_position=1),
               "C": ZoneLayout(zone="C", walk_position=2, first_aisle_m=Decimal("40"))}
    geometry = geometry_from_layout([("A", 1), ("A", 2), ("B", 5), ("B", 6), ("C", 9), ("D", 12)], 10, layouts)

    # D has no layout: position 0, after B by name; each zone one pitch after the aisle before it
    assert list(geometry.aisle_order) == [("B", 5), ("B", 6), ("D", 12), ("A", 1), ("A", 2), ("C", 9)]
    assert [geometry.x_of(*a) for a in geometry.aisle_order] == [0.0, 4.0, 7.0, 10.0, 13.0, 40.0]


@pytest.mark.django_db
def test_floor_geometry_reads_the_warehouses_locations_and_layouts():
    warehouse = WarehouseFactory()
    for code in ["A-01-01-A", "A-01-07-A", "B-02-03-A"]:
        zone, aisle, bay, level = code.split("-")
        Location.objects.create(warehouse=warehouse, code=code, zone=zone, aisle=int(aisle), bay=int(bay), level=level)
    ZoneLayout.objects.create(warehouse=warehouse, zone="B", walk_position=0)
    ZoneLayout.objects.create(warehouse=warehouse, zone="A", walk_position=1)

    geometry = floor_geometry(warehouse=warehouse)

    assert geometry.bays == 7
    assert list(geometry.aisle_order) == [("B", 2), ("A", 1)]
