"""CSV order sheets: one row per order line, rows with the same order_number form one order.

Every row is checked before anything is written; one bad row means nothing is imported and the
uploader gets every problem at once, by row and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from core.exceptions import DomainError
from orders.choices import ChannelKind, ServiceLevel
from orders.intake.addresses import country_code, postal_code, subdivision_code
from orders.intake.creation import csv_channel_for_client, order_create
from orders.models import Order, SalesChannel
from orders.selectors import products_for_skus

CSV_COLUMNS = [
    "order_number", "order_date", "customer_name", "customer_email", "customer_phone", "ship_name",
    "ship_company", "ship_address1", "ship_address2", "ship_city", "ship_state", "ship_postal_code",
    "ship_country", "shipping_method", "service_level", "currency", "sku", "quantity", "unit_price",
]
REQUIRED_COLUMNS = ["order_number", "ship_name", "ship_address1", "ship_city", "ship_postal_code", "ship_country",
                    "sku", "quantity"]
LINE_COLUMNS = frozenset({"sku", "quantity", "unit_price"})
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024

TEMPLATE_ROWS = [
    ["#5001", "2026-11-20", "Avery Johnson", "avery@example.com", "555-0100", "Avery Johnson", "",
     "1200 Senate St", "Apt 4", "Columbia", "SC", "29201", "US", "UPS Ground", "standard", "USD", "SKU-1", "2",
     "19.99"],
    ["#5001", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "SKU-2", "1", "5.00"],
    ["#5002", "2026-11-20", "Mia Chen", "mia@example.com", "", "Mia Chen", "Chen Design", "400 Pine St", "",
     "Seattle", "WA", "98101", "US", "Express", "expedited", "USD", "SKU-1", "1", "19.99"],
]


@dataclass
class RowError:
    row: int  # the line number in the file (the header is row 1)
    column: str
    message: str


@dataclass
class CsvImportResult:
    orders: list[Order] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def csv_template() -> str:
    """The downloadable template: the header and a two-order example."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()


def _service_level(value: str) -> str | None:
    if not value:
        return ServiceLevel.STANDARD
    lowered = value.strip().lower()
    for choice, label in ServiceLevel.choices:
        if lowered in (choice, label.lower(), label.split(" (")[0].lower()):
            return choice
    return None


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    parsed = datetime.fromisoformat(value)  # ValueError for the caller
    if len(value) == 10:
        parsed = datetime.combine(parsed.date(), time(12, 0))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # Excel on Windows; raises for bytes that are not text at all


def csv_orders_parse(*, text: str, client) -> tuple[list[dict], list[RowError]]:
    """Check every row and group lines into orders. Returns (orders, errors); orders is empty on any error."""
    errors: list[RowError] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        return [], [RowError(1, "", "The file is empty; start from the template.")]
    reader.fieldnames = header
    for column in REQUIRED_COLUMNS:
        if column not in header:
            errors.append(RowError(1, column, "This column is missing from the header."))
    for column in header:
        if column not in CSV_COLUMNS:
            errors.append(RowError(1, column, f"Unknown column “{column}”; the template lists the columns."))
    if errors:
        return [], errors

    orders: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    row_count = 0
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            errors.append(RowError(number, "", "This row has more cells than the header."))
            continue
        row = {key: (value or "").strip() for key, value in raw.items()}
        if not any(row.values()):
            continue
        row_count += 1
        if row_count > MAX_ROWS:
            errors.append(RowError(number, "", f"More than {MAX_ROWS} rows; split the file."))
            break
        order_number = row.get("order_number", "")
        if not order_number:
            errors.append(RowError(number, "order_number", "Required."))
            continue
        if len(order_number) > 64:
            errors.append(RowError(number, "order_number", "At most 64 characters."))
            continue
        line = {"sku": row.get("sku", ""), "row": number}
        if not line["sku"]:
            errors.append(RowError(number, "sku", "Required."))
        try:
            line["quantity"] = int(row.get("quantity", ""))
            if line["quantity"] < 1:
                raise ValueError
        except ValueError:
            errors.append(RowError(number, "quantity", f"“{row.get('quantity', '')}” is not a whole number of at "
                                                       "least 1."))
        try:
            price = Decimal(row.get("unit_price") or "0")
            if not price.is_finite() or price < 0:
                raise InvalidOperation
            line["unit_price"] = price.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.append(RowError(number, "unit_price", f"“{row.get('unit_price')}” is not a price."))

        if order_number not in orders:
            first_row[order_number] = number
            orders[order_number] = _order_fields(row, number, errors)
            orders[order_number]["lines"] = []
        else:
            first = orders[order_number]["source"]
            for column in CSV_COLUMNS:
                if column in LINE_COLUMNS or column == "order_number":
                    continue
                if row.get(column) and row.get(column) != first.get(column):
                    errors.append(RowError(number, column, f"Differs from row {first_row[order_number]} of the "
                                                           f"same order (“{first.get(column)}”)."))
        orders[order_number]["lines"].append(line)

    if row_count == 0 and not errors:
        errors.append(RowError(2, "", "The file has a header but no order rows."))
    skus = {line["sku"] for order in orders.values() for line in order["lines"] if line["sku"]}
    csv_channel = SalesChannel.objects.filter(client=client, kind=ChannelKind.CSV, is_active=True).order_by("pk").first()
    known = set(products_for_skus(client_id=client.pk, channel_id=csv_channel.pk if csv_channel else None, skus=skus))
    for order in orders.values():
        for line in order["lines"]:
            if line["sku"] and line["sku"] not in known:
                errors.append(RowError(line["row"], "sku", f"{client.name} has no product with SKU “{line['sku']}”."))
    existing = set(Order.objects.filter(client=client, channel__kind="csv", external_id__in=list(orders))
                   .values_list("external_id", flat=True))
    for order_number in sorted(existing):
        errors.append(RowError(first_row[order_number], "order_number",
                               f"Order {order_number} was already imported."))
    if errors:
        errors.sort(key=lambda e: (e.row, CSV_COLUMNS.index(e.column) if e.column in CSV_COLUMNS else -1))
        return [], errors
    return list(orders.values()), []


