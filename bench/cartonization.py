"""Cartonization benchmark (run by `make bench`, or `python bench/cartonization.py`).

1. Optimality against an exact reference, on 1,000 random orders of 1 to 6 units (BENCH_ORDERS to change) in
   three data sets: random boxy items with eleven US corrugated boxes, the same with four boxes, and items of
   the BoxPacker set with its own boxes. The reference tries every partition of the order into boxes; a fit
   that our packer finds is checked (verify_packing) and accepted, every fit it rejects is decided again by
   Google OR-Tools CP-SAT (pip install ortools), or without it by an exhaustive search over normal positions.
   Reported side by side: the recommendation (fewest boxes, then billable weight at 139, then box cost); the
   cheapest priced plan among one-, two- and three-box candidates; and what a single box or the old greedy
   split would cost. Optimal %, mean, p95 and worst excess over the optimum, and the time per order: p50, p95
   and p99 of the wall time and of the CPU time (process time, which other programs on a shared machine
   inflate far less), beside a baseline measured on the same orders in the same run: the quick heuristics
   alone filling every box (pack_partial), with no proof of fit or no-fit.
2. The 4,288 real orders of the BoxPacker efficiency set (shared/benchmarks/boxpacker/ beside the checkout or
   BOXPACKER_DIR; MIT, from dvdoug/BoxPacker tests/data): boxes used per order against BoxPacker's own 3D
   result, the per-order comparison in test-artifacts/bench-boxpacker.csv. Skipped, saying so, when absent.
"""

from __future__ import annotations

import csv
import os
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
    candidate_packings,
    fit,
    floating_items,
    greedy_split,
    item_fits_box,
    pack_partial,
    recommend,
    verify_packing,
)

try:  # the exact reference: OR-Tools CP-SAT when installed (pip install ortools), else an exhaustive search
    from ortools.sat.python import cp_model
except ImportError:  # pragma: no cover - depends on the machine
    cp_model = None

def _boxpacker_dir() -> Path:
    # BOXPACKER_DIR, else shared/ beside the checkout (or beside its parent, for a git worktree).
    if os.environ.get("BOXPACKER_DIR"):
        return Path(os.environ["BOXPACKER_DIR"])
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "benchmarks" / "boxpacker").is_dir():
            return base / "shared" / "benchmarks" / "boxpacker"
    return ROOT.parent / "shared" / "benchmarks" / "boxpacker"


BOXPACKER_DIR = _boxpacker_dir()
ARTIFACTS = ROOT / "test-artifacts"
INCH = 25.4
NODE_BUDGET = 200_000
SEED = 20261126

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


# --- the exact reference ---------------------------------------------------------------------------------

def cpsat_fits(box: Box, items: list[Item], seconds: float = 20.0) -> bool | None:
    """Decide fit with Google OR-Tools CP-SAT: a rotation and a position per item, and for every pair one of
    the six "left of / behind / below" relations. None when the solver timed out."""
    model = cp_model.CpModel()
    inner = (box.length, box.width, box.height)
    positions, extents = [], []
    for item in items:
        rotations = sorted({d for d in permutations(item.dims) if all(d[a] <= inner[a] for a in range(3))})
        if not rotations:
            return False
        chosen = [model.new_bool_var("") for _ in rotations]
        model.add_exactly_one(chosen)
        extent = [sum(c * r[a] for c, r in zip(chosen, rotations, strict=True)) for a in range(3)]
        position = [model.new_int_var(0, inner[a], "") for a in range(3)]
        for a in range(3):
            model.add(position[a] + extent[a] <= inner[a])
        positions.append(position)
        extents.append(extent)
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            apart = [model.new_bool_var("") for _ in range(6)]
            model.add_bool_or(apart)
            for a in range(3):
                model.add(positions[i][a] + extents[i][a] <= positions[j][a]).only_enforce_if(apart[2 * a])
                model.add(positions[j][a] + extents[j][a] <= positions[i][a]).only_enforce_if(apart[2 * a + 1])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


