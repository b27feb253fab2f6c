"""The unit a warehouse's scales weigh in: the pack station takes and shows weights in it, never mixing units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shipping.cartonization import GRAMS_PER_LB

# The countries that weigh parcels in pounds; everywhere else scales read kilograms.
POUND_COUNTRIES = frozenset({"US", "LR", "MM"})


@dataclass(frozen=True)
class WeightUnit:
    code: str
    name: str
    grams: Decimal
    places: Decimal
    example: str
    maximum: Decimal


POUNDS = WeightUnit("lb", "pounds", Decimal(str(GRAMS_PER_LB)), Decimal("0.01"), "2.4", Decimal("500"))
KILOGRAMS = WeightUnit("kg", "kilograms", Decimal("1000"), Decimal("0.001"), "1.1", Decimal("225"))


def weight_unit_for(warehouse) -> WeightUnit:
    """Pounds in the US (and the other countries that weigh in pounds), kilograms elsewhere."""
    return POUNDS if (getattr(warehouse, "country", "") or "US").upper() in POUND_COUNTRIES else KILOGRAMS


def weight_to_grams(value: Decimal, unit: WeightUnit) -> int:
    return int((value * unit.grams).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def weight_from_grams(grams: int, unit: WeightUnit) -> Decimal:
    return (Decimal(grams) / unit.grams).quantize(unit.places, rounding=ROUND_HALF_UP)
