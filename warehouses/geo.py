"""Offline geodata: US ZIP codes to coordinates, great-circle distances."""

from __future__ import annotations

import math
from dataclasses import dataclass
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


def geodata_load() -> None:
    """Load the ZIP table now (the zipcodes package reads it on first use)."""
    us_zip_info("10001")


def us_zip_coordinates(postal_code: str) -> tuple[float, float] | None:
    """Return (latitude, longitude) of a US ZIP code, or None when unknown."""
    info = us_zip_info(normalise_us_zip(postal_code))
    if not info:
        return None
    return float(info["lat"]), float(info["long"])


# Approximate geographic centres of the countries a US 3PL ships to most, for routing orders abroad:
# only the order of distances matters there, not the last hundred kilometres.
COUNTRY_CENTRES: dict[str, tuple[float, float]] = {
    "CA": (56.13, -106.35), "MX": (23.63, -102.55), "GB": (54.0, -2.0), "IE": (53.41, -8.24),
    "FR": (46.23, 2.21), "DE": (51.17, 10.45), "NL": (52.13, 5.29), "BE": (50.50, 4.47), "LU": (49.82, 6.13),
    "ES": (40.46, -3.75), "PT": (39.40, -8.22), "IT": (41.87, 12.57), "CH": (46.82, 8.23), "AT": (47.52, 14.55),
    "SE": (60.13, 18.64), "NO": (60.47, 8.47), "DK": (56.26, 9.50), "FI": (61.92, 25.75), "PL": (51.92, 19.15),
    "CZ": (49.82, 15.47), "GR": (39.07, 21.82), "IS": (64.96, -19.02), "AU": (-25.27, 133.78),
    "NZ": (-40.90, 174.89), "JP": (36.20, 138.25), "KR": (35.91, 127.77), "CN": (35.86, 104.20),
    "HK": (22.32, 114.17), "SG": (1.35, 103.82), "TW": (23.70, 120.96), "IN": (20.59, 78.96),
    "IL": (31.05, 34.85), "AE": (23.42, 53.85), "BR": (-14.24, -51.93), "AR": (-38.42, -63.62),
    "CL": (-35.68, -71.54), "CO": (4.57, -74.30), "PE": (-9.19, -75.02), "ZA": (-30.56, 22.94),
    "PR": (18.22, -66.59), "BS": (25.03, -77.40), "JM": (18.11, -77.30), "CR": (9.75, -83.75),
}


@lru_cache(maxsize=128)
def us_state_centre(state: str) -> tuple[float, float] | None:
    """Return the mean position of a US state's ZIP codes (e.g. 'TN'), or None for an unknown state."""
    code = (state or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    points = [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(state=code) if z.get("lat")]
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


@dataclass(frozen=True)
class Placement:
    """Where an address is, and how precisely we know it ("ZIP 29201", "state TN", "country CA")."""

    latitude: float
    longitude: float
    basis: str
    warning: str = ""


def address_place(*, country: str, state: str = "", postal_code: str = "") -> Placement | None:
    """Place an address offline: a US ZIP code, else the US state, else (abroad) the country.

    Returns None when it cannot be placed at all; the caller must not guess then. A fallback or a ZIP
    that contradicts the state is reported in `warning`, so that nobody is misled silently.
    """
    country = (country or "").strip().upper()
    state = (state or "").strip().upper()
    postal_code = (postal_code or "").strip()
    if country == "US":
        zip5 = normalise_us_zip(postal_code)
        info = us_zip_info(zip5) if zip5 else None
        if info:
            warning = ""
            if state and info["state"] != state:
                warning = f"ZIP {zip5} is in {info['state']}, not {state} as the address says; placed by the ZIP"
            return Placement(float(info["lat"]), float(info["long"]), f"ZIP {zip5}", warning)
        centre = us_state_centre(state)
        if centre:
            missing = f"ZIP {postal_code} not found" if postal_code else "no ZIP code"
            return Placement(*centre, f"state {state}", f"{missing}; placed by the centre of {state}")
        return None
    centre = COUNTRY_CENTRES.get(country)
    if centre:
        return Placement(*centre, f"country {country}")
    return None
