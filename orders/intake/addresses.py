"""Normalise the addresses storefronts send: ISO country and subdivision codes, tidy postal codes."""

from __future__ import annotations

import re

COUNTRY_NAMES = {
    "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US", "USA": "US", "U.S.A.": "US", "U.S.": "US",
    "AMERICA": "US", "CANADA": "CA", "MEXICO": "MX", "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "UK": "GB",
    "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB", "IRELAND": "IE", "GERMANY": "DE", "DEUTSCHLAND": "DE",
    "FRANCE": "FR", "SPAIN": "ES", "ITALY": "IT", "NETHERLANDS": "NL", "THE NETHERLANDS": "NL", "BELGIUM": "BE",
    "AUSTRIA": "AT", "SWITZERLAND": "CH", "SWEDEN": "SE", "NORWAY": "NO", "DENMARK": "DK", "FINLAND": "FI",
    "POLAND": "PL", "PORTUGAL": "PT", "AUSTRALIA": "AU", "NEW ZEALAND": "NZ", "JAPAN": "JP", "CHINA": "CN",
    "INDIA": "IN", "BRAZIL": "BR", "PUERTO RICO": "PR", "SINGAPORE": "SG", "SOUTH KOREA": "KR",
}

US_STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC", "FLORIDA": "FL", "GEORGIA": "GA",
    "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS",
    "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA",
    "MICHIGAN": "MI", "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT",
    "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM",
    "NEW YORK": "NY", "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK",
    "OREGON": "OR", "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA",
    "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY", "PUERTO RICO": "PR", "GUAM": "GU",
    "ARMED FORCES AMERICAS": "AA", "ARMED FORCES EUROPE": "AE", "ARMED FORCES PACIFIC": "AP",
}
CA_PROVINCES = {
    "ALBERTA": "AB", "BRITISH COLUMBIA": "BC", "MANITOBA": "MB", "NEW BRUNSWICK": "NB",
    "NEWFOUNDLAND AND LABRADOR": "NL", "NOVA SCOTIA": "NS", "ONTARIO": "ON", "PRINCE EDWARD ISLAND": "PE",
    "QUEBEC": "QC", "QUÉBEC": "QC", "SASKATCHEWAN": "SK", "NORTHWEST TERRITORIES": "NT", "NUNAVUT": "NU",
    "YUKON": "YT",
}
SUBDIVISIONS = {"US": US_STATES, "CA": CA_PROVINCES}


def country_code(value: str | None) -> str:
    """ISO 3166-1 alpha-2 code of a country name or code; '' when unknown."""
    text = " ".join((value or "").split()).upper()
    if not text:
        return ""
    if len(text) == 2 and text.isalpha():
        return text
    return COUNTRY_NAMES.get(text, "")


def subdivision_code(value: str | None, country: str) -> str:
    """The subdivision part of ISO 3166-2 ('Kentucky' or 'US-KY' -> 'KY'); other text is kept, trimmed."""
    text = " ".join((value or "").split())
    if not text:
        return ""
    upper = text.upper()
    if country and upper.startswith(f"{country}-"):
        upper = upper[len(country) + 1:]
    names = SUBDIVISIONS.get(country, {})
    if upper in names:
        return names[upper]
    if names and len(upper) == 2 and upper in names.values():
        return upper
    return upper if len(upper) <= 3 else text[:50]


def postal_code(value: str | None, country: str) -> str:
    """US ZIP as 12345 or 12345-6789 (restoring leading zeros lost by spreadsheets), Canadian as 'A1A 1A1'."""
    text = " ".join(str(value or "").split()).upper()
    if country in ("US", "PR"):
        digits = re.sub(r"\D", "", text)
        if len(digits) in (3, 4):
            return digits.zfill(5)
        if len(digits) == 5:
            return digits
        if len(digits) == 9:
            return f"{digits[:5]}-{digits[5:]}"
        if len(digits) in (7, 8) and "-" in text:  # 2134-1234: the leading zero was lost
            head, _, tail = (re.sub(r"\D", "", part) for part in text.partition("-"))
            return f"{head.zfill(5)}-{tail}"
        return text[:20]
    if country == "CA":
        compact = text.replace(" ", "")
        if re.fullmatch(r"[A-Z]\d[A-Z]\d[A-Z]\d", compact):
            return f"{compact[:3]} {compact[3:]}"
    return text[:20]
