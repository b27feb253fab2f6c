"""Pick path benchmark: metres walked, each routing against the shortest possible route.

    .venv/bin/python bench/pick_path.py            (PICK_SAMPLES=40 to change the lists per size)

Two floors, cross-aisles front and back, the packing area in front of the first aisle where every walk starts
and ends: the demo warehouse (zones A, B and R: 8 aisles of 4-6 bays) and a 12-aisle x 20-bay floor (3 m
between aisles, 1.3 m per bay). Random lists of 5 to 30 stops (seeded). The optimum is exact: Held-Karp up to
12 distinct stops, Google OR-Tools CP-SAT (a circuit constraint) above, when installed (pip install ortools);
without it the longer lists are compared with the best route found, and the report says so.
Routings: serpentine (S-shape), largest gap, serpentine improved by 2-opt/or-opt, and what pick lists use:
the best of serpentine and largest gap, each improved (warehouses.walk.best_route).
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# warehouses.walk also holds the database side (the floor read from zone layouts): Django must be set up.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from warehouses.walk import (  # noqa: E402
    FloorGeometry,
    Spot,
    best_route,
    improve_route,
    largest_gap_route,
    serpentine_route,
)

try:
    from ortools.sat.python import cp_model
except ImportError:  # pragma: no cover - depends on the machine
    cp_model = None

SEED = 20261126
SIZES = (5, 8, 10, 12, 15, 20, 25, 30)

# zone, aisles, bays (the demo's FLOOR_LAYOUT in demo/seed.py)
DEMO_LAYOUT = [("A", range(1, 5), 6, "ABC"), ("B", range(5, 7), 6, "AB"), ("R", range(7, 9), 4, "ABCD")]


def demo_floor() -> tuple[FloorGeometry, list[Spot]]:
    spots = [Spot(zone=z, aisle=a, bay=b, level=lv, code=f"{z}-{a:02d}-{b:02d}-{lv}")
             for z, aisles, bays, levels in DEMO_LAYOUT for a in aisles for b in range(1, bays + 1) for lv in levels]
    return FloorGeometry(aisle_order=sorted({(s.zone, s.aisle) for s in spots}), bays=6), spots


def grid_floor(aisles: int = 12, bays: int = 20) -> tuple[FloorGeometry, list[Spot]]:
    spots = [Spot(zone="A" if a <= 8 else "B", aisle=a, bay=b, level=lv, code=f"{a:02d}-{b:02d}-{lv}")
             for a in range(1, aisles + 1) for b in range(1, bays + 1) for lv in "ABC"]
    return FloorGeometry(aisle_order=sorted({(s.zone, s.aisle) for s in spots}), bays=bays), spots


def route_length(geometry: FloorGeometry, route) -> float:
    points = [(0.0, 0.0), *route, (0.0, 0.0)]
    return sum(geometry.distance(p, q) for p, q in itertools.pairwise(points))


def held_karp(geometry: FloorGeometry, points: list) -> float:
    depot = (0.0, 0.0)
    n = len(points)
    dist = [[geometry.distance(p, q) for q in points] for p in points]
    best = {(1 << i, i): geometry.distance(depot, points[i]) for i in range(n)}
    for size in range(2, n + 1):
        for subset in itertools.combinations(range(n), size):
            mask = sum(1 << i for i in subset)
            for last in subset:
                prev = mask & ~(1 << last)
                best[(mask, last)] = min(best[(prev, j)] + dist[j][last] for j in subset if j != last)
    full = (1 << n) - 1
    return min(best[(full, i)] + geometry.distance(points[i], depot) for i in range(n))


CPSAT_SECONDS = 10.0


def cpsat_tour(geometry: FloorGeometry, points: list, seconds: float = CPSAT_SECONDS) -> tuple[float, bool]:
    """Length of the shortest tour by CP-SAT (distances in millimetres), and whether it is proven optimal."""
    nodes = [(0.0, 0.0), *points]
    model = cp_model.CpModel()
    arcs, cost = [], []
    for i, p in enumerate(nodes):
        for j, q in enumerate(nodes):
            if i != j:
                lit = model.new_bool_var("")
                arcs.append((i, j, lit))
                cost.append(round(geometry.distance(p, q) * 1000) * lit)
    model.add_circuit(arcs)
    model.minimize(sum(cost))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    succ = {i: j for i, j, lit in arcs if solver.boolean_value(lit)}
    tour, node = [], succ[0]
    while node != 0:
        tour.append(nodes[node])
        node = succ[node]
    return route_length(geometry, tour), status == cp_model.OPTIMAL


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_floor(name: str, geometry: FloorGeometry, spots: list[Spot], samples: int, rng: random.Random) -> None:
    routings = {
        "serpentine": lambda pts: serpentine_route(pts),
        "largest gap": lambda pts: largest_gap_route(pts, geometry.depth),
        "serpentine + 2-opt": lambda pts: improve_route(geometry, serpentine_route(pts)),
        "best (pick lists)": lambda pts: best_route(geometry, pts),
    }
    print(f"{name}: {len(spots)} locations, {samples} random lists per size; route length / optimum")
    print(f"  {'stops':>5} {'routing':<20} {'optimal':>8} {'mean':>7} {'p95':>7} {'worst':>7}")
    overall: dict[str, list[float]] = {r: [] for r in routings}
    unproven = 0
    timing: list[float] = []
    for n in SIZES:
        ratios: dict[str, list[float]] = {r: [] for r in routings}
        for _ in range(samples):
            points = sorted({geometry.point(s) for s in rng.sample(spots, n)})
            proven = True
            if len(points) <= 12:
                optimum = held_karp(geometry, points)
            elif cp_model is not None:
                optimum, proven = cpsat_tour(geometry, points)
            else:
                optimum, proven = None, False
            unproven += not proven
            lengths = {}
            for label, routing in routings.items():
                start = time.perf_counter()
                route = routing(points)
                if label.startswith("best"):
                    timing.append(time.perf_counter() - start)
                assert sorted(route) == points
                lengths[label] = route_length(geometry, route)
            if not proven:  # the best route known stands in for the optimum
                optimum = min([*lengths.values(), *([optimum] if optimum else [])])
            for label, length in lengths.items():
                ratios[label].append(length / optimum)
        for label, values in ratios.items():
            overall[label] += values
            optimal = sum(1 for v in values if v < 1 + 1e-6)
            print(f"  {n:>5} {label:<20} {100 * optimal / len(values):7.1f}% {statistics.fmean(values):7.3f} "
                  f"{percentile(values, 0.95):7.3f} {max(values):7.3f}")
    print(f"  all sizes 5-{SIZES[-1]}:")
    for label, values in overall.items():
        optimal = sum(1 for v in values if v < 1 + 1e-6)
        print(f"  {'':>5} {label:<20} {100 * optimal / len(values):7.1f}% {statistics.fmean(values):7.3f} "
              f"{percentile(values, 0.95):7.3f} {max(values):7.3f}")
    exact = "Held-Karp <= 12 stops, CP-SAT above" if cp_model else \
        "Held-Karp <= 12 stops; above that OR-Tools is absent and the best route found stands in for the optimum"
    print(f"  optimum: {exact}; lists where it was not proven in {CPSAT_SECONDS:.0f} s (the best route known "
          f"stands in): {unproven} of {samples * len(SIZES)}")
    ms = [t * 1000 for t in timing]
    print(f"  best route time: mean {statistics.fmean(ms):.2f} ms, p95 {percentile(ms, 0.95):.2f} ms, "
          f"max {max(ms):.2f} ms")


def main() -> None:
    samples = int(os.environ.get("PICK_SAMPLES", "40"))
    rng = random.Random(SEED)
    bench_floor("Demo floor", *demo_floor(), samples, rng)
    bench_floor("12 aisles x 20 bays", *grid_floor(), samples, rng)
    geometry, spots = grid_floor()
    big = [geometry.point(s) for s in random.Random(SEED).sample(spots, 500)]
    start = time.perf_counter()
    best_route(geometry, big)
    print(f"Routing a 500-stop list: {1000 * (time.perf_counter() - start):.1f} ms")


if __name__ == "__main__":
    main()