def _order_fields(row: dict, number: int, errors: list[RowError]) -> dict:
    country = country_code(row.get("ship_country"))
    for column in REQUIRED_COLUMNS:
        if column not in LINE_COLUMNS and not row.get(column):
            errors.append(RowError(number, column, "Required on the first row of an order."))
    if row.get("ship_country") and not country:
        errors.append(RowError(number, "ship_country", f"“{row['ship_country']}” is not a country; use an ISO code "
                                                       "such as US."))
    level = _service_level(row.get("service_level", ""))
    if level is None:
        errors.append(RowError(number, "service_level",
                               f"Use one of: {', '.join(ServiceLevel.values)}."))
    currency = (row.get("currency") or "USD").upper()
    if len(currency) != 3 or not currency.isalpha():
        errors.append(RowError(number, "currency", "Use a three-letter currency code such as USD."))
    if email := row.get("customer_email"):
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(number, "customer_email", f"“{email}” is not an email address."))
    placed_at = None
    if row.get("order_date"):
        try:
            placed_at = _parse_date(row["order_date"])
        except ValueError:
            errors.append(RowError(number, "order_date", f"“{row['order_date']}” is not a date (YYYY-MM-DD)."))
    for column, limit in (("customer_name", 200), ("ship_name", 200), ("ship_company", 200),
                          ("ship_address1", 255), ("ship_address2", 255), ("ship_city", 100),
                          ("shipping_method", 200), ("customer_phone", 40)):
        if len(row.get(column, "")) > limit:
            errors.append(RowError(number, column, f"At most {limit} characters."))
    return {
        "source": row,
        "order_number": row["order_number"],
        "fields": {
            "customer_name": row.get("customer_name") or row.get("ship_name", ""),
            "customer_email": row.get("customer_email", ""),
            "customer_phone": row.get("customer_phone", ""),
            "ship_name": row.get("ship_name", ""),
            "ship_company": row.get("ship_company", ""),
            "ship_address1": row.get("ship_address1", ""),
            "ship_address2": row.get("ship_address2", ""),
            "ship_city": row.get("ship_city", ""),
            "ship_state": subdivision_code(row.get("ship_state"), country),
            "ship_postal_code": postal_code(row.get("ship_postal_code"), country),
            "ship_country": country,
            "requested_shipping_method": row.get("shipping_method", ""),
            "requested_service_level": level or ServiceLevel.STANDARD,
            "currency": currency,
            "placed_at": placed_at,
        },
    }


def csv_orders_import(*, client, data: bytes, user=None) -> CsvImportResult:
    """Import a CSV order sheet for a client: every order, or none.

    Returns the created orders, or the errors by row and column (and then nothing was written).
    """
    if len(data) > MAX_BYTES:
        return CsvImportResult(errors=[RowError(0, "", f"The file is larger than {MAX_BYTES // 1024} KB.")])
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        return CsvImportResult(errors=[RowError(0, "", "The file is not a text CSV (save it as CSV UTF-8).")])
    if "\x00" in text:
        return CsvImportResult(errors=[RowError(0, "", "The file is not a text CSV (save it as CSV UTF-8).")])
    try:
        orders, errors = csv_orders_parse(text=text, client=client)
    except csv.Error as exc:
        return CsvImportResult(errors=[RowError(0, "", f"The file cannot be read as CSV: {exc}.")])
    if errors:
        return CsvImportResult(errors=errors)
    result = CsvImportResult()
    try:
        with transaction.atomic():
            channel = csv_channel_for_client(client)
            for order in orders:
                lines = [{"sku": line["sku"], "quantity": line["quantity"], "unit_price": line["unit_price"]}
                         for line in order["lines"]]
                total = sum((line["unit_price"] * line["quantity"] for line in lines), Decimal("0"))
                result.orders.append(order_create(
                    channel=channel, order_number=order["order_number"], external_id=order["order_number"],
                    lines=lines, user=user, note="Order received (CSV upload)", total_price=total,
                    **order["fields"],
                ))
                result.lines += len(lines)
    except (DomainError, IntegrityError) as exc:
        message = exc.message if isinstance(exc, DomainError) else "An order in the file was imported meanwhile."
        return CsvImportResult(errors=[RowError(0, "", f"Nothing was imported: {message}")])
    return result