def exhaustive_fits(box: Box, items: list[Item]) -> bool | None:
    """Without OR-Tools: a complete search over order, rotation and every position on the grid of the placed
    items' far faces (normal positions). None when the node budget ran out."""
    nodes = 0
    inner = (box.length, box.width, box.height)
    rotations = [sorted({d for d in permutations(i.dims) if all(d[a] <= inner[a] for a in range(3))})
                 for i in items]

    def search(left: tuple[int, ...], placed: list[tuple]) -> bool | None:
        nonlocal nodes
        if not left:
            return True
        grid = [sorted({0, *(b[3 + a] for b in placed)}) for a in range(3)]
        undecided = False
        for n, index in enumerate(left):
            rest = left[:n] + left[n + 1:]
            for d in rotations[index]:
                for x in grid[0]:
                    for y in grid[1]:
                        for z in grid[2]:
                            nodes += 1
                            if nodes > NODE_BUDGET:
                                return None
                            x2, y2, z2 = x + d[0], y + d[1], z + d[2]
                            if x2 > inner[0] or y2 > inner[1] or z2 > inner[2]:
                                continue
                            if any(x < b[3] and b[0] < x2 and y < b[4] and b[1] < y2 and z < b[5] and b[2] < z2
                                   for b in placed):
                                continue
                            result = search(rest, [*placed, (x, y, z, x2, y2, z2)])
                            if result:
                                return True
                            undecided |= result is None
        return None if undecided else False

    return search(tuple(range(len(items))), [])


class Reference:
    """Fit decided for certain: a packing that `fit` finds is checked and accepted (it is a proof); every
    "does not fit" is decided again by CP-SAT (or, without OR-Tools, by the exhaustive search)."""

    def __init__(self):
        self.cache: dict[tuple, bool | None] = {}
        self.undecided = 0
        self.solver_calls = 0

    def fits(self, box: Box, items: list[Item]) -> bool:
        key = (box.key, tuple(sorted((i.dims, i.weight_g) for i in items)))
        if key not in self.cache:
            result: bool | None
            if (sum(i.weight_g for i in items) + box.tare_g > box.max_weight_g
                    or sum(i.volume for i in items) > box.volume
                    or not all(item_fits_box(i, box) for i in items)):
                result = False
            else:
                found = fit(box, items).packed
                if found is not None:
                    verify_packing(found)
                    result = True
                else:
                    self.solver_calls += 1
                    result = cpsat_fits(box, items) if cp_model else exhaustive_fits(box, items)
                    if result is None:
                        self.undecided += 1
            self.cache[key] = result
        return bool(self.cache[key])


def set_partitions(units: list[int], blocks: int):
    """Every way to split the units into exactly this many non-empty blocks."""
    if blocks == 1:
        yield [units]
        return
    if len(units) < blocks:
        return
    first, rest = units[0], units[1:]
    for partition in set_partitions(rest, blocks - 1):
        yield [[first], *partition]
    for partition in set_partitions(rest, blocks):
        for n in range(len(partition)):
            yield [*partition[:n], [first, *partition[n]], *partition[n + 1:]]


# Two ways of billing a package and a price per package for each, to compare plans in dollars: UPS-like
# (DIM at 139 always) and USPS-like (DIM at 166, only above one cubic foot).
PRICING = [((Decimal("139"), 0), Decimal("9.50"), Decimal("0.85")),
           ((Decimal("166"), 1728), Decimal("8.20"), Decimal("1.10"))]


def package_price(box: Box, items: list[Item], billing, base: Decimal, per_lb: Decimal) -> Decimal:
    weight = sum(i.weight_g for i in items) + box.tare_g
    return base + per_lb * billable_weight_lb(box.outer, weight, *billing) + box.cost


