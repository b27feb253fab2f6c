"""The walking path through a warehouse: serpentine (S-shape) ordering of locations, and walked distances.

One implementation serves the demo's fixed walk_sequence numbers, pick lists' stop order and the
benchmark in bench/pick_path.py. A picker enters an aisle from the front cross-aisle, walks up it to
the last stop, crosses at the back to the next aisle that has stops, walks down it, and so on: each
aisle with stops is walked once, aisles without stops are skipped (the S-shape heuristic).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction

from warehouses.models import Location

T = TypeVar("T")


@dataclass(frozen=True)
class Spot:
    """Where a location is on the floor, as far as walking is concerned."""

    zone: str
    aisle: int
    bay: int
    level: str = ""
    walk_sequence: int = 0
    code: str = ""

    @property
    def in_aisle(self) -> bool:
        return self.aisle > 0


def spot_of(location) -> Spot:
    """Return the Spot of a warehouses.Location (or anything with the same attributes)."""
    return Spot(
        zone=location.zone or "",
        aisle=location.aisle or 0,
        bay=location.bay or 0,
        level=location.level or "",
        walk_sequence=location.walk_sequence or 0,
        code=location.code or "",
    )


def serpentine_order(items: Iterable[T], spot: Callable[[T], Spot] = spot_of) -> list[T]:
    """Return the items in walking order: aisle by aisle (zone, then aisle number), up the first aisle
    that has stops, down the next one, and so on. Within an aisle, bays in the walking direction and
    levels bottom to top. Places outside the aisles (aisle 0: docks, packing) keep their walk_sequence
    order and come after the aisles.
    """
    items = list(items)
    aisles = sorted({(spot(i).zone, spot(i).aisle) for i in items if spot(i).in_aisle})
    rank = {aisle: n for n, aisle in enumerate(aisles)}

    def key(item: T):
        s = spot(item)
        if not s.in_aisle:
            return (1, 0, s.walk_sequence, 0, s.level, s.code)
        n = rank[(s.zone, s.aisle)]
        bay = s.bay if n % 2 == 0 else -s.bay
        return (0, n, 0, bay, s.level, s.code)

    return sorted(items, key=key)


def serpentine_sequence(spots: Iterable[Spot], step: int = 10) -> dict[str, int]:
    """Return walk_sequence numbers by location code for a whole floor, walking every aisle in turn."""
    ordered = serpentine_order(spots, spot=lambda s: s)
    return {s.code: (n + 1) * step for n, s in enumerate(ordered)}


@transaction.atomic
def walk_sequence_assign(*, warehouse, step: int = 10) -> int:
    """Number every aisle location of a warehouse along the serpentine path; places outside the aisles
    (aisle 0) keep their numbers. Returns how many locations changed.
    """
    locations = list(Location.objects.filter(warehouse=warehouse, aisle__gt=0).select_for_update())
    numbers = serpentine_sequence([spot_of(loc) for loc in locations], step=step)
    changed = [loc for loc in locations if loc.walk_sequence != numbers[loc.code]]
    for loc in changed:
        loc.walk_sequence = numbers[loc.code]
    Location.objects.bulk_update(changed, ["walk_sequence"])
    return len(changed)


# --- Distances, for the benchmark and for choosing between candidate locations ---------------------------


@dataclass(frozen=True)
class FloorGeometry:
    """A rectangular pick floor: parallel aisles with a cross-aisle at the front and at the back.

    Aisle k (in zone-then-number order, from 0) runs at x = k * aisle_pitch; bay b is at y = b * bay_pitch;
    the cross-aisles are at y = 0 and y = (bays + 1) * bay_pitch. The depot (packing area, where every
    pick starts and ends) is at the front of the first aisle. Metres.
    """

    aisle_order: Sequence[tuple[str, int]]
    bays: int
    aisle_pitch: float = 3.0
    bay_pitch: float = 1.3

    @property
    def depth(self) -> float:
        return (self.bays + 1) * self.bay_pitch

    def point(self, s: Spot) -> tuple[float, float]:
        x = list(self.aisle_order).index((s.zone, s.aisle)) * self.aisle_pitch
        return x, s.bay * self.bay_pitch

    def distance(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        (xa, ya), (xb, yb) = a, b
        if xa == xb:
            return abs(ya - yb)
        # Change aisles through the front or the back cross-aisle, whichever is shorter.
        return abs(xa - xb) + min(ya + yb, 2 * self.depth - ya - yb)

    def route_length(self, stops: Sequence[Spot]) -> float:
        """Metres walked from the depot through the stops in the given order and back."""
        depot = (0.0, 0.0)
        points = [depot, *(self.point(s) for s in stops), depot]
        return sum(self.distance(p, q) for p, q in itertools.pairwise(points))

    def shortest_route_length(self, stops: Sequence[Spot]) -> float:
        """Metres of the shortest depot-to-depot route through the stops (Held-Karp; small lists only)."""
        points = sorted({self.point(s) for s in stops})
        n = len(points)
        if n == 0:
            return 0.0
        if n > 13:
            raise ValueError("Exact shortest route is only computed for up to 13 distinct stops.")
        depot = (0.0, 0.0)
        dist = [[self.distance(p, q) for q in points] for p in points]
        best: dict[tuple[int, int], float] = {(1 << i, i): self.distance(depot, points[i]) for i in range(n)}
        for size in range(2, n + 1):
            for subset in itertools.combinations(range(n), size):
                mask = sum(1 << i for i in subset)
                for last in subset:
                    prev_mask = mask & ~(1 << last)
                    best[(mask, last)] = min(
                        best[(prev_mask, j)] + dist[j][last] for j in subset if j != last
                    )
        full = (1 << n) - 1
        return min(best[(full, i)] + self.distance(points[i], depot) for i in range(n))
