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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import permutations

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
    """Return every item placed in the box, or None when they do not all fit (3D, with rotations, by weight)."""
    if not items:
        return PackedBox(box=box)
    if sum(i.weight_g for i in items) + box.tare_g > box.max_weight_g:
        return None
    if sum(i.volume for i in items) > box.volume:
        return None
    if not all(item_fits_box(i, box) for i in items):
        return None
    for key, across, layered in STRATEGIES:
        result = _pack_sequence(box, sorted(items, key=key), partial=False, across=across, layered=layered)
        if result is not None:
            return PackedBox(box=box, placements=result[0])
    if len(items) <= EXACT_SEARCH_MAX_ITEMS:
        placements = _exact_search(box, list(items))
        if placements is not None:
            return PackedBox(box=box, placements=placements)
    return None


# Small orders (most e-commerce orders) that the heuristics cannot fit get a complete search over item order,
# rotation and extreme-point position, within a node budget so that a hopeless box costs milliseconds.
EXACT_SEARCH_MAX_ITEMS = 5
EXACT_SEARCH_NODES = 1_500


def _exact_search(box: Box, items: list[Item]) -> list[Placement] | None:
    rotations = {i.dims: sorted(set(permutations(i.dims))) for i in items}
    nodes = 0

    def search(remaining: tuple[Item, ...], placed: list[Placement], points: frozenset) -> list[Placement] | None:
        nonlocal nodes
        if not remaining:
            return placed
        tried = set()
        for index, item in enumerate(remaining):
            if item.dims in tried:  # identical items are interchangeable
                continue
            tried.add(item.dims)
            rest = remaining[:index] + remaining[index + 1:]
            for dx, dy, dz in rotations[item.dims]:
                for px, py, pz in sorted(points, key=lambda p: (p[2], p[1], p[0])):
                    nodes += 1
                    if nodes > EXACT_SEARCH_NODES:
                        return None
                    x2, y2, z2 = px + dx, py + dy, pz + dz
                    if x2 > box.length or y2 > box.width or z2 > box.height:
                        continue
                    if any(px < b.x + b.dx and b.x < x2 and py < b.y + b.dy and b.y < y2 and pz < b.z + b.dz
                           and b.z < z2 for b in placed):
                        continue
                    found = search(rest, [*placed, Placement(item, px, py, pz, dx, dy, dz)],
                                   (points - {(px, py, pz)}) | {(x2, py, pz), (px, y2, pz), (px, py, z2)})
                    if found is not None:
                        return found
        return None

    return search(tuple(items), [], frozenset({(0, 0, 0)}))


def pack_partial(box: Box, items: Sequence[Item]) -> tuple[PackedBox, list[Item]]:
    """Fill the box with as much of the items as fits; return it and what is left over."""
    best: tuple[PackedBox, list[Item]] | None = None
    for key, across, layered in STRATEGIES:
        placements, leftover = _pack_sequence(box, sorted(items, key=key), partial=True, across=across,
                                              layered=layered)
        packed = PackedBox(box=box, placements=placements)
        if best is None or sum(i.volume for i in packed.items) > sum(i.volume for i in best[0].items):
            best = (packed, leftover)
        if not leftover:
            break
    assert best is not None
    return best


def _box_rank(packed: PackedBox, divisor: Decimal, dim_min_volume_in3: int = 0) -> tuple:
    return (packed.billable_weight_lb(divisor, dim_min_volume_in3), packed.box.cost, packed.box.volume,
            packed.box.key)


def single_box_options(items: Sequence[Item], boxes: Sequence[Box]) -> list[PackedBox]:
    """Every box that holds the whole order, packed."""
    options = []
    for box in boxes:
        packed = pack(box, items)
        if packed is not None:
            options.append(packed)
    return options


def _prefer(boxes: Sequence[Box], items: Sequence[Item]) -> tuple[list[PackedBox], bool]:
    """Single-box options, limited to the client's own packaging when any of it fits."""
    options = single_box_options(items, boxes)
    custom = [o for o in options if o.box.preferred]
    return (custom, True) if custom else (options, False)


def split_into_fewest_boxes(items: Sequence[Item], boxes: Sequence[Box],
                            divisor: Decimal = DEFAULT_DIM_DIVISOR) -> Packing:
    """Pack items that fit no single box into as few boxes as it can; raise CartonizationError if an item
    fits none."""
    for item in items:
        if not any(item_fits_box(item, box) for box in boxes):
            raise CartonizationError(
                f"Item {item.key} ({item.length}×{item.width}×{item.height} mm, {item.weight_g} g) fits no box."
            )
    # The client's own packaging when it can hold every item, the warehouse's boxes otherwise.
    custom = [b for b in boxes if b.preferred]
    if custom and all(any(item_fits_box(i, b) for b in custom) for i in items):
        boxes = custom
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
            packed, leftover = pack_partial(box, remaining)
            if not packed.placements:
                continue
            volume = sum(i.volume for i in packed.items)
            key = (volume, -box.volume)
            if best_key is None or key > best_key:
                best, best_key = (packed, leftover), key
        if best is None:  # pragma: no cover - every item fits some box, checked above
            raise CartonizationError("Could not place the remaining items.")
        packing.append(best[0])
        remaining = best[1]
    # Each package into its own best box now that its contents are known.
    return [shrink(packed, boxes, divisor) for packed in packing]


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
    """Recommend the box with the lowest billable weight (ties: the cheaper box), or the fewest boxes.

    Raises CartonizationError when some item fits no box.
    """
    if not items:
        raise CartonizationError("Nothing to pack.")
    options, used_custom = _prefer(boxes, items)
    if options:
        options.sort(key=lambda p: _box_rank(p, divisor))
        return Recommendation(packages=[options[0]], divisor=divisor, used_custom=used_custom,
                              alternatives=options[1:])
    packing = split_into_fewest_boxes(items, boxes, divisor)
    return Recommendation(packages=packing, divisor=divisor, used_custom=any(p.box.preferred for p in packing))


def candidate_packings(items: Sequence[Item], boxes: Sequence[Box],
                       divisors: Iterable[Decimal] = (DEFAULT_DIM_DIVISOR,)) -> list[Packing]:
    """Every packing worth pricing: each single box that holds the order (the client's own when one fits),
    or the fewest-boxes split shrunk for each divisor. Raises CartonizationError."""
    if not items:
        raise CartonizationError("Nothing to pack.")
    options, _ = _prefer(boxes, items)
    if options:
        return [[o] for o in options]
    packings: list[Packing] = []
    seen = set()
    for divisor in divisors:
        packing = split_into_fewest_boxes(items, boxes, divisor)
        signature = tuple((p.box.key, tuple(sorted(i.key for i in p.items))) for p in packing)
        if signature not in seen:
            seen.add(signature)
            packings.append(packing)
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
