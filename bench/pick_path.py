"""Pick path benchmark: metres walked on a generated warehouse, serpentine against the unsorted list and
against the shortest possible route (exact, Held-Karp, for small lists).

    .venv/bin/python bench/pick_path.py

The floor: 12 parallel aisles of 20 bays (3 levels), cross-aisles front and back, 3 m between aisles,
1.3 m per bay; every walk starts and ends at the packing area in front of the first aisle. Lists are
random stops (seeded), in the order orders happened to allocate them ("unsorted").
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warehouses.walk import FloorGeometry, Spot, serpentine_order, serpentine_sequence  # noqa: E402

AISLES, BAYS, LEVELS = 12, 20, "ABC"
SAMPLES = 150
SEED = 20261126


def floor() -> list[Spot]:
    zone_of = lambda aisle: "A" if aisle <= 8 else "B"  # noqa: E731
    return [Spot(zone=zone_of(a), aisle=a, bay=b, level=lv, code=f"{zone_of(a)}-{a:02d}-{b:02d}-{lv}")
            for a in range(1, AISLES + 1) for b in range(1, BAYS + 1) for lv in LEVELS]


def main() -> None:
    spots = floor()
    geometry = FloorGeometry(aisle_order=sorted({(s.zone, s.aisle) for s in spots}), bays=BAYS)
    fixed = serpentine_sequence(spots)  # the walk_sequence numbers a warehouse stores
    rng = random.Random(SEED)
    print(f"Floor: {AISLES} aisles x {BAYS} bays x {len(LEVELS)} levels = {len(spots)} locations; "
          f"{SAMPLES} random lists per size; metres per walk, mean (and vs the optimum)")
    print(f"{'stops':>5} {'unsorted':>10} {'fixed seq':>10} {'serpentine':>11} {'optimum':>9} "
          f"{'serp/opt':>9} {'unsorted/serp':>14} {'worst serp/opt':>15}")
    for n in (3, 5, 8, 10, 12, 25, 50):
        unsorted, by_sequence, serp, best, ratios = [], [], [], [], []
        for _ in range(SAMPLES if n <= 12 else SAMPLES // 3):
            stops = rng.sample(spots, n)
            unsorted.append(geometry.route_length(stops))
            by_sequence.append(geometry.route_length(sorted(stops, key=lambda s: fixed[s.code])))
            s_len = geometry.route_length(serpentine_order(stops, spot=lambda s: s))
            serp.append(s_len)
            if n <= 12:
                opt = geometry.shortest_route_length(stops)
                best.append(opt)
                ratios.append(s_len / opt)
        mean = statistics.fmean
        opt_txt = f"{mean(best):9.1f}" if best else f"{'-':>9}"
        ratio_txt = f"{mean(ratios):9.3f}" if ratios else f"{'-':>9}"
        worst_txt = f"{max(ratios):15.3f}" if ratios else f"{'-':>15}"
        print(f"{n:>5} {mean(unsorted):10.1f} {mean(by_sequence):10.1f} {mean(serp):11.1f} {opt_txt} "
              f"{ratio_txt} {mean(unsorted) / mean(serp):14.2f} {worst_txt}")
    big = rng.sample(spots, 500)
    start = time.perf_counter()
    for _ in range(20):
        serpentine_order(big, spot=lambda s: s)
    per_sort = (time.perf_counter() - start) / 20 * 1000
    print(f"Sorting a 500-stop list: {per_sort:.2f} ms")


if __name__ == "__main__":
    main()
