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
    """Return (latitude, longitude) of a US ZIP code, or None when unknown.

    An APO/FPO/DPO ZIP is placed at its military mail gateway (MILITARY_GATEWAYS); the ZIP table stores
    0, 0 for those, and a point it does not know is None, never 0, 0.
    """
    zip5 = normalise_us_zip(postal_code)
    gateway = military_gateway(zip5=zip5)
    if gateway:
        return gateway.latitude, gateway.longitude
    info = us_zip_info(zip5)
    if not info or not _has_position(info):
        return None
    return float(info["lat"]), float(info["long"])


def _has_position(info: dict) -> bool:
    """False for the ZIP records that carry no position (the table stores 0, 0 for them)."""
    try:
        return not (float(info["lat"]) == 0 and float(info["long"]) == 0)
    except (KeyError, TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Gateway:
    """Where the US mail hands over APO/FPO/DPO parcels of one military "state" to the Military Postal Service."""

    code: str
    name: str
    latitude: float
    longitude: float


# The Military Postal Service Agency's gateways (USPS Publication 38, "Military Post Offices"): mail for
# AE (Europe, the Middle East, Africa) leaves through New York (JFK), AA (the Americas) through Miami, AP
# (the Pacific) through San Francisco. A parcel travels inside the US only to its gateway, so that is where
# routing and rating place it. Coordinates: the airports, rounded to 0.01 degree.
MILITARY_GATEWAYS: dict[str, Gateway] = {
    "AE": Gateway("AE", "New York (JFK) gateway", 40.64, -73.78),
    "AA": Gateway("AA", "Miami gateway", 25.80, -80.29),
    "AP": Gateway("AP", "San Francisco gateway", 37.62, -122.38),
}
# USPS ZIP prefixes of the military "states" (Publication 28, 2-3): 090-098 AE, 340 AA, 962-966 AP.
_MILITARY_ZIP_PREFIXES = {**{f"{n:03d}": "AE" for n in range(90, 99)}, "340": "AA",
                          **{str(n): "AP" for n in range(962, 967)}}


def military_gateway(*, zip5: str = "", state: str = "") -> Gateway | None:
    """The gateway of an APO/FPO/DPO address, by its ZIP (the table's state, else the ZIP's prefix), else its
    state (AE, AA, AP); None for any other address."""
    code = ""
    if zip5:
        info = us_zip_info(zip5)
        code = info["state"] if info else _MILITARY_ZIP_PREFIXES.get(zip5[:3], "")
    if code not in MILITARY_GATEWAYS:
        code = (state or "").strip().upper()
    return MILITARY_GATEWAYS.get(code)


# Where a Canadian address is, by the first letter of its postal code: Canada Post assigns that letter to
# a province or a region of one (Canada Post, "Canadian Addressing Guide", forward sortation areas).
# Each point is the main city of the region (coordinates rounded to 0.01 degree), where most of its
# addresses are: for choosing a warehouse, better than the geographic centre, which for Ontario or Quebec
# lies in empty northern land.
CANADA_POSTAL_REGIONS: dict[str, tuple[str, float, float]] = {
    "A": ("Newfoundland and Labrador (St. John's)", 47.56, -52.71),
    "B": ("Nova Scotia (Halifax)", 44.65, -63.57),
    "C": ("Prince Edward Island (Charlottetown)", 46.24, -63.13),
    "E": ("New Brunswick (Moncton)", 46.09, -64.78),
    "G": ("Eastern Quebec (Quebec City)", 46.81, -71.21),
    "H": ("Montreal", 45.50, -73.57),
    "J": ("Western Quebec (Trois-Rivieres)", 46.34, -72.54),
    "K": ("Eastern Ontario (Ottawa)", 45.42, -75.70),
    "L": ("Central Ontario (Hamilton)", 43.26, -79.87),
    "M": ("Toronto", 43.65, -79.38),
    "N": ("Southwestern Ontario (London)", 42.98, -81.25),
    "P": ("Northern Ontario (Sudbury)", 46.49, -80.99),
    "R": ("Manitoba (Winnipeg)", 49.90, -97.14),
    "S": ("Saskatchewan (Saskatoon)", 52.13, -106.67),
    "T": ("Alberta (Calgary)", 51.05, -114.07),
    "V": ("British Columbia (Vancouver)", 49.28, -123.12),
    "X": ("Northwest Territories and Nunavut (Yellowknife)", 62.45, -114.37),
    "Y": ("Yukon (Whitehorse)", 60.72, -135.06),
}
# The same points by province or territory code (Canada Post's two-letter symbols), for an address
# with a province but no usable postal code.
CANADA_PROVINCES: dict[str, tuple[str, float, float]] = {
    "NL": CANADA_POSTAL_REGIONS["A"], "NS": CANADA_POSTAL_REGIONS["B"], "PE": CANADA_POSTAL_REGIONS["C"],
    "NB": CANADA_POSTAL_REGIONS["E"], "QC": CANADA_POSTAL_REGIONS["H"], "ON": CANADA_POSTAL_REGIONS["M"],
    "MB": CANADA_POSTAL_REGIONS["R"], "SK": CANADA_POSTAL_REGIONS["S"], "AB": CANADA_POSTAL_REGIONS["T"],
    "BC": CANADA_POSTAL_REGIONS["V"], "NT": CANADA_POSTAL_REGIONS["X"], "NU": ("Nunavut (Iqaluit)", 63.75, -68.52),
    "YT": CANADA_POSTAL_REGIONS["Y"],
}


def _canada_place(state: str, postal_code: str) -> Placement | None:
    """Place a Canadian address by its postal code's first letter, else its province; None if neither is known."""
    code = "".join(postal_code.split()).upper()
    region = CANADA_POSTAL_REGIONS.get(code[0]) if len(code) == 6 and code[0].isalpha() else None
    if region:
        name, lat, lon = region
        provinces = _CA_PROVINCES_OF[code[0]]
        warning = ""
        if state in CANADA_PROVINCES and state not in provinces:
            warning = f"postal code {code[:3]} is in {name}, not {state} as the address says; placed by the postal code"
        return Placement(lat, lon, f"postal code {code[:3]} ({name})", warning)
    if state in CANADA_PROVINCES:
        name, lat, lon = CANADA_PROVINCES[state]
        missing = f"postal code {postal_code} not recognised" if postal_code else "no postal code"
        return Placement(lat, lon, f"province {state}", f"{missing}; placed by {name}")
    return None


# The provinces of each postal code letter (X serves two territories).
_CA_PROVINCES_OF = {"A": {"NL"}, "B": {"NS"}, "C": {"PE"}, "E": {"NB"}, "G": {"QC"}, "H": {"QC"}, "J": {"QC"},
                    "K": {"ON"}, "L": {"ON"}, "M": {"ON"}, "N": {"ON"}, "P": {"ON"}, "R": {"MB"}, "S": {"SK"},
                    "T": {"AB"}, "V": {"BC"}, "X": {"NT", "NU"}, "Y": {"YT"}}


# Approximate geographic centres of the countries a US 3PL ships to most, for routing orders abroad:
# only the order of distances matters there, not the last hundred kilometres.
COUNTRY_CENTRES: dict[str, tuple[float, float]] = {
    "MX": (23.63, -102.55), "GB": (54.0, -2.0), "IE": (53.41, -8.24),
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
    points = [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(state=code) if z.get("lat")
              and _has_position(z)]
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
    """Place an address offline: a US ZIP code (an APO/FPO/DPO one at its gateway), else the US state; in
    Canada the postal code's region, else the province; elsewhere the country.

    Returns None when it cannot be placed at all; the caller must not guess then (and never at 0, 0). A
    fallback, a gateway or a postal code that contradicts the state is reported in `warning`, so that
    nobody is misled silently.
    """
    country = (country or "").strip().upper()
    state = (state or "").strip().upper()
    postal_code = (postal_code or "").strip()
    if country == "US":
        zip5 = normalise_us_zip(postal_code)
        gateway = military_gateway(zip5=zip5, state=state)
        if gateway:
            what = f"ZIP {zip5}" if zip5 else f"state {state}"
            return Placement(gateway.latitude, gateway.longitude, f"{what} via the {gateway.name}",
                             f"APO/FPO/DPO address in {gateway.code}: routed via the {gateway.name}")
        info = us_zip_info(zip5) if zip5 else None
        if info and _has_position(info):
            warning = ""
            if state and info["state"] != state:
                warning = f"ZIP {zip5} is in {info['state']}, not {state} as the address says; placed by the ZIP"
            return Placement(float(info["lat"]), float(info["long"]), f"ZIP {zip5}", warning)
        centre = us_state_centre(state)
        if centre:
            missing = f"ZIP {postal_code} not found" if postal_code else "no ZIP code"
            return Placement(*centre, f"state {state}", f"{missing}; placed by the centre of {state}")
        return None
    if country == "CA":  # the country's centre is thousands of km from most Canadians: no guess
        return _canada_place(state, postal_code)
    centre = COUNTRY_CENTRES.get(country)
    if centre:
        return Placement(*centre, f"country {country}")
    return None
