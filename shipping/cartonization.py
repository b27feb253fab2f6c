"""Cartonization: which box (or fewest boxes) an order's items go in.

Pure Python with no Django imports, so the benchmark and the services share one implementation.

- `pack` places items in a box for real (3D, any of the six axis-aligned rotations) with an extreme-point
  heuristic (Crainic, Perboli & Tadei 2008): each placed item offers the corners next to it as new positions,
  and each item goes to the candidate position that keeps the stack lowest, then deepest, then leftmost.
  A volume check alone would put two 6 cm cubes in a 10 cm cube; `pack` does not.
- `billable_weight_lb` is what carriers charge for: the larger of the actual weight and the dimensional
  weight (outside L × W × H in inches / the carrier's divisor), rounded up to a whole pound.
- `recommend` picks the single box with the lowest billable weight (then the cheaper box); when no box
  holds everything it splits into the fewest boxes it can find (greedy: fill the box that takes the most,
  repeat, then shrink each package to its best box).
- `candidate_packings` lists every way worth pricing, so rating can choose box and service together.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from itertools import permutations, product

GRAMS_PER_LB = 453.59237
# UPS and FedEx daily rates: 139 in³/lb. It is the strictest published divisor, so a box that is best at 139
# is never a bad choice at USPS's 166; rating re-prices every candidate at each service's own divisor.
DEFAULT_DIM_DIVISOR = Decimal("139")


class CartonizationError(Exception):
    """An item fits no box at all (too long, or too heavy for every box)."""


@dataclass(frozen=True)
class Item:
    key: str
    length: int
    width: int
    height: int
    weight_g: int = 0

    @property
    def volume(self) -> int:
        return self.length * self.width * self.height

    @property
    def dims(self) -> tuple[int, int, int]:
        return (self.length, self.width, self.height)


@dataclass(frozen=True)
class Box:
    key: str
    length: int
    width: int
    height: int
    outer_length: int = 0
    outer_width: int = 0
    outer_height: int = 0
    tare_g: int = 0
    max_weight_g: int = 10**9
    cost: Decimal = Decimal("0")
    preferred: bool = False  # a client's own packaging

    @property
    def volume(self) -> int:
        return self.length * self.width * self.height

    @property
    def outer(self) -> tuple[int, int, int]:
        return (self.outer_length or self.length, self.outer_width or self.width, self.outer_height or self.height)


@dataclass(frozen=True)
class Placement:
    item: Item
    x: int
    y: int
    z: int
    dx: int
    dy: int
    dz: int


@dataclass
class PackedBox:
    box: Box
    placements: list[Placement] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [p.item for p in self.placements]

    @property
    def items_weight_g(self) -> int:
        return sum(p.item.weight_g for p in self.placements)

    @property
    def gross_weight_g(self) -> int:
        return self.items_weight_g + self.box.tare_g

    def billable_weight_lb(self, divisor: Decimal = DEFAULT_DIM_DIVISOR, dim_min_volume_in3: int = 0) -> int:
        return billable_weight_lb(self.box.outer, self.gross_weight_g, divisor, dim_min_volume_in3)


Packing = list[PackedBox]


def dims_in_inches(dims_mm: Iterable[int]) -> tuple[int, ...]:
    # Carriers round each side to the nearest whole inch (UPS and FedEx rate guides).
    return tuple(max(1, int(Decimal(d) / Decimal("25.4") + Decimal("0.5"))) for d in dims_mm)


def dimensional_weight_lb(outer_mm: Iterable[int], divisor: Decimal | int = DEFAULT_DIM_DIVISOR,
                          dim_min_volume_in3: int = 0) -> Decimal:
    """Return L × W × H (inches) / divisor, or 0 when the carrier only applies it above a volume."""
    length, width, height = dims_in_inches(outer_mm)
    cubic = length * width * height
    if cubic <= dim_min_volume_in3:
        return Decimal("0")
    return Decimal(cubic) / Decimal(divisor)


def billable_weight_lb(outer_mm: Iterable[int], gross_weight_g: int, divisor: Decimal | int = DEFAULT_DIM_DIVISOR,
                       dim_min_volume_in3: int = 0) -> int:
    """Return the larger of actual and dimensional weight, rounded up to a whole pound (at least 1)."""
    actual = Decimal(gross_weight_g) / Decimal(str(GRAMS_PER_LB))
    dim = dimensional_weight_lb(outer_mm, divisor, dim_min_volume_in3)
    return max(1, math.ceil(max(actual, dim)))


def _orientations(item: Item, box: Box, layered: bool = False) -> list[tuple[int, int, int]]:
    seen = set()
    result = []
    for dims in permutations(item.dims):
        if dims in seen:
            continue
        seen.add(dims)
        if dims[0] <= box.length and dims[1] <= box.width and dims[2] <= box.height:
            result.append(dims)
    # Flattest first: lying items stack into layers.
    result.sort(key=lambda d: (d[2], -d[0] * d[1]))
    if layered and result:
        # The rotation that covers most of the floor with whole rows (285×70 three abreast in a 229 wide box
        # beats 285×80 lying flat two abreast), tried before all the others.
        def coverage(d):
            return (box.length // d[0]) * (box.width // d[1]) * d[0] * d[1]
        best = max(result, key=lambda d: (coverage(d), -d[2]))
        return [best]
    return result


def item_fits_box(item: Item, box: Box) -> bool:
    return all(a <= b for a, b in zip(sorted(item.dims), sorted((box.length, box.width, box.height)), strict=True)) \
        and item.weight_g + box.tare_g <= box.max_weight_g


SORT_KEYS = (
    lambda i: (-i.volume, -max(i.dims), i.key),
    lambda i: (-max(i.dims), -i.volume, i.key),
    lambda i: (-sorted(i.dims)[1] * max(i.dims), -i.volume, i.key),
)
STRATEGIES = [(key, across, layered) for layered in (False, True) for key in SORT_KEYS for across in (False, True)]


def _best_position(points, placed, known_bad, orients, box: Box, across: bool):
    length, width, height = box.length, box.width, box.height
    best = None
    best_score = None
    for point in points:
        if point in known_bad:
            continue
        px, py, pz = point
        fitted = False
        for dx, dy, dz in orients:
            x2, y2, z2 = px + dx, py + dy, pz + dz
            if x2 > length or y2 > width or z2 > height:
                continue
            score = (z2, x2, y2) if across else (z2, y2, x2)
            if best_score is not None and score >= best_score:
                fitted = True  # it would not win, feasible or not; keep the point for later items
                continue
            for ax1, ay1, az1, ax2, ay2, az2 in placed:
                if px < ax2 and ax1 < x2 and py < ay2 and ay1 < y2 and pz < az2 and az1 < z2:
                    break
            else:
                best, best_score = (px, py, pz, dx, dy, dz), score
                fitted = True
        if not fitted:
            # A position too small for an item stays too small for an identical one: skip it next time.
            known_bad.add(point)
    return best


def _pack_sequence(box: Box, items: Sequence[Item], *, partial: bool, across: bool = False,
                   layered: bool = False) -> tuple[list[Placement], list[Item]] | None:
    # across=False fills a layer depth-first (y before x), across=True width-first; layered=True tries each
    # item in its floor-covering rotation first. Which wins depends on the box and items: callers try all.
    length, width, height = box.length, box.width, box.height
    capacity_g = box.max_weight_g - box.tare_g
    placed: list[tuple[int, int, int, int, int, int]] = []
    placements: list[Placement] = []
    leftover: list[Item] = []
    points: set[tuple[int, int, int]] = {(0, 0, 0)}
    payload = 0
    refused: dict[tuple, set[tuple[int, int, int]]] = {}
    orientation_cache: dict[tuple, list[tuple[int, int, int]]] = {}
    for item in items:
        if payload + item.weight_g > capacity_g:
            if not partial:
                return None
            leftover.append(item)
            continue
        best = None
        for restricted in ((True, False) if layered else (False,)):
            key = (item.dims, restricted)
            orients = orientation_cache.get(key)
            if orients is None:
                orients = orientation_cache[key] = _orientations(item, box, restricted)
            best = _best_position(points, placed, refused.setdefault(key, set()), orients, box, across)
            if best is not None:
                break
        if best is None:
            if not partial:
                return None
            leftover.append(item)
            continue
        px, py, pz, dx, dy, dz = best
        x2, y2, z2 = px + dx, py + dy, pz + dz
        placed.append((px, py, pz, x2, y2, z2))
        placements.append(Placement(item, px, py, pz, dx, dy, dz))
        payload += item.weight_g
        points.discard((px, py, pz))
        for nx, ny, nz in ((x2, py, pz), (px, y2, pz), (px, py, z2)):
            if nx < length and ny < width and nz < height:
                points.add((nx, ny, nz))
        # Drop positions now buried inside the new item.
        points = {p for p in points if not (px <= p[0] < x2 and py <= p[1] < y2 and pz <= p[2] < z2)}
    return placements, leftover


def pack(box: Box, items: Sequence[Item]) -> PackedBox | None:
    """Return every item placed in the box (settled: nothing floats), or None when they do not all fit (3D,
    with rotations, by weight). Orders of up to EXACT_MAX_ITEMS units that the heuristics cannot place get an
    exact search, so None means "proven not to fit" unless its budget ran out (see `fit`)."""
    return fit(box, items).packed


@dataclass(frozen=True)
class Fit:
    packed: PackedBox | None
    proven: bool  # False only when the exact search ran out of budget (or the order is too big for it)


def fit(box: Box, items: Sequence[Item], exact: bool = True) -> Fit:
    """Place the items in the box or prove that they cannot all go in; see `pack`. With exact=False only the
    quick heuristics run (a None is then unproven)."""
    # The same question comes back (the recommendation, then the plans to price): answers are remembered.
    found = _fit_cached(box, tuple(sorted(items, key=lambda i: (i.key, i.dims, i.weight_g))), exact)
    if found.packed is None:
        return found
    return Fit(PackedBox(box=box, placements=list(found.packed.placements)), found.proven)


@lru_cache(maxsize=4096)
def _fit_cached(box: Box, items: tuple[Item, ...], exact: bool) -> Fit:
    if not items:
        return Fit(PackedBox(box=box), True)
    if sum(i.weight_g for i in items) + box.tare_g > box.max_weight_g:
        return Fit(None, True)
    if sum(i.volume for i in items) > box.volume:
        return Fit(None, True)
    if not all(item_fits_box(i, box) for i in items):
        return Fit(None, True)
    for key, across, layered in STRATEGIES:
        result = _pack_sequence(box, sorted(items, key=key), partial=False, across=across, layered=layered)
        if result is not None:
            return Fit(PackedBox(box=box, placements=settle(result[0])), True)
    if len(items) > EXACT_MAX_ITEMS or not exact:
        return Fit(None, False)
    if _some_pair_cannot_share(box, items) or _stacking_bound_exceeded(box, items) \
            or _dual_feasible_bound_exceeded(box, items):
        return Fit(None, True)
    # First each heuristic item order alone (quick to find a packing), then every order (a proof either way).
    for key in SORT_KEYS:
        placements, _ = _exact_search(box, sorted(items, key=key), ORDERED_NODE_BUDGET, fixed_order=True)
        if placements is not None:
            return Fit(PackedBox(box=box, placements=settle(placements)), True)
    placements, proven = _exact_search(box, list(items), exact_node_budget(len(items)))
    if placements is not None:
        return Fit(PackedBox(box=box, placements=settle(placements)), True)
    return Fit(None, proven)


# Orders of up to eight units (almost every e-commerce order) that the heuristics cannot fit get a complete
# search over item order, rotation and extreme-point position; its budget grows with the order so that a
# hopeless box still costs milliseconds while a tight one is decided.
EXACT_MAX_ITEMS = 8


ORDERED_NODE_BUDGET = 3_000


def exact_node_budget(units: int) -> int:
    return 800 * units * units


def _fitting_rotations(dims: tuple[int, int, int], box: Box) -> list[tuple[int, int, int]]:
    return sorted({d for d in permutations(dims)
                   if d[0] <= box.length and d[1] <= box.width and d[2] <= box.height})


def _some_pair_cannot_share(box: Box, items: Sequence[Item]) -> bool:
    """True when two of the items fit side by side along no axis in any rotations: a cheap proof of no-fit."""
    inner = (box.length, box.width, box.height)
    kinds = sorted({i.dims for i in items})
    counts = {d: sum(1 for i in items if i.dims == d) for d in kinds}
    rotations = {d: _fitting_rotations(d, box) for d in kinds}
    for n, a in enumerate(kinds):
        for b in kinds[n:]:
            if a == b and counts[a] < 2:
                continue
            if not any(ra[axis] + rb[axis] <= inner[axis]
                       for ra in rotations[a] for rb in rotations[b] for axis in range(3)):
                return True
    return False


def _stacking_bound_exceeded(box: Box, items: Sequence[Item]) -> bool:
    """True when some items must lie one beyond another along one axis and are too long for it together.

    Two items that, in every pair of their rotations, fit side by side only along one axis occupy disjoint
    stretches of that axis; so for any group of items that are pairwise like that, the sum of their shortest
    extents along the axis must not exceed the box's side (two large flat items stacked leave too little
    height for a third item that cannot go beside them)."""
    inner = (box.length, box.width, box.height)
    rotations = [_fitting_rotations(i.dims, box) for i in items]
    count = len(items)
    for axis in range(3):
        shortest = [min(r[axis] for r in rots) for rots in rotations]
        others = [a for a in range(3) if a != axis]
        only_along = [0] * count
        for i in range(count):
            for j in range(i + 1, count):
                if not any(ri[a] + rj[a] <= inner[a]
                           for ri in rotations[i] for rj in rotations[j] for a in others):
                    only_along[i] |= 1 << j
                    only_along[j] |= 1 << i
        if any(only_along) and _longest_chain((1 << count) - 1, only_along, shortest, inner[axis], 0):
            return True
    return False


def _longest_chain(candidates: int, only_along: list[int], shortest: list[int], limit: int, length: int) -> bool:
    # True when some group of the candidates (a bitmask), pairwise bound to lie beyond one another, is longer
    # than the limit; grown one item at a time among those bound to every member so far.
    if length > limit:
        return True
    while candidates:
        low = candidates & -candidates
        n = low.bit_length() - 1
        candidates ^= low
        if _longest_chain(candidates & only_along[n], only_along, shortest, limit, length + shortest[n]):
            return True
    return False


def _dff_values(size: int, sides: Sequence[int]) -> list[dict[int, float]]:
    """Dual feasible functions of one box side (Fekete & Schepers 2004), each as a table side -> value: the
    identity, u_k (k = 1..3) and U_e with e each item side up to half the box."""
    tables = [{d: d / size for d in sides}]
    for k in (1, 2, 3):
        tables.append({d: d / size if (k + 1) * d % size == 0 else ((k + 1) * d // size) / k for d in sides})
    for e in sorted({d for d in sides if 2 * d <= size}):
        tables.append({d: 1.0 if d > size - e else (0.0 if d < e else d / size) for d in sides})
    return tables


def _dual_feasible_bound_exceeded(box: Box, items: Sequence[Item]) -> bool:
    """True when a lower bound proves the items cannot share the box.

    For dual feasible functions f, g, h of the three sides (Fekete & Schepers 2004), every packing has
    sum f(dx) g(dy) h(dz) <= 1 whatever each item's rotation, so if the sum of each item's smallest value over
    its rotations is above 1 they do not fit. And items more than half the box tall along an axis in every
    rotation cannot be above one another along it: their footprints on the other two sides are disjoint, so
    the same test applies to those footprints in two dimensions.
    """
    inner = (box.length, box.width, box.height)
    kinds = sorted({i.dims for i in items})
    counts = [sum(1 for i in items if i.dims == d) for d in kinds]
    rotations = [_fitting_rotations(d, box) for d in kinds]
    sides = sorted({s for d in kinds for s in d})
    tables = [_dff_values(size, [s for s in sides if s <= size]) for size in inner]
    # Every value is at most 1, so when the sum over the first one or two sides alone stays within 1, no
    # function of the remaining sides can push it above: those combinations are skipped.
    for fx in tables[0]:
        if sum(count * min(fx[r[0]] for r in rots) for count, rots in zip(counts, rotations, strict=True)) <= 1:
            continue
        for fy in tables[1]:
            products = [[(fx[a] * fy[b], c) for a, b, c in rots] for rots in rotations]
            if sum(count * min(p for p, _ in prods) for count, prods in zip(counts, products, strict=True)) <= 1:
                continue
            for fz in tables[2]:
                total = 0.0
                for count, prods in zip(counts, products, strict=True):
                    total += count * min(p * fz[c] for p, c in prods)
                if total > 1 + 1e-9:
                    return True
    for axis in range(3):
        tall = [(count, rots) for count, rots in zip(counts, rotations, strict=True)
                if min(r[axis] for r in rots) * 2 > inner[axis]]
        if sum(count for count, _ in tall) < 2:
            continue
        b, c = [a for a in range(3) if a != axis]
        for fb in tables[b]:
            for fc in tables[c]:
                total = sum(count * min(fb[r[b]] * fc[r[c]] for r in rots) for count, rots in tall)
                if total > 1 + 1e-9:
                    return True
    return False


class _OutOfBudget(Exception):
    pass


def _exact_search(box: Box, items: list[Item], budget: int,
                  fixed_order: bool = False) -> tuple[list[Placement] | None, bool]:
    """Depth-first over which item goes next, its rotation and every extreme point (each placed item's three
    corners, and their projections down, back and left onto the nearest surface). States already proven
    hopeless are remembered, so the same partial packing reached in another order is not searched twice.
    Return the placements (or None) and whether the answer is proven (False: the budget ran out).

    With fixed_order the items go in the order given (no branching over which is next): far quicker to find
    a packing when there is one, but its "None" proves nothing."""
    length, width, height = box.length, box.width, box.height
    kinds: list[Item] = []
    for item in (items if fixed_order else sorted(items, key=lambda i: (-i.volume, i.key))):
        if item not in kinds:
            kinds.append(item)
    rotations = [_fitting_rotations(k.dims, box) for k in kinds]
    failed: set[frozenset] = set()
    nodes = 0

    # The extreme points are kept incrementally: each placed item's three corners with, per axis, how far the
    # corner slides towards 0 before meeting a face (a new item can only stop it sooner), and which points
    # were free at the parent (a point inside an item stays inside). Points are (z, y, x), so that sorting
    # them plainly gives the lowest, then deepest, then leftmost. Hot loop: plain integer tuples and sets.
    def child_points(corners: tuple, candidates: set, free: set, new: tuple, boxes: tuple):
        nx1, ny1, nz1, nx2, ny2, nz2 = new[:6]
        moved = []
        for entry in corners:
            cx, cy, cz, sx, sy, sz, _ = entry
            changed = False
            if ny1 <= cy < ny2 and nz1 <= cz < nz2 and sx < nx2 <= cx:
                sx, changed = nx2, True
            if nx1 <= cx < nx2 and nz1 <= cz < nz2 and sy < ny2 <= cy:
                sy, changed = ny2, True
            if nx1 <= cx < nx2 and ny1 <= cy < ny2 and sz < nz2 <= cz:
                sz, changed = nz2, True
            if changed:
                entry = (cx, cy, cz, sx, sy, sz, ((cz, cy, cx), (cz, cy, sx), (cz, sy, cx), (sz, cy, cx)))
            moved.append(entry)
        for cx, cy, cz in ((nx2, ny1, nz1), (nx1, ny2, nz1), (nx1, ny1, nz2)):
            sx = sy = sz = 0
            for b in boxes:
                if b[1] <= cy < b[4] and b[2] <= cz < b[5] and sx < b[3] <= cx:
                    sx = b[3]
                if b[0] <= cx < b[3] and b[2] <= cz < b[5] and sy < b[4] <= cy:
                    sy = b[4]
                if b[0] <= cx < b[3] and b[1] <= cy < b[4] and sz < b[5] <= cz:
                    sz = b[5]
            moved.append((cx, cy, cz, sx, sy, sz, ((cz, cy, cx), (cz, cy, sx), (cz, sy, cx), (sz, cy, cx))))
        child_candidates = {(0, 0, 0)}.union(*(entry[6] for entry in moved))
        child_free = [p for p in child_candidates & free
                      if not (nz1 <= p[0] < nz2 and ny1 <= p[1] < ny2 and nx1 <= p[2] < nx2)]
        for p in child_candidates - candidates:
            pz, py, px = p
            if px < length and py < width and pz < height:
                for b in boxes:
                    if b[0] <= px < b[3] and b[1] <= py < b[4] and b[2] <= pz < b[5]:
                        break
                else:
                    child_free.append(p)
        child_free.sort()
        return tuple(moved), child_candidates, set(child_free), child_free

    def search(boxes: tuple, left: tuple[int, ...], corners: tuple, candidates: set, free: set, points: list):
        nonlocal nodes
        if not any(left):
            return boxes
        for kind, count in enumerate(left):
            if not count:
                continue
            if fixed_order and any(left[:kind]):
                break
            rest = left[:kind] + (count - 1,) + left[kind + 1:]
            for dx, dy, dz in rotations[kind]:
                # Every point counts as a node, but only those where the item stays inside the box are
                # looked at: counted in a batch up to each of them, the budget runs out exactly as it would
                # one point at a time (the points skipped between do nothing else).
                top_x, top_y, top_z = length - dx, width - dy, height - dz
                counted = -1
                # The points are sorted lowest first, so those low enough make a prefix.
                low_enough = bisect_left(points, (top_z + 1,))
                for n, (pz, py, px) in enumerate(points[:low_enough]):
                    if px > top_x or py > top_y:
                        continue
                    nodes += n - counted
                    counted = n
                    if nodes > budget:
                        raise _OutOfBudget
                    x2, y2, z2 = px + dx, py + dy, pz + dz
                    for b in boxes:
                        if px < b[3] and b[0] < x2 and py < b[4] and b[1] < y2 and pz < b[5] and b[2] < z2:
                            break
                    else:
                        placed = (px, py, pz, x2, y2, z2, kind)
                        grown = (*boxes, placed)
                        # Checked here, before the child's points are worked out: many children are
                        # the same partial packing reached in another order.
                        if frozenset(grown) in failed:
                            continue
                        found = search(grown, rest, *child_points(corners, candidates, free, placed, grown))
                        if found is not None:
                            return found
                nodes += len(points) - 1 - counted
                if nodes > budget:
                    raise _OutOfBudget
        failed.add(frozenset(boxes))
        return None

    left = tuple(sum(1 for i in items if i == k) for k in kinds)
    try:
        found = search((), left, (), {(0, 0, 0)}, {(0, 0, 0)}, [(0, 0, 0)])
    except _OutOfBudget:
        return None, False
    if found is None:
        return None, not fixed_order
    return [Placement(kinds[kind], x1, y1, z1, x2 - x1, y2 - y1, z2 - z1)
            for x1, y1, z1, x2, y2, z2, kind in found], True



def settle(placements: Sequence[Placement]) -> list[Placement]:
    """Let every item drop straight down onto the floor or onto the items below it, lowest first, so that
    nothing floats. Dropping only fills empty space, so the packing stays valid."""
    settled: list[Placement] = []
    for p in sorted(placements, key=lambda p: (p.z, p.y, p.x)):
        floor = 0
        for q in settled:
            if (q.x < p.x + p.dx and p.x < q.x + q.dx and q.y < p.y + p.dy and p.y < q.y + q.dy
                    and q.z + q.dz <= p.z):
                floor = max(floor, q.z + q.dz)
        settled.append(Placement(p.item, p.x, p.y, floor, p.dx, p.dy, p.dz))
    return settled


def floating_items(packed: PackedBox) -> list[Placement]:
    """Placements that neither stand on the floor nor rest on an item directly below them."""
    ps = packed.placements
    return [p for p in ps if p.z > 0 and not any(
        q.z + q.dz == p.z and q.x < p.x + p.dx and p.x < q.x + q.dx and q.y < p.y + p.dy and p.y < q.y + q.dy
        for q in ps)]


def pack_partial(box: Box, items: Sequence[Item]) -> tuple[PackedBox, list[Item]]:
    """Fill the box with as much of the items as fits; return it and what is left over."""
    best: tuple[PackedBox, list[Item]] | None = None
    for key, across, layered in STRATEGIES:
        placements, leftover = _pack_sequence(box, sorted(items, key=key), partial=True, across=across,
                                              layered=layered)
        packed = PackedBox(box=box, placements=settle(placements))
        if best is None or sum(i.volume for i in packed.items) > sum(i.volume for i in best[0].items):
            best = (packed, leftover)
        if not leftover:
            break
    assert best is not None
    return best


def _box_rank(packed: PackedBox, divisor: Decimal, dim_min_volume_in3: int = 0) -> tuple:
    return (packed.billable_weight_lb(divisor, dim_min_volume_in3), packed.box.cost, packed.box.volume,
            packed.box.key)


# How a carrier bills a package: its DIM divisor, and the volume (in³) up to which it charges no DIM weight.
Billing = tuple[Decimal, int]


def _billing(value: Decimal | int | str | tuple) -> Billing:
    if isinstance(value, tuple):
        return (Decimal(value[0]), int(value[1]))
    return (Decimal(value), 0)


def _check_every_item_fits_some_box(items: Sequence[Item], boxes: Sequence[Box]) -> None:
    for item in items:
        if not any(item_fits_box(item, box) for box in boxes):
            raise CartonizationError(
                f"Item {item.key} ({item.length}×{item.width}×{item.height} mm, {item.weight_g} g) fits no box."
            )


Group = tuple[int, ...]  # units of each kind of item


class Planner:
    """One order's units against a set of boxes: which boxes hold which groups of units (each answer cached,
    since the partition search asks about the same group many times), and the best plan in k boxes.

    A plan's score is (total billable weight, total box cost), so the best two-box plan is the pair of
    groups and boxes a carrier bills least for. Exact for orders of up to EXACT_MAX_ITEMS units: every
    partition is considered and every fit is proven (`unproven` counts the fit questions whose search ran
    out of budget).
    """

    def __init__(self, items: Sequence[Item], boxes: Sequence[Box]):
        self.kinds: list[Item] = []
        for item in items:
            if item not in self.kinds:
                self.kinds.append(item)
        self.counts: Group = tuple(sum(1 for i in items if i == k) for k in self.kinds)
        self.boxes = list(boxes)
        self.unproven = 0
        self._fits: dict[tuple[Group, int], PackedBox | None] = {}
        self._quick: dict[tuple[Group, int], PackedBox | None] = {}
        self._best: dict[tuple[Group, Billing, tuple[int, ...]], PackedBox | None] = {}

    @property
    def units(self) -> int:
        return sum(self.counts)

    def items_of(self, group: Group) -> list[Item]:
        return [kind for kind, count in zip(self.kinds, group, strict=True) for _ in range(count)]

    def fits(self, group: Group, box_index: int, exact: bool = True) -> PackedBox | None:
        key = (group, box_index)
        if key in self._fits:
            return self._fits[key]
        if not exact:
            if key not in self._quick:
                self._quick[key] = fit(self.boxes[box_index], self.items_of(group), exact=False).packed
                if self._quick[key] is not None:
                    self._fits[key] = self._quick[key]
            return self._quick[key]
        # A group that holds a smaller group which does not fit does not fit either.
        for n, count in enumerate(group):
            if count:
                smaller = group[:n] + (count - 1,) + group[n + 1:]
                if any(smaller) and self._fits.get((smaller, box_index), True) is None:
                    self._fits[key] = None
                    return None
        result = fit(self.boxes[box_index], self.items_of(group))
        if not result.proven:
            self.unproven += 1
        self._fits[key] = result.packed
        return result.packed

    def _rank(self, box_index: int, weight_g: int, billing: Billing) -> tuple:
        box = self.boxes[box_index]
        return (billable_weight_lb(box.outer, weight_g + box.tare_g, *billing), box.cost, box.volume, box.key)

    def best_box(self, group: Group, billing: Billing, pool: tuple[int, ...]) -> PackedBox | None:
        """The box of the pool with the lowest billable weight (then cost) that holds the group."""
        key = (group, billing, pool)
        if key not in self._best:
            weight = sum(k.weight_g * c for k, c in zip(self.kinds, group, strict=True))
            found = None
            for b in sorted(pool, key=lambda b: self._rank(b, weight, billing)):
                found = self.fits(group, b)
                if found is not None:
                    break
            self._best[key] = found
        return self._best[key]

    def singles(self, pool: tuple[int, ...], billings: Sequence[Billing] | None = None) -> list[PackedBox]:
        """The boxes of the pool that hold the whole order. With billings, a box the heuristics cannot fill is
        searched exactly only when, for one of those billings, it would beat the best box they did fill:
        the best box is proven, a worse one may be missed."""
        quick = {b: self.fits(self.counts, b, exact=False) for b in pool}
        weight = sum(k.weight_g * c for k, c in zip(self.kinds, self.counts, strict=True))
        for b in pool:
            if quick[b] is not None:
                continue
            if billings is None:
                quick[b] = self.fits(self.counts, b)
                continue
            for billing in billings:
                rank = self._rank(b, weight, billing)
                if all(rank < self._rank(o, weight, billing) for o in pool if quick[o] is not None):
                    quick[b] = self.fits(self.counts, b)
                    break
        return [p for b in pool if (p := quick[b]) is not None]

    def plan(self, boxes: int, billing: Billing, pool: tuple[int, ...]) -> list[PackedBox] | None:
        """The best way to pack the order in exactly this many boxes, or None when there is none."""
        memo: dict[tuple[Group, int], tuple | None] = {}

        def score(packed: PackedBox) -> tuple[int, Decimal]:
            return (packed.billable_weight_lb(*billing), packed.box.cost)

        def best(group: Group, parts: int):
            key = (group, parts)
            if key in memo:
                return memo[key]
            result = None
            if parts == 1:
                packed = self.best_box(group, billing, pool)
                result = None if packed is None else (score(packed), [packed])
            else:
                first = next(n for n, c in enumerate(group) if c)
                for part in product(*(range(c + 1) for c in group)):
                    rest = tuple(g - p for g, p in zip(group, part, strict=True))
                    if not part[first] or sum(rest) < parts - 1:
                        continue
                    head = self.best_box(part, billing, pool)
                    if head is None:
                        continue
                    tail = best(rest, parts - 1)
                    if tail is None:
                        continue
                    (w1, c1), (w2, c2) = score(head), tail[0]
                    if result is None or (w1 + w2, c1 + c2) < result[0]:
                        result = ((w1 + w2, c1 + c2), [head, *tail[1]])
            memo[key] = result
            return result

        if not 1 <= boxes <= self.units:
            return None
        found = best(self.counts, boxes)
        return found[1] if found else None

    def fewest(self, billing: Billing, pool: tuple[int, ...]) -> list[PackedBox] | None:
        for boxes in range(1, self.units + 1):
            found = self.plan(boxes, billing, pool)
            if found is not None:
                return found
        return None

    def pool(self) -> tuple[tuple[int, ...], bool]:
        """The boxes to choose from, and whether they are the client's own packaging: the client's boxes when
        one of them holds the whole order (or, when no box does, when each unit fits one of them), the
        warehouse's otherwise."""
        custom = tuple(n for n, b in enumerate(self.boxes) if b.preferred)
        everything = tuple(range(len(self.boxes)))
        if custom and self.singles(custom):
            return custom, True
        if custom and not self.singles(everything) and all(
                any(item_fits_box(k, self.boxes[b]) for b in custom) for k in self.kinds):
            return custom, True
        return everything, False