def reference_optimum(items: list[Item], boxes: list[Box], ref: Reference) -> tuple[tuple, Decimal]:
    """(fewest boxes, their lowest total billable weight at 139, box cost) and the cheapest total price of a
    plan in up to three boxes (or the fewest, when more are needed), found by trying every partition."""
    units = list(range(len(items)))
    best_rank = None
    best_price = None
    for count in range(1, len(items) + 1):
        if count > 3 and best_rank is not None:
            break
        for partition in set_partitions(units, count):
            groups = [[items[u] for u in block] for block in partition]
            fitting = [[b for b in boxes if ref.fits(b, g)] for g in groups]
            if not all(fitting):
                continue
            weight_rank = [min((billable_weight_lb(b.outer, sum(i.weight_g for i in g) + b.tare_g), b.cost)
                               for b in fb) for g, fb in zip(groups, fitting, strict=True)]
            rank = (count, sum(w for w, _ in weight_rank), sum(c for _, c in weight_rank))
            if best_rank is None or rank < best_rank:
                best_rank = rank
            for billing, base, per_lb in PRICING:
                price = sum(min(package_price(b, g, billing, base, per_lb) for b in fb)
                            for g, fb in zip(groups, fitting, strict=True))
                if best_price is None or price < best_price:
                    best_price = price
    assert best_rank is not None
    assert best_price is not None
    return best_rank, best_price


def plan_price(packing) -> Decimal:
    return min(sum(package_price(p.box, p.items, billing, base, per_lb) for p in packing)
               for billing, base, per_lb in PRICING)


# --- the data sets ---------------------------------------------------------------------------------------

def boxy_orders(n: int, seed: int) -> list[list[Item]]:
    """Random boxy items (each side 40-300 mm, 0.1-0.8 g/cm³), 1 to 6 units an order, repeats allowed."""
    rng = random.Random(seed)
    orders = []
    for number in range(n):
        units: list[Item] = []
        size = rng.randint(1, 6)
        while len(units) < size:
            dims = sorted((rng.randint(40, 300) for _ in range(3)), reverse=True)
            weight = max(20, round(dims[0] * dims[1] * dims[2] / 1000 * rng.uniform(0.1, 0.8)))
            item = Item(key=f"R{number}-{len(units)}", length=dims[0], width=dims[1], height=dims[2],
                        weight_g=weight)
            units += [item] * min(size - len(units), rng.choice([1, 1, 1, 2, 3]))
        orders.append(units)
    return orders


def small_box_set() -> list[Box]:
    return [b for b in realistic_boxes() if b.key in ("8x6x4", "12x10x6", "16x12x8", "24x18x12")]


def boxpacker_data() -> tuple[list[Box], dict[str, list[Item]], dict[str, int]] | None:
    if not (BOXPACKER_DIR / "items.csv").exists():
        return None
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
    return boxes, dict(orders), expected


