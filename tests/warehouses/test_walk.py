import pytest

from tests.factories import WarehouseFactory
from warehouses.models import Location
from warehouses.walk import FloorGeometry, Spot, serpentine_order, serpentine_sequence, walk_sequence_assign


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