def single_box_options(items: Sequence[Item], boxes: Sequence[Box]) -> list[PackedBox]:
    """Every box that holds the whole order, packed."""
    return Planner(items, boxes).singles(tuple(range(len(boxes))))


def split_into_fewest_boxes(items: Sequence[Item], boxes: Sequence[Box],
                            divisor: Decimal = DEFAULT_DIM_DIVISOR) -> Packing:
    """Pack items into as few boxes as possible, then the lowest total billable weight and box cost; raise
    CartonizationError if an item fits no box. Exact (every partition) up to EXACT_MAX_ITEMS units, greedy
    above."""
    _check_every_item_fits_some_box(items, boxes)
    planner = Planner(items, boxes)
    pool, _ = planner.pool()
    if planner.units <= EXACT_MAX_ITEMS:
        found = planner.fewest(_billing(divisor), pool)
        if found is not None:
            return found
    return greedy_split(items, [planner.boxes[b] for b in pool], divisor)


def greedy_split(items: Sequence[Item], boxes: Sequence[Box], divisor: Decimal) -> Packing:
    """Split by filling one box at a time (for orders too big for the exact partition search). When weight
    binds, filling the first boxes to their limit can strand a last light item: so the split is tried again
    with each box's load capped at an even share of the weight over one box fewer, and the fewest boxes win."""
    packing = _greedy_fill(items, boxes, divisor, cap_g=None)
    total_g = sum(i.weight_g for i in items)
    total_volume = sum(i.volume for i in items)
    for spread in (Decimal("1.00"), Decimal("1.03"), Decimal("1.08")):
        fewer_boxes = len(packing) - 1
        if fewer_boxes < 1 or total_volume > fewer_boxes * max(b.volume for b in boxes) \
                or total_g > fewer_boxes * max(b.max_weight_g - b.tare_g for b in boxes):
            break
        cap = int(Decimal(total_g) / (len(packing) - 1) * spread) + 1
        try:
            fewer = _greedy_fill(items, boxes, divisor, cap_g=cap)
        except CartonizationError:
            continue
        if len(fewer) < len(packing):
            packing = fewer
    return packing


