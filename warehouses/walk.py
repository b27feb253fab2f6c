"""The walking path through a warehouse: serpentine (S-shape) ordering of locations, and walked distances.

One implementation serves the demo's fixed walk_sequence numbers, pick lists' stop order and the
benchmark in bench/pick_path.py. A picker enters an aisle from the front cross-aisle, walks up it to
the last stop, crosses at the back to the next aisle that has stops, walks down it, and so on: each
aisle with stops is walked once, aisles without stops are skipped (the S-shape heuristic).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.db.models import Max

from warehouses.models import Location, ZoneLayout

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
    aisle_x: Mapping[tuple[str, int], float] | None = None  # metres across the floor; default: order × pitch

    @property
    def depth(self) -> float:
        return (self.bays + 1) * self.bay_pitch

    def x_of(self, zone: str, aisle: int) -> float:
        if self.aisle_x is not None and (zone, aisle) in self.aisle_x:
            return self.aisle_x[(zone, aisle)]
        return list(self.aisle_order).index((zone, aisle)) * self.aisle_pitch

    def point(self, s: Spot) -> tuple[float, float]:
        return self.x_of(s.zone, s.aisle), s.bay * self.bay_pitch

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


# --- Pick routes ---------------------------------------------------------------------------------------
# A list's stops are walked along the best of three routes on the floor's geometry: serpentine, largest gap
# (Hall 1993: the first and last aisles with stops walked through, every other aisle entered from the back
# and from the front up to its largest gap between stops), each then improved by 2-opt and or-opt moves.
# bench/pick_path.py measures them against the optimum (Held-Karp, or CP-SAT on longer lists).

Point = tuple[float, float]


def _route_length(geometry: FloorGeometry, route: Sequence[Point]) -> float:
    points = [(0.0, 0.0), *route, (0.0, 0.0)]
    return sum(geometry.distance(p, q) for p, q in itertools.pairwise(points))


def serpentine_route(points: Iterable[Point]) -> list[Point]:
    """Up the first aisle with stops, down the next, and so on (aisles by their place across the floor)."""
    by_aisle: dict[float, list[float]] = {}
    for x, y in set(points):
        by_aisle.setdefault(x, []).append(y)
    route = []
    for n, x in enumerate(sorted(by_aisle)):
        route += [(x, y) for y in sorted(by_aisle[x], reverse=n % 2 == 1)]
    return route


def largest_gap_route(points: Iterable[Point], depth: float) -> list[Point]:
    """The first and the last aisle with stops walked through; in between, each aisle's stops above its
    largest gap are picked from the back cross-aisle on the way out, the rest from the front on the way back."""
    by_aisle: dict[float, list[float]] = {}
    for x, y in set(points):
        by_aisle.setdefault(x, []).append(y)
    aisles = sorted(by_aisle)
    if not aisles:
        return []
    if len(aisles) == 1:
        return [(aisles[0], y) for y in sorted(by_aisle[aisles[0]])]
    out, back = [(aisles[0], y) for y in sorted(by_aisle[aisles[0]])], []
    for x in aisles[1:-1]:
        ys = sorted(by_aisle[x])
        edges = [0.0, *ys, depth]
        gap = max(range(len(edges) - 1), key=lambda i: edges[i + 1] - edges[i])
        front, rear = ys[:gap], ys[gap:]
        out += [(x, y) for y in sorted(rear, reverse=True)]
        back.append([(x, y) for y in front])
    out += [(aisles[-1], y) for y in sorted(by_aisle[aisles[-1]], reverse=True)]
    for stops in reversed(back):
        out += stops
    return out


def improve_route(geometry: FloorGeometry, route: list[Point], max_rounds: int = 50) -> list[Point]:
    """Shorten a route with 2-opt (reverse a stretch) and or-opt (move one to three stops elsewhere) until
    no move helps."""
    route = list(route)
    n = len(route)
    if n < 3:
        return route
    dist = geometry.distance
    for _ in range(max_rounds):
        improved = False
        path = [(0.0, 0.0), *route, (0.0, 0.0)]
        for i in range(1, n):
            for j in range(i + 1, n + 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if dist(a, c) + dist(b, d) < dist(a, b) + dist(c, d) - 1e-9:
                    path[i:j + 1] = reversed(path[i:j + 1])
                    improved = True
        for size in (1, 2, 3):
            i = 1
            while i + size <= n + 1:
                segment = path[i:i + size]
                before, after = path[i - 1], path[i + size]
                gain = dist(before, segment[0]) + dist(segment[-1], after) - dist(before, after)
                rest = path[:i] + path[i + size:]
                best, best_at, flip = 1e-9, None, False
                for k in range(len(rest) - 1):
                    p, q = rest[k], rest[k + 1]
                    base = dist(p, q)
                    forward = dist(p, segment[0]) + dist(segment[-1], q) - base
                    backward = dist(p, segment[-1]) + dist(segment[0], q) - base
                    if gain - forward > best:
                        best, best_at, flip = gain - forward, k, False
                    if gain - backward > best:
                        best, best_at, flip = gain - backward, k, True
                if best_at is not None:
                    moved = list(reversed(segment)) if flip else segment
                    path = rest[:best_at + 1] + moved + rest[best_at + 1:]
                    improved = True
                i += 1
        route = path[1:-1]
        if not improved:
            break
    return route


def best_route(geometry: FloorGeometry, points: Iterable[Point]) -> list[Point]:
    """The shortest of serpentine and largest gap, each improved (see above), through distinct points."""
    points = sorted(set(points))
    candidates = [serpentine_route(points), largest_gap_route(points, geometry.depth)]
    improved = [improve_route(geometry, c) for c in candidates] if len(points) <= ROUTE_IMPROVE_MAX_STOPS \
        else candidates
    return min(improved, key=lambda r: _route_length(geometry, r))


# Local search is quadratic per round; a list longer than this (rare: one picker's cart) keeps the better
# of the two constructed routes.
ROUTE_IMPROVE_MAX_STOPS = 150


def pick_route_order(items: Iterable[T], geometry: FloorGeometry, spot: Callable[[T], Spot] = spot_of) -> list[T]:
    """Return the items in walking order along the best route (best_route); at one spot, levels bottom to top.
    Places outside the aisles (aisle 0) keep their walk_sequence order and come last, as in serpentine_order."""
    items = list(items)
    in_aisle = [i for i in items if spot(i).in_aisle]
    rest = [i for i in items if not spot(i).in_aisle]
    rank = {p: n for n, p in enumerate(best_route(geometry, [geometry.point(spot(i)) for i in in_aisle]))}
    in_aisle.sort(key=lambda i: (rank[geometry.point(spot(i))], spot(i).level, spot(i).code))
    rest.sort(key=lambda i: (spot(i).walk_sequence, spot(i).level, spot(i).code))
    return in_aisle + rest


def floor_geometry(*, warehouse) -> FloorGeometry:
    """The warehouse's floor for pick routes: its aisles placed by the zones' layouts (ZoneLayout), or zone by
    zone in alphabetical order 3 m apart where a zone has none."""
    aisles = sorted(set(Location.objects.filter(warehouse=warehouse, aisle__gt=0).values_list("zone", "aisle")))
    bays = Location.objects.filter(warehouse=warehouse, aisle__gt=0).aggregate(m=Max("bay"))["m"] or 0
    layouts = {z.zone: z for z in ZoneLayout.objects.filter(warehouse=warehouse)}
    return geometry_from_layout(aisles, bays, layouts)


def geometry_from_layout(aisles: Iterable[tuple[str, int]], bays: int, layouts: Mapping[str, object]) -> FloorGeometry:
    """Place aisles zone by zone (by walk_position, then name): at the zone's first_aisle_m when it has one,
    else one pitch after the previous aisle; aisles of a zone one pitch apart, by number."""
    zones: dict[str, list[int]] = {}
    for zone, aisle in aisles:
        zones.setdefault(zone, []).append(aisle)
    default_pitch = 3.0

    def zone_key(zone: str):
        layout = layouts.get(zone)
        return (getattr(layout, "walk_position", 0), zone)

    aisle_x: dict[tuple[str, int], float] = {}
    order: list[tuple[str, int]] = []
    last_x: float | None = None
    for zone in sorted(zones, key=zone_key):
        layout = layouts.get(zone)
        pitch = float(getattr(layout, "aisle_pitch_m", None) or default_pitch)
        start = getattr(layout, "first_aisle_m", None)
        x = float(start) if start is not None else (0.0 if last_x is None else last_x + pitch)
        for aisle in sorted(zones[zone]):
            aisle_x[(zone, aisle)] = x
            order.append((zone, aisle))
            last_x = x
            x += pitch
    return FloorGeometry(aisle_order=order, bays=bays, aisle_x=aisle_x)
