"""Cartonization benchmark (run by `make bench`, or `python bench/cartonization.py`).

1. 1,000 generated orders (1 to 5 units from a 60-product catalogue, seeded) against a realistic set of
   eleven US corrugated box sizes: how far the recommendation's billable weight (at 139 in³/lb) is from the
   best box found by exhaustive search, and how long a recommendation takes.
   "Exhaustive" = every box with a lower billable weight than the recommendation (ties: cheaper) is tried
   with a complete depth-first search over item order, all six rotations and every extreme-point position;
   a node budget stops pathological cases, which are counted as "undecided" rather than guessed.
2. The 4,288 real orders of the BoxPacker efficiency set (../shared/benchmarks/boxpacker/, MIT, from
   dvdoug/BoxPacker tests/data): boxes used per order against BoxPacker's own 3D (free rotation) result.
   The per-order comparison is written to test-artifacts/bench-boxpacker.csv. Skipped, saying so, when the
   data set is absent.
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from itertools import permutations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipping.cartonization import (  # noqa: E402
    Box,
    Item,
    billable_weight_lb,
    item_fits_box,
    recommend,
    verify_packing,
)

BOXPACKER_DIR = Path(
    __import__("os").environ.get("BOXPACKER_DIR", str(ROOT.parent / "shared" / "benchmarks" / "boxpacker"))
)
ARTIFACTS = ROOT / "test-artifacts"
INCH = 25.4
NODE_BUDGET = 200_000

# Common US corrugated sizes (inside, inches), 3 mm board, tare and cost growing with the board area.
US_BOXES_IN = [(6, 4, 4), (8, 6, 4), (9, 6, 3), (10, 8, 4), (12, 9, 4), (12, 10, 6), (14, 10, 6), (16, 12, 8),
               (18, 14, 10), (20, 16, 12), (24, 18, 12)]


def realistic_boxes() -> list[Box]:
    boxes = []
    for length, width, height in US_BOXES_IN:
        inner = [round(d * INCH) for d in (length, width, height)]
        outer = [d + 6 for d in inner]
        area_m2 = 2 * (inner[0] * inner[1] + inner[0] * inner[2] + inner[1] * inner[2]) / 1e6
        boxes.append(Box(key=f"{length}x{width}x{height}", length=inner[0], width=inner[1], height=inner[2],
                         outer_length=outer[0], outer_width=outer[1], outer_height=outer[2],
                         tare_g=round(area_m2 * 550), max_weight_g=30_000,
                         cost=(Decimal("0.15") + Decimal(str(round(area_m2 * 0.9, 2)))).quantize(Decimal("0.01"))))
    return boxes


def generated_orders(n: int = 1000, seed: int = 20261126) -> list[list[Item]]:
    rng = random.Random(seed)
    catalogue = []
    for i in range(60):
        shape = rng.random()
        if shape < 0.35:  # flat: apparel, books
            dims = (rng.randint(150, 380), rng.randint(100, 300), rng.randint(10, 60))
        elif shape < 0.75:  # boxy: gadgets, jars
            dims = (rng.randint(50, 220), rng.randint(50, 200), rng.randint(40, 160))
        else:  # long: poles, tubes
            dims = (rng.randint(250, 550), rng.randint(40, 120), rng.randint(40, 120))
        density = rng.uniform(0.15, 0.9)  # g per cm³
        weight = max(20, round(dims[0] * dims[1] * dims[2] / 1000 * density))
        catalogue.append(Item(key=f"P{i:02d}", length=dims[0], width=dims[1], height=dims[2], weight_g=weight))
    orders = []
    for _ in range(n):
        units = []
        for _ in range(rng.randint(1, 3)):
            units += [rng.choice(catalogue)] * rng.choice([1, 1, 1, 2, 2, 3])
        orders.append(units[:5])
    return orders


def exhaustive_fits(box: Box, items: list[Item]) -> bool | None:
    """Complete search over order, rotation and extreme-point position. None when the node budget ran out."""
    if sum(i.weight_g for i in items) + box.tare_g > box.max_weight_g:
        return False
    if sum(i.volume for i in items) > box.volume or not all(item_fits_box(i, box) for i in items):
        return False
    nodes = 0
    rotations = {i.dims: sorted(set(permutations(i.dims))) for i in items}

    def search(remaining: tuple[Item, ...], placed: list[tuple], points: frozenset) -> bool | None:
        nonlocal nodes
        if not remaining:
            return True
        tried_dims = set()
        undecided = False
        for index, item in enumerate(remaining):
            if item.dims in tried_dims:  # identical items are interchangeable
                continue
            tried_dims.add(item.dims)
            rest = remaining[:index] + remaining[index + 1:]
            for dx, dy, dz in rotations[item.dims]:
                for px, py, pz in points:
                    nodes += 1
                    if nodes > NODE_BUDGET:
                        return None
                    x2, y2, z2 = px + dx, py + dy, pz + dz
                    if x2 > box.length or y2 > box.width or z2 > box.height:
                        continue
                    if any(px < b[3] and b[0] < x2 and py < b[4] and b[1] < y2 and pz < b[5] and b[2] < z2
                           for b in placed):
                        continue
                    new_points = (points - {(px, py, pz)}) | {(x2, py, pz), (px, y2, pz), (px, py, z2)}
                    result = search(rest, [*placed, (px, py, pz, x2, y2, z2)], frozenset(new_points))
                    if result:
                        return True
                    if result is None:
                        undecided = True
        return None if undecided else False

    return search(tuple(items), [], frozenset({(0, 0, 0)}))


def rank(box: Box, items: list[Item]) -> tuple:
    weight = sum(i.weight_g for i in items) + box.tare_g
    return (billable_weight_lb(box.outer, weight), box.cost)


def bench_generated() -> None:
    boxes = realistic_boxes()
    orders = generated_orders()
    gaps, times, undecided, splits, optimal = [], [], 0, 0, 0
    for items in orders:
        start = time.perf_counter()
        rec = recommend(items, boxes)
        times.append(time.perf_counter() - start)
        for packed in rec.packages:
            verify_packing(packed)
        if len(rec.packages) > 1:
            splits += 1
            continue
        ours = rank(rec.packages[0].box, items)
        best = ours
        for box in sorted(boxes, key=lambda b: rank(b, items)):
            if rank(box, items) >= best:
                break
            found = exhaustive_fits(box, items)
            if found is None:
                undecided += 1
                break
            if found:
                best = rank(box, items)
                break
        gap = ours[0] - best[0]
        gaps.append(gap)
        optimal += ours == best
    single = len(gaps)
    print(f"Generated orders: {len(orders)} (1-5 units), {len(boxes)} box sizes, DIM divisor 139")
    print(f"  single-box orders: {single}; optimal (same billable weight and cost as exhaustive): "
          f"{optimal} ({100 * optimal / single:.1f}%)")
    print(f"  billable-weight gap to exhaustive: mean {statistics.mean(gaps):.3f} lb, max {max(gaps)} lb, "
          f"orders with a gap {sum(1 for g in gaps if g > 0)}")
    print(f"  split into several boxes (nothing fits): {splits}; exhaustive search undecided (node budget): "
          f"{undecided}")
    times_ms = sorted(t * 1000 for t in times)
    print(f"  time per recommendation: mean {statistics.mean(times_ms):.2f} ms, "
          f"p95 {times_ms[int(len(times_ms) * 0.95)]:.2f} ms, max {times_ms[-1]:.2f} ms")


def bench_boxpacker() -> None:
    if not (BOXPACKER_DIR / "items.csv").exists():
        print(f"BoxPacker efficiency set: skipped, {BOXPACKER_DIR} is absent (set BOXPACKER_DIR to run it).")
        return
    boxes = []
    with open(BOXPACKER_DIR / "boxes.csv", newline="") as handle:
        for ref, ow, ol, od, empty, iw, il, idp, max_weight in csv.reader(handle):
            boxes.append(Box(key=ref, length=int(il), width=int(iw), height=int(idp), outer_length=int(ol),
                             outer_width=int(ow), outer_height=int(od), tare_g=int(empty),
                             max_weight_g=int(max_weight)))
    orders: dict[str, list[Item]] = defaultdict(list)
    with open(BOXPACKER_DIR / "items.csv", newline="") as handle:
        for order_id, quantity, item_id, width, length, depth, weight in csv.reader(handle):
            orders[order_id] += [Item(key=item_id, length=int(length), width=int(width), height=int(depth),
                                      weight_g=int(weight))] * int(quantity)
    expected = {}
    with open(BOXPACKER_DIR / "expected.csv", newline="") as handle:
        for row in csv.reader(handle):
            expected[row[0]] = int(row[4])  # the 3D (free rotation) run: boxes used
    fewer = equal = more = 0
    worse = []
    rows = []
    start = time.perf_counter()
    for order_id, items in orders.items():
        rec = recommend(items, boxes)
        for packed in rec.packages:
            verify_packing(packed)
        assert sum(len(p.placements) for p in rec.packages) == len(items)
        ours, theirs = len(rec.packages), expected[order_id]
        rows.append((order_id, len(items), ours, theirs, ours - theirs))
        if ours < theirs:
            fewer += 1
        elif ours == theirs:
            equal += 1
        else:
            more += 1
            worse.append((order_id, len(items), ours, theirs))
    elapsed = time.perf_counter() - start
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "bench-boxpacker.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "units", "dockhand_boxes", "boxpacker_boxes", "difference"])
        writer.writerows(rows)
    total = len(orders)
    print(f"BoxPacker efficiency set: {total} orders, {sum(len(v) for v in orders.values())} units, "
          f"{len(boxes)} box types")
    print(f"  boxes used vs BoxPacker 3D: fewer {fewer}, equal {equal}, more {more} "
          f"({100 * (fewer + equal) / total:.2f}% fewer or equal); total {sum(r[2] for r in rows)} vs "
          f"{sum(r[3] for r in rows)}")
    for order_id, units, ours, theirs in worse:
        print(f"  more boxes: order {order_id} ({units} units): {ours} vs {theirs}")
    print(f"  time: {elapsed:.1f} s in all, {1000 * elapsed / total:.2f} ms per order; "
          f"per-order CSV in {ARTIFACTS / 'bench-boxpacker.csv'}")


if __name__ == "__main__":
    bench_generated()
    bench_boxpacker()