def _greedy_fill(items: Sequence[Item], boxes: Sequence[Box], divisor: Decimal, cap_g: int | None) -> Packing:
    # Fill the box that takes the most, repeat, then put each package in its own best box.
    remaining = list(items)
    packing: Packing = []
    while remaining:
        whole = single_box_options(remaining, boxes)
        if whole:
            packing.append(min(whole, key=lambda p: _box_rank(p, divisor)))
            break
        best: tuple[PackedBox, list[Item]] | None = None
        best_key = None
        for box in boxes:
            capped = box if cap_g is None else replace(box, max_weight_g=min(box.max_weight_g, box.tare_g + cap_g))
            packed, leftover = pack_partial(capped, remaining)
            if not packed.placements:
                continue
            volume = sum(i.volume for i in packed.items)
            key = (volume, -box.volume)
            if best_key is None or key > best_key:
                best, best_key = (PackedBox(box=box, placements=packed.placements), leftover), key
        if best is None:
            raise CartonizationError("Could not place the remaining items.")
        packing.append(best[0])
        remaining = best[1]
    return [shrink(packed, boxes, divisor) for packed in _consolidate(packing)]


def _consolidate(packing: Packing) -> Packing:
    """Empty the lightest-filled packages into the others where their items fit, one item at a time."""
    packing = list(packing)
    for victim in sorted(packing, key=lambda p: sum(i.volume for i in p.items)):
        if len(packing) < 2:
            break
        others = [p for p in packing if p is not victim]
        moved: dict[int, PackedBox] = {}
        for item in victim.items:
            for n, other in enumerate(others):
                current = moved.get(n, other)
                bigger = pack(current.box, [*current.items, item])
                if bigger is not None:
                    moved[n] = bigger
                    break
            else:
                break
        else:
            packing = [moved.get(n, other) for n, other in enumerate(others)]
    return packing


