"""The invoice PDF (issuer, client, currency, every line, the total) and the CSV detail a client can recompute."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.choices import EventKind
from billing.documents import invoice_csv, invoice_pdf
from billing.services import invoice_draft, invoice_finalise
from tests.billing.factories import event, price_list, snapshot
from tests.conftest import ARTIFACTS
from tests.factories import ClientFactory, WarehouseFactory
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


def test_the_invoice_pdf_carries_both_parties_the_currency_and_every_line():
    warehouse = WarehouseFactory(code="NSH", name="Nashville", address_line1="410 Cowan St", city="Nashville",
                                 state="TN", postal_code="37207")
    client = ClientFactory(code="BRIGHT", name="Brightleaf Tea Co.", currency="CAD",
                           contact_email="ap@brightleaf.example", preferred_warehouse=warehouse)
    price_list(client, datetime.date(2026, 1, 1))
    event(client, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 2), units=3, skus=2, boxes=1, cost=Decimal("0.9"))
    event(client, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 3), units=1, skus=1, boxes=1, cost=Decimal("0.9"),
          note="=HYPERLINK(\"x\")")
    invoice = invoice_finalise(invoice=invoice_draft(client=client, period_start=datetime.date(2026, 3, 1)))

    data = invoice_pdf(invoice=invoice)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "billing-invoice.pdf").write_bytes(data)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

    for expected in ("Invoice", "INV-000001", "Nashville", "410 Cowan St", "Brightleaf Tea Co.", "BRIGHT",
                     "ap@brightleaf.example", "CAD", "Orders shipped", "Monthly minimum", "100.00"):
        assert expected in text, expected
    rows = list(csv.DictReader(io.StringIO(invoice_csv(invoice=invoice))))
    orders = [row for row in rows if row["line_description"] == "Orders shipped"]
    assert len(orders) == 2
    assert {row["note"] for row in orders} == {"", "'=HYPERLINK(\"x\")"}  # no formula reaches a spreadsheet
    assert sum(Decimal(row["units"]) for row in orders) == 4


def test_the_csv_recomputes_every_line_storage_included():
    warehouse = WarehouseFactory(code="SLC")
    client = ClientFactory(code="CASC")
    price_list(client, datetime.date(2026, 1, 1), monthly_minimum=Decimal("0"))
    event(client, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 2), units=3, skus=2, boxes=2, cost=Decimal("1.9"))
    event(client, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 9), units=1, skus=1, boxes=1, cost=Decimal("0.8"))
    for day in range(1, 32):
        snapshot(client, warehouse, LocationKind.RESERVE, datetime.date(2026, 3, day), units=40, bins=2 + day % 3)
        snapshot(client, warehouse, LocationKind.PICK, datetime.date(2026, 3, day), units=10, bins=1,
                 volume_cm3=283168)
    invoice = invoice_finalise(invoice=invoice_draft(client=client, period_start=datetime.date(2026, 3, 1)))

    rows = list(csv.DictReader(io.StringIO(invoice_csv(invoice=invoice))))

    lines = list(invoice.lines.order_by("position"))
    assert {line.category for line in lines} >= {"fulfilment", "packaging", "storage"}
    for line in lines:
        behind = [row for row in rows if row["line"] == str(line.position)]
        assert behind, f"no detail behind line {line.position}: {line.description}"
        if line.category == "storage":
            assert len(behind) == 31  # a night each
            recomputed = sum(Decimal(row["quantity"]) * Decimal(row["cost"]) for row in behind)
            assert abs(recomputed - line.amount) <= Decimal("0.01"), line.description
    extra_units = next(line for line in lines if line.description.startswith("Extra units"))
    assert [row["units"] for row in rows if row["line"] == str(extra_units.position)] == ["3"]
