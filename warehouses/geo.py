"""Offline geodata: US ZIP codes to coordinates, great-circle distances."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache

import zipcodes

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float | Decimal, lon1: float | Decimal, lat2: float | Decimal, lon2: float | Decimal) -> float:
    """Return the haversine distance in kilometres between two points."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlmb = math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def normalise_us_zip(postal_code: str) -> str:
    """Return the five-digit ZIP of a US postal code ('29201-1234' -> '29201'), or '' if it is not one."""
    digits = "".join(ch for ch in (postal_code or "") if ch.isdigit())
    if len(digits) in (5, 9):
        return digits[:5]
    if len(digits) in (3, 4):  # leading zeros lost by spreadsheets, e.g. 2134 for 02134
        return digits.zfill(5)
    return ""


@lru_cache(maxsize=50_000)
def us_zip_info(zip5: str) -> dict | None:
    """Return the zipcodes record for a five-digit ZIP, or None when it does not exist."""
    if len(zip5) != 5 or not zip5.isdigit():
        return None
    try:
        matches = zipcodes.matching(zip5)
    except (TypeError, ValueError):
        return None
    return matches[0] if matches else None


def us_zip_coordinates(postal_code: str) -> tuple[float, float] | None:
    """Return (latitude, longitude) of a US ZIP code, or None when unknown."""
    info = us_zip_info(normalise_us_zip(postal_code))
    if not info:
        return None
    return float(info["lat"]), float(info["long"])