def shrink(packed: PackedBox, boxes: Sequence[Box], divisor: Decimal = DEFAULT_DIM_DIVISOR) -> PackedBox:
    options = single_box_options(packed.items, boxes) or [packed]
    return min(options, key=lambda p: _box_rank(p, divisor))


@dataclass
class Recommendation:
    packages: Packing
    divisor: Decimal
    used_custom: bool = False
    alternatives: list[PackedBox] = field(default_factory=list)  # other single boxes that fit, best first

    @property
    def billable_weight_lb(self) -> int:
        return sum(p.billable_weight_lb(self.divisor) for p in self.packages)

    @property
    def box_cost(self) -> Decimal:
        return sum((p.box.cost for p in self.packages), Decimal("0"))


def recommend(items: Sequence[Item], boxes: Sequence[Box], divisor: Decimal = DEFAULT_DIM_DIVISOR) -> Recommendation:
    """Recommend the box with the lowest billable weight (ties: the cheaper box), or the fewest boxes (then
    the lowest total billable weight and box cost).

    Raises CartonizationError when some item fits no box.
    """
    if not items:
        raise CartonizationError("Nothing to pack.")
    _check_every_item_fits_some_box(items, boxes)
    planner = Planner(items, boxes)
    pool, used_custom = planner.pool()
    options = planner.singles(pool, [_billing(divisor)])
    if options:
        options.sort(key=lambda p: _box_rank(p, divisor))
        return Recommendation(packages=[options[0]], divisor=divisor, used_custom=used_custom,
                              alternatives=options[1:])
    packing = split_into_fewest_boxes(items, boxes, divisor)
    return Recommendation(packages=packing, divisor=divisor, used_custom=any(p.box.preferred for p in packing))


