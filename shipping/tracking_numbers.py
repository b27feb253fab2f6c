"""Tracking numbers in each carrier's real format, with their check digits.

The check-digit rules are those of jkeen/tracking_number_data (MIT), which tests/fixtures/tracking_numbers/ holds:
- UPS `1Z` + shipper (6) + service (2) + package (7) + check: mod 10 over the 16 characters after 1Z, letters
  as (ord - 3) % 10, odd positions × 1 and even positions × 2.
- USPS IMpb, 22 digits: 9 + 4 (the application identifier 94) + service type (3) + mailer id (9) + serial (7)
  + check: the GS1 mod 10, weights 3 and 1 from the right.
- FedEx Express, 12 digits: serial (11) + check: sum of digit × (3, 1, 7, 3, 1, 7, ...) mod 11 mod 10.
- DHL Express, 10 digits: serial (9) + check: serial mod 7.

A carrier's package serials count up for ever (shipping.models.TrackingSequence); each shipper number or
mailer id has only as many as its serial field holds (ten million for UPS and USPS), so serial n uses the
account n // SERIALS_PER_ACCOUNT of the carrier's list (its account number, then its spare ones) and is
never cut to the field: when every account's range is used up, `TrackingRangeExhausted` is raised rather
than a number repeated, and `serials_left` lets the managers be warned long before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

FEDEX_WEIGHTS = (3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)


def _digit_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else (ord(ch) - 3) % 10


def mod10_check_digit(sequence: str, *, evens_multiplier: int, odds_multiplier: int, reverse: bool = False) -> int:
    """Return the mod-10 check digit of a sequence; positions count from 0 (from the right when reverse)."""
    chars = sequence[::-1] if reverse else sequence
    total = 0
    for i, ch in enumerate(chars):
        total += _digit_value(ch) * (odds_multiplier if i % 2 else evens_multiplier)
    check = total % 10
    return 0 if check == 0 else 10 - check


def fedex_check_digit(serial: str) -> int:
    return sum(int(d) * w for d, w in zip(serial, FEDEX_WEIGHTS, strict=True)) % 11 % 10


def ups_check_digit(serial16: str) -> int:
    return mod10_check_digit(serial16, evens_multiplier=1, odds_multiplier=2)


def usps_check_digit(serial21: str) -> int:
    return mod10_check_digit(serial21, evens_multiplier=3, odds_multiplier=1, reverse=True)


def dhl_check_digit(serial: str) -> int:
    return int(serial) % 7


def normalise(number: str) -> str:
    return re.sub(r"\s+", "", number or "").upper()


UPS_RE = re.compile(r"^1Z([A-Z0-9]{6})([A-Z0-9]{2})([A-Z0-9]{7})([0-9])$")
USPS_RE = re.compile(r"^(?:420\d{5}(?:\d{4})?)?(9[2-5]\d{19})(\d)$")
FEDEX_RE = re.compile(r"^(\d{11})(\d)$")
DHL_RE = re.compile(r"^(\d{9,10})(\d)$")


def is_valid(carrier_code: str, number: str) -> bool:
    """Return whether a number has the carrier's format and a correct check digit."""
    number = normalise(number)
    carrier_code = carrier_code.upper()
    if carrier_code == "UPS":
        m = UPS_RE.match(number)
        return bool(m) and ups_check_digit("".join(m.groups()[:3])) == int(m.group(4))
    if carrier_code == "USPS":
        m = USPS_RE.match(number)
        return bool(m) and usps_check_digit(m.group(1)) == int(m.group(2))
    if carrier_code == "FEDEX":
        m = FEDEX_RE.match(number)
        return bool(m) and fedex_check_digit(m.group(1)) == int(m.group(2))
    if carrier_code == "DHL":
        m = DHL_RE.match(number)
        return bool(m) and dhl_check_digit(m.group(1)) == int(m.group(2))
    return False


def _alnum(value: str, length: int, fill: str = "0") -> str:
    cleaned = re.sub(r"[^A-Z0-9]", "", value.upper())
    return (cleaned + fill * length)[:length] if len(cleaned) < length else cleaned[:length]


# How many serials one account can number: the width of the carrier's serial field.
SERIALS_PER_ACCOUNT = {"UPS": 10**7, "USPS": 10**7, "FEDEX": 10**10, "DHL": 10**9}
# Carriers whose numbers carry the account, so a spare account gives a fresh range.
NUMBERED_BY_ACCOUNT = {"UPS", "USPS"}
DEFAULT_ACCOUNTS = {"UPS": "DH0001", "USPS": "901234567"}