def boxpacker_item_orders(n: int, seed: int, catalogue: list[Item]) -> list[list[Item]]:
    """Random orders of 1 to 6 units drawn from the BoxPacker set's own items."""
    rng = random.Random(seed)
    orders = []
    for _ in range(n):
        size = rng.randint(1, 6)
        units: list[Item] = []
        while len(units) < size:
            units += [rng.choice(catalogue)] * min(size - len(units), rng.choice([1, 1, 1, 2, 3]))
        orders.append(units)
    return orders


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_optimality(name: str, orders: list[list[Item]], boxes: list[Box]) -> None:
    """Ours against the exact reference, on the recommendation (fewest boxes, then billable weight, then box
    cost) and on the cheapest priced plan of up to three boxes; with a single box or the old greedy split
    for comparison."""
    ref = Reference()
    rec_optimal = price_optimal = greedy_optimal = multi = 0
    rec_excess, price_excess, greedy_excess, times, pricing_times = [], [], [], [], []
    cpu_times, baseline_times, baseline_cpu = [], [], []
    billings = [billing for billing, _, _ in PRICING]
    for items in orders:
        start, cpu_start = time.perf_counter(), time.process_time()
        rec = recommend(items, boxes)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        start, cpu_start = time.perf_counter(), time.process_time()
        for box in boxes:
            pack_partial(box, items)
        baseline_times.append(time.perf_counter() - start)
        baseline_cpu.append(time.process_time() - cpu_start)
        start = time.perf_counter()
        packings = candidate_packings(items, boxes, billings)
        pricing_times.append(time.perf_counter() - start)
        for packing in [rec.packages, *packings]:
            for packed in packing:
                verify_packing(packed)
                assert not floating_items(packed), "an item floats"
            assert sum(len(p.placements) for p in packing) == len(items)
        best_rank, best_price = reference_optimum(items, boxes, ref)
        ours = (len(rec.packages), rec.billable_weight_lb, rec.box_cost)
        if best_rank[0] > 1:
            multi += 1
        rec_optimal += ours == best_rank
        rec_excess.append(ours[1] / best_rank[1] - 1 if ours[0] == best_rank[0] else ours[0] / best_rank[0] - 1)
        price = min(plan_price(p) for p in packings)
        price_optimal += price <= best_price
        price_excess.append(float(price / best_price - 1))
        greedy = min((plan_price(p) for p in packings if len(p) == 1), default=None)
        if greedy is None:  # no single box: what the old greedy split costs
            greedy = plan_price(greedy_split(items, boxes, Decimal("139")))
        greedy_optimal += greedy <= best_price
        greedy_excess.append(float(greedy / best_price - 1))
    total = len(orders)
    ms = [t * 1000 for t in times]
    print(f"{name}: {total} orders of 1-6 units, {len(boxes)} boxes; {multi} need more than one box; "
          f"reference: {'CP-SAT' if cp_model else 'exhaustive search'} on {ref.solver_calls} fit questions, "
          f"undecided {ref.undecided}")
    print(f"  {'plan':<36} {'optimal':>8} {'mean excess':>12} {'p95':>7} {'worst':>7}")
    for label, optimal, excess in (
            ("recommend (boxes, billable lb, cost)", rec_optimal, rec_excess),
            ("priced: 1-3 box plans", price_optimal, price_excess),
            ("priced: single box or greedy split", greedy_optimal, greedy_excess)):
        print(f"  {label:<36} {100 * optimal / total:7.2f}% {100 * statistics.fmean(excess):11.2f}% "
              f"{100 * percentile(excess, 0.95):6.1f}% {100 * max(excess):6.1f}%")
    print(f"  {'time per order (ms)':<36} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for label, values in (("recommend, wall", times), ("recommend, CPU", cpu_times),
                          ("baseline (heuristics only), wall", baseline_times),
                          ("baseline (heuristics only), CPU", baseline_cpu),
                          ("candidate plans for pricing, wall", pricing_times)):
        values_ms = [v * 1000 for v in values]
        print(f"  {label:<36} {percentile(values_ms, 0.5):8.2f} {percentile(values_ms, 0.95):8.2f} "
              f"{percentile(values_ms, 0.99):8.2f} {max(values_ms):8.2f}")
    print(f"  recommend / baseline, CPU: p50 {percentile(cpu_times, 0.5) / percentile(baseline_cpu, 0.5):.1f}x, "
          f"p99 {percentile(cpu_times, 0.99) / percentile(baseline_cpu, 0.99):.1f}x; recommend mean "
          f"{statistics.fmean(ms):.2f} ms wall")


def bench_generated() -> None:
    orders = int(os.environ.get("BENCH_ORDERS", "1000"))
    bench_optimality("Random boxy items, 11 US boxes", boxy_orders(orders, SEED), realistic_boxes())
    bench_optimality("Random boxy items, 4 boxes", boxy_orders(orders, SEED + 1), small_box_set())
    data = boxpacker_data()
    if data is None:
        print(f"BoxPacker items: skipped, {BOXPACKER_DIR} is absent (set BOXPACKER_DIR to run it).")
        return
    boxes, real_orders, _ = data
    catalogue = sorted({i for items in real_orders.values() for i in items}, key=lambda i: i.key)
    bench_optimality("BoxPacker items, its 4 boxes", boxpacker_item_orders(orders, SEED, catalogue), boxes)


def bench_boxpacker() -> None:
    data = boxpacker_data()
    if data is None:
        print(f"BoxPacker efficiency set: skipped, {BOXPACKER_DIR} is absent (set BOXPACKER_DIR to run it).")
        return
    boxes, orders, expected = data
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