MAX_BOXES_PRICED = 3


def candidate_packings(items: Sequence[Item], boxes: Sequence[Box],
                       divisors: Iterable[Decimal | tuple[Decimal, int]] = (DEFAULT_DIM_DIVISOR,)) -> list[Packing]:
    """Every packing worth pricing: each single box that holds the order (the client's own when one fits),
    and for each way of billing (a DIM divisor, or a divisor and the volume below which no DIM applies) the
    best plan in two and in three boxes, and the fewest-boxes plan when no single box holds the order.
    A split can cost less than one box: USPS charges no DIM weight under one cubic foot, so two medium boxes
    may beat one large. Raises CartonizationError."""
    if not items:
        raise CartonizationError("Nothing to pack.")
    _check_every_item_fits_some_box(items, boxes)
    billings = sorted({_billing(d) for d in divisors})
    planner = Planner(items, boxes)
    pool, _ = planner.pool()
    singles = planner.singles(pool, billings)
    packings: list[Packing] = [[o] for o in singles]
    seen = {((o.box.key, tuple(sorted(i.key for i in o.items))),) for o in singles}

    def add(packing: Packing | None) -> None:
        if not packing:
            return
        signature = tuple(sorted((p.box.key, tuple(sorted(i.key for i in p.items))) for p in packing))
        if signature not in seen:
            seen.add(signature)
            packings.append(packing)

    for billing in billings:
        if planner.units <= EXACT_MAX_ITEMS:
            for count in range(2, MAX_BOXES_PRICED + 1):
                add(planner.plan(count, billing, pool))
            if not singles:
                add(planner.fewest(billing, pool))
        elif not singles:
            add(greedy_split(items, [planner.boxes[b] for b in pool], billing[0]))
    return packings


def verify_packing(packed: PackedBox) -> None:
    """Raise ValueError unless the packing is physically sound: each placement a rotation of its item, inside
    the box, no two overlapping, within the weight limit. Used by tests and the benchmark."""
    box = packed.box
    for p in packed.placements:
        if sorted((p.dx, p.dy, p.dz)) != sorted(p.item.dims):
            raise ValueError(f"{p} is not a rotation of its item")
        if min(p.x, p.y, p.z) < 0 or p.x + p.dx > box.length or p.y + p.dy > box.width or p.z + p.dz > box.height:
            raise ValueError(f"{p} sticks out of {box.key}")
    ps = packed.placements
    for i, a in enumerate(ps):
        for b in ps[i + 1:]:
            if (a.x < b.x + b.dx and b.x < a.x + a.dx and a.y < b.y + b.dy and b.y < a.y + a.dy
                    and a.z < b.z + b.dz and b.z < a.z + a.dz):
                raise ValueError(f"{a} overlaps {b}")
    if packed.gross_weight_g > box.max_weight_g:
        raise ValueError(f"{box.key} is overweight")