def tracking_warning_threshold(carrier_code: str) -> int:
    """Managers are warned once fewer numbers than this are left: a tenth of one account's range (a million
    labels for UPS and USPS, months of work even for a busy warehouse)."""
    return SERIALS_PER_ACCOUNT.get(carrier_code.upper(), 0) // 10


class TrackingRangeExhausted(ValueError):
    """Every serial of every account of the carrier is used: a further number would repeat an earlier one."""


def _check_serial(serial: int, width: int) -> None:
    if not 0 <= serial < 10**width:
        raise ValueError(f"Serial {serial} does not fit in {width} digits.")


def make_ups(*, shipper: str, service: str, serial: int) -> str:
    _check_serial(serial, 7)
    body = _alnum(shipper, 6) + _alnum(service or "03", 2) + f"{serial:07d}"
    return f"1Z{body}{ups_check_digit(body)}"


def make_usps(*, mailer_id: str, service_type: str, serial: int) -> str:
    _check_serial(serial, 7)
    mid = re.sub(r"\D", "", mailer_id).rjust(9, "9")[:9]
    if not mid.startswith("9"):  # nine-digit mailer ids start with 9 (Publication 199)
        mid = "9" + mid[1:]
    body = "94" + re.sub(r"\D", "", service_type or "001").rjust(3, "0")[:3] + mid + f"{serial:07d}"
    return body + str(usps_check_digit(body))


def make_fedex(*, serial: int) -> str:
    # FedEx Express numbers seen in the wild start 7xx…; keep ours in that block.
    _check_serial(serial, 10)
    body = "7" + f"{serial:010d}"
    return body + str(fedex_check_digit(body))


def make_dhl(*, serial: int) -> str:
    _check_serial(serial, 9)
    body = f"{serial:09d}"
    return body + str(dhl_check_digit(body))


def carrier_accounts(carrier_code: str, account: str, spare_accounts: Sequence[str] = ()) -> list[str]:
    """The accounts whose ranges the carrier's serials run through, in turn."""
    accounts = [account or DEFAULT_ACCOUNTS.get(carrier_code.upper(), "")]
    if carrier_code.upper() in NUMBERED_BY_ACCOUNT:
        accounts += [a for a in spare_accounts if a and a not in accounts]
    return accounts


def serials_left(carrier_code: str, *, next_serial: int, account: str,
                 spare_accounts: Sequence[str] = ()) -> int | None:
    """How many numbers the carrier can still give, from its next serial on (None: no format of ours)."""
    if carrier_code.upper() not in SERIALS_PER_ACCOUNT:
        return None
    capacity = SERIALS_PER_ACCOUNT[carrier_code.upper()] * len(carrier_accounts(carrier_code, account,
                                                                                 spare_accounts))
    return max(0, capacity - next_serial)


def make_tracking_number(carrier_code: str, *, account: str, service_code: str, serial: int,
                         spare_accounts: Sequence[str] = ()) -> str:
    """Return a valid tracking number for the carrier from its account (or, once that account's serials are
    used, the next spare one), the service's code and a serial.

    Raises TrackingRangeExhausted when the serial is past the last account's range.
    """
    carrier_code = carrier_code.upper()
    if carrier_code not in SERIALS_PER_ACCOUNT:
        raise ValueError(f"No tracking-number format for carrier {carrier_code}.")
    accounts = carrier_accounts(carrier_code, account, spare_accounts)
    index, local = divmod(serial, SERIALS_PER_ACCOUNT[carrier_code])
    if index >= len(accounts):
        what = "shipper numbers" if carrier_code == "UPS" else "mailer ids"
        raise TrackingRangeExhausted(
            f"{carrier_code} serial {serial} is past the last tracking-number range"
            + (f" ({what} {', '.join(accounts)}); add a spare account to the carrier."
               if carrier_code in NUMBERED_BY_ACCOUNT else "."))
    if carrier_code == "UPS":
        return make_ups(shipper=accounts[index], service=service_code, serial=local)
    if carrier_code == "USPS":
        return make_usps(mailer_id=accounts[index], service_type=service_code, serial=local)
    if carrier_code == "FEDEX":
        return make_fedex(serial=local)
    return make_dhl(serial=local)
