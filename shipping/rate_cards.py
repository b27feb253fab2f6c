"""Carriers, services, zones and rate cards from CSV files.

The project ships a set in shipping/rate_cards/ (loaded by `manage.py load_rate_cards`, and by the demo).
A manager replaces them with the carriers' own figures through the same command with --dir, or by uploading
a file on the rate-cards page; each upload replaces what its file covers and leaves the rest alone.

- carriers.csv: code, name, adapter, account_number, tracking_url
- services.csv: carrier, code, name, transit_days, service_code, dim_divisor, dim_min_volume_in3,
  fuel_surcharge_pct, residential_surcharge
- zones.csv: carrier, zone, max_miles (origin-to-destination distance up to which a zone applies)
- rates.csv: carrier, service, weight_lb, zone_2 ... zone_8 (base price for a billable weight in whole pounds)
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from shipping.choices import CarrierAdapterKind
from shipping.exceptions import RateCardError
from shipping.models import Carrier, CarrierService, RateCardEntry, RateZone

DEFAULT_DIR = Path(__file__).resolve().parent / "rate_cards"
FILES = ("carriers.csv", "services.csv", "zones.csv", "rates.csv")
REQUIRED_COLUMNS = {
    "carriers.csv": {"code", "name"},
    "services.csv": {"carrier", "code", "name", "transit_days", "dim_divisor"},
    "zones.csv": {"carrier", "zone", "max_miles"},
    "rates.csv": {"carrier", "service", "weight_lb"},
}


def _rows(name: str, text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {c.strip() for c in (reader.fieldnames or [])}
    missing = REQUIRED_COLUMNS[name] - columns
    if missing:
        raise RateCardError(f"{name}: missing column(s) {', '.join(sorted(missing))}.", field="file")
    rows = []
    for line, row in enumerate(reader, start=2):
        rows.append((line, {(k or "").strip(): (v or "").strip() for k, v in row.items()}))
    return rows


def _decimal(name: str, line: int, value: str, column: str) -> Decimal:
    try:
        number = Decimal(value or "0")
    except InvalidOperation as exc:
        raise RateCardError(f"{name} line {line}: {column} '{value}' is not a number.", field="file") from exc
    if number < 0 or not number.is_finite():
        raise RateCardError(f"{name} line {line}: {column} must not be negative.", field="file")
    return number


def _int(name: str, line: int, value: str, column: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise RateCardError(f"{name} line {line}: {column} '{value}' is not a whole number.", field="file") from exc
    if number < minimum:
        raise RateCardError(f"{name} line {line}: {column} must be at least {minimum}.", field="file")
    return number


def _carrier(name: str, line: int, code: str, carriers: dict[str, Carrier]) -> Carrier:
    carrier = carriers.get(code.upper())
    if carrier is None:
        raise RateCardError(f"{name} line {line}: unknown carrier '{code}'.", field="file")
    return carrier


@transaction.atomic
def rate_cards_load(*, files: dict[str, str]) -> dict[str, int]:
    """Load carriers, services, zones and rates from CSV texts keyed by file name; return counts per file.

    All or nothing: raises RateCardError (naming file and line) and changes nothing when any row is bad.
    """
    unknown = set(files) - set(FILES)
    if unknown:
        raise RateCardError(f"Unknown rate-card file(s): {', '.join(sorted(unknown))}. Use {', '.join(FILES)}.")
    counts: dict[str, int] = {}
    if "carriers.csv" in files:
        rows = _rows("carriers.csv", files["carriers.csv"])
        for line, row in rows:
            adapter = row.get("adapter") or CarrierAdapterKind.RATE_CARD
            if adapter not in CarrierAdapterKind.values:
                raise RateCardError(f"carriers.csv line {line}: unknown adapter '{adapter}'.", field="file")
            if not row["code"] or not row["name"]:
                raise RateCardError(f"carriers.csv line {line}: code and name are required.", field="file")
            Carrier.objects.update_or_create(
                code=row["code"].upper(),
                defaults={"name": row["name"], "adapter": adapter, "account_number": row.get("account_number", ""),
                          "tracking_url": row.get("tracking_url", ""), "is_active": True},
            )
        counts["carriers.csv"] = len(rows)
    carriers = {c.code: c for c in Carrier.objects.all()}
    if "services.csv" in files:
        rows = _rows("services.csv", files["services.csv"])
        for line, row in rows:
            carrier = _carrier("services.csv", line, row["carrier"], carriers)
            divisor = _decimal("services.csv", line, row["dim_divisor"], "dim_divisor")
            if divisor < 1:
                raise RateCardError(f"services.csv line {line}: dim_divisor must be at least 1.", field="file")
            CarrierService.objects.update_or_create(
                carrier=carrier, code=row["code"].upper(),
                defaults={
                    "name": row["name"],
                    "transit_days": _int("services.csv", line, row["transit_days"], "transit_days", 1),
                    "service_code": row.get("service_code", "")[:3],
                    "dim_divisor": divisor,
                    "dim_min_volume_in3": _int("services.csv", line, row.get("dim_min_volume_in3") or "0",
                                               "dim_min_volume_in3"),
                    "fuel_surcharge_pct": _decimal("services.csv", line, row.get("fuel_surcharge_pct", ""),
                                                   "fuel_surcharge_pct"),
                    "residential_surcharge": _decimal("services.csv", line, row.get("residential_surcharge", ""),
                                                      "residential_surcharge"),
                    "is_active": True,
                },
            )
        counts["services.csv"] = len(rows)
    if "zones.csv" in files:
        rows = _rows("zones.csv", files["zones.csv"])
        parsed = [(_carrier("zones.csv", line, row["carrier"], carriers),
                   _int("zones.csv", line, row["zone"], "zone", 1), _int("zones.csv", line, row["max_miles"],
                                                                          "max_miles", 1)) for line, row in rows]
        RateZone.objects.filter(carrier__in={c for c, _, _ in parsed}).delete()
        RateZone.objects.bulk_create(RateZone(carrier=c, zone=z, max_miles=m) for c, z, m in parsed)
        counts["zones.csv"] = len(parsed)
    if "rates.csv" in files:
        counts["rates.csv"] = _load_rates(files["rates.csv"], carriers)
    return counts


def _load_rates(text: str, carriers: dict[str, Carrier]) -> int:
    reader_rows = _rows("rates.csv", text)
    if not reader_rows:
        raise RateCardError("rates.csv has no rows.", field="file")
    zone_columns = sorted(k for k in reader_rows[0][1] if k.startswith("zone_"))
    if not zone_columns:
        raise RateCardError("rates.csv: no zone_N columns.", field="file")
    services = {(s.carrier.code, s.code): s for s in CarrierService.objects.select_related("carrier")}
    entries = []
    touched = set()
    for line, row in reader_rows:
        carrier = _carrier("rates.csv", line, row["carrier"], carriers)
        service = services.get((carrier.code, row["service"].upper()))
        if service is None:
            raise RateCardError(f"rates.csv line {line}: unknown service '{row['service']}' of {carrier.code}.",
                                field="file")
        weight = _int("rates.csv", line, row["weight_lb"], "weight_lb", 1)
        touched.add(service.pk)
        for column in zone_columns:
            if not row.get(column):
                continue
            zone = _int("rates.csv", line, column.removeprefix("zone_"), "zone", 1)
            entries.append(RateCardEntry(service=service, zone=zone, weight_lb=weight,
                                         price=_decimal("rates.csv", line, row[column], column)))
    RateCardEntry.objects.filter(service_id__in=touched).delete()
    RateCardEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def rate_cards_load_directory(*, directory: Path | str = DEFAULT_DIR) -> dict[str, int]:
    """Load every rate-card file present in a directory (the shipped set by default). Raises RateCardError."""
    directory = Path(directory)
    files = {name: (directory / name).read_text(encoding="utf-8") for name in FILES if (directory / name).exists()}
    if not files:
        raise RateCardError(f"No rate-card files in {directory}.")
    return rate_cards_load(files=files)
