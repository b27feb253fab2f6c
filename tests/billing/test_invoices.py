"""Invoices built from a month of mixed work, computed by hand to the cent; price changes, reversals, late
events, rebuilding and finalising."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.choices import EventKind, InvoiceStatus, LineCategory, StoragePeriod, StorageUnit
from billing.events import billable_event_reverse, vas_record
from billing.exceptions import BillingError, InvalidInvoiceTransition
from billing.models import BillableEvent, Invoice, InvoiceLine, StorageRate
from billing.pricing import invoice_lines_compute
from billing.services import invoice_draft, invoice_finalise, invoice_rebuild
from billing.tasks import invoices_draft_task
from core.choices import Role
from demo.seed import seed_demo
from tests.billing.factories import event, price_list, snapshot
from tests.factories import ClientFactory, UserFactory, WarehouseFactory
from tests.shipping.packing_factories import CarrierFactory, CarrierServiceFactory
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def march(day: int) -> datetime.date:
    return datetime.date(2026, 3, day)


@pytest.fixture
def world():
    """One client (invoiced in EUR) and a month of work in March 2026; prices go up on 16 March."""
    client = ClientFactory(code="ACME", name="Acme Outdoor", currency="EUR")
    warehouse = WarehouseFactory(code="SLC")
    ups = CarrierFactory(code="UPS")
    ground = CarrierServiceFactory(carrier=ups, code="GND", name="UPS Ground")
    fedex = CarrierFactory(code="FEDEX")
    home = CarrierServiceFactory(carrier=fedex, code="HOME", name="FedEx Home")
    markups = [(ups, ground, D("0"), D("1.00"))]
    first = price_list(client, datetime.date(2026, 1, 1), markups=markups)
    second = price_list(client, march(16), markups=markups, order_fee=D("3.00"))
    e = {}
    e["order1"] = event(client, EventKind.ORDER_SHIPPED, march(2), units=1, skus=1, boxes=1, cost=D("0.80"))
    e["order2"] = event(client, EventKind.ORDER_SHIPPED, march(10), units=5, skus=3, boxes=2, cost=D("2.10"))
    e["order3"] = event(client, EventKind.ORDER_SHIPPED, march(20), units=2, skus=1, boxes=1, cost=D("0.80"))
    e["label1"] = event(client, EventKind.LABEL, march(2), boxes=1, cost=D("8.40"), carrier=ups, service=ground)
    e["label2"] = event(client, EventKind.LABEL, march(10), boxes=2, cost=D("12.30"), carrier=fedex, service=home)
    e["label3"] = event(client, EventKind.LABEL, march(20), boxes=1, cost=D("10.00"), carrier=fedex, service=home)
    e["label4"] = event(client, EventKind.LABEL, march(21), boxes=1, cost=D("7.77"), carrier=fedex, service=home)
    e["void4"] = event(client, EventKind.LABEL, march(22), boxes=1, cost=D("7.77"), carrier=fedex, service=home,
                       sign=-1, reverses=e["label4"], source_id=e["label4"].source_id)
    e["receipt1"] = event(client, EventKind.RECEIPT, march(5), units=120, skus=4, cartons=6, minutes=150)
    e["receipt2"] = event(client, EventKind.RECEIPT, march(25), units=10, skus=1, cartons=1, minutes=30)
    e["return1"] = event(client, EventKind.RETURN, march(12), units=3, restocked=2, disposed=1)
    e["kitting"] = event(client, EventKind.VAS, march(15), service_code="kitting", quantity=D("40"))
    e["giftwrap"] = event(client, EventKind.VAS, march(15), service_code="gift-wrap", quantity=D("5"))
    for day in range(1, 32):
        snapshot(client, warehouse, LocationKind.RESERVE, march(day), units=500, bins=10, volume_cm3=9_000_000)
    for day in range(1, 11):  # 2,831,685 cm³ is 100.0000134 cubic feet
        snapshot(client, warehouse, LocationKind.PICK, march(day), units=100, bins=4, volume_cm3=2_831_685)
    return {"client": client, "first": first, "second": second, "events": e}


# Worked by hand (the README's worked example follows the same numbers):
EXPECTED = [
    # (category, description, quantity, amount)
    (LineCategory.FULFILMENT, "Orders shipped", D("2"), D("5.00")),  # 2 × 2.50 (before the 16th)
    (LineCategory.FULFILMENT, "Extra units (after the first per order)", D("4"), D("2.00")),
    (LineCategory.FULFILMENT, "Extra SKUs (after the first per order)", D("2"), D("0.50")),
    (LineCategory.FULFILMENT, "Multi-box surcharge (boxes after the first per order)", D("1"), D("1.00")),
    (LineCategory.FULFILMENT, "Orders shipped", D("1"), D("3.00")),  # 1 × 3.00 (from the 16th)
    (LineCategory.FULFILMENT, "Extra units (after the first per order)", D("1"), D("0.50")),
    (LineCategory.PACKAGING, "Boxes at cost + 10%", D("2.90"), D("3.19")),
    (LineCategory.PACKAGING, "Boxes at cost + 10%", D("0.80"), D("0.88")),
    (LineCategory.SHIPPING, "Labels, UPS Ground: cost + 0%", D("8.40"), D("8.40")),
    (LineCategory.SHIPPING, "Labels, UPS Ground: per label", D("1"), D("1.00")),
    (LineCategory.SHIPPING, "Labels, FedEx Home: cost + 5%", D("12.30"), D("12.92")),  # 12.915 half up
    (LineCategory.SHIPPING, "Labels, FedEx Home: per label", D("1"), D("0.75")),
    (LineCategory.SHIPPING, "Labels, FedEx Home: cost + 5%", D("10.00"), D("10.50")),  # the voided label nets 0
    (LineCategory.SHIPPING, "Labels, FedEx Home: per label", D("1"), D("0.75")),
    (LineCategory.RECEIVING, "Receiving orders closed", D("1"), D("25.00")),
    (LineCategory.RECEIVING, "Units received", D("120"), D("24.00")),
    (LineCategory.RECEIVING, "Cartons received", D("6"), D("18.00")),
    (LineCategory.RECEIVING, "Receiving labour over 60 free minutes (hours)", D("1.5"), D("60.00")),
    (LineCategory.RECEIVING, "Receiving orders closed", D("1"), D("25.00")),
    (LineCategory.RECEIVING, "Units received", D("10"), D("2.00")),
    (LineCategory.RECEIVING, "Cartons received", D("1"), D("3.00")),
    (LineCategory.STORAGE, None, D("150"), D("145.16")),  # 15 days × 10 pallets × 30.00 / 31
    (LineCategory.STORAGE, None, D("1000.0001"), D("50.00")),  # 10 days × 100.0000134 ft³ × 0.05
    (LineCategory.STORAGE, None, D("160"), D("154.84")),  # 16 days × 10 pallets × 30.00 / 31
    (LineCategory.RETURNS, "Returns processed", D("1"), D("3.00")),
    (LineCategory.RETURNS, "Units inspected", D("3"), D("1.50")),
    (LineCategory.RETURNS, "Units restocked", D("2"), D("0.50")),
    (LineCategory.RETURNS, "Units disposed", D("1"), D("1.00")),
    (LineCategory.VAS, "Kitting (per kit)", D("40"), D("32.00")),
]
EXPECTED_TOTAL = D("595.39")


def _key(line):
    return (line.category, line.amount, line.quantity)


def test_a_month_of_mixed_work_is_invoiced_to_the_cent(world):
    invoice = invoice_draft(client=world["client"], period_start=MARCH[0], period_end=MARCH[1])

    lines = list(invoice.lines.all())
    assert invoice.currency == "EUR"
    assert invoice.total == EXPECTED_TOTAL
    assert sum(line.amount for line in lines) == EXPECTED_TOTAL
    assert sorted((c, a, q) for c, _, q, a in EXPECTED) == sorted(_key(line) for line in lines)
    for _category, description, quantity, amount in EXPECTED:
        if description:
            assert any(line.description == description and line.amount == amount and line.quantity == quantity
                       for line in lines), description
    assert not any(line.category == LineCategory.MINIMUM for line in lines)  # 595.39 is over the minimum


def test_each_line_links_to_the_events_behind_it_and_unpriced_work_stays_unbilled(world):
    e = world["events"]
    invoice = invoice_draft(client=world["client"], period_start=MARCH[0], period_end=MARCH[1])

    first_orders = invoice.lines.get(description="Orders shipped", price_list=world["first"])
    assert set(first_orders.events.all()) == {e["order1"], e["order2"]}
    extra_units = invoice.lines.get(description__startswith="Extra units", price_list=world["first"])
    assert set(extra_units.events.all()) == {e["order2"]}  # the events it is priced from: more than one unit
    late_home = invoice.lines.get(description="Labels, FedEx Home: cost + 5%", price_list=world["second"])
    assert set(late_home.events.all()) == {e["label3"], e["label4"], e["void4"]}
    linked = set(BillableEvent.objects.filter(invoice_lines__invoice=invoice).distinct())
    assert e["giftwrap"] not in linked  # gift-wrap has no price: unbilled work
    assert linked == set(e.values()) - {e["giftwrap"]}


def test_a_new_price_list_never_changes_a_finalised_invoice_and_prices_by_the_events_date(world):
    invoice = invoice_finalise(invoice=invoice_draft(client=world["client"], period_start=MARCH[0],
                                                     period_end=MARCH[1]))
    before = [(line.description, line.amount) for line in invoice.lines.all()]

    price_list_new = world["second"]
    price_list_new.order_fee = D("9.99")
    price_list_new.save()
    with pytest.raises(InvalidInvoiceTransition):
        invoice_rebuild(invoice=invoice)

    assert [(line.description, line.amount) for line in invoice.lines.all()] == before
    assert invoice.total == EXPECTED_TOTAL


def test_rebuilding_a_draft_gives_the_same_lines_to_the_cent(world):
    invoice = invoice_draft(client=world["client"], period_start=MARCH[0], period_end=MARCH[1])
    first = [(line.position, line.description, line.quantity, line.unit_price, line.amount, line.late,
              sorted(line.events.values_list("pk", flat=True))) for line in invoice.lines.all()]

    invoice_rebuild(invoice=invoice)
    again = invoice_draft(client=world["client"], period_start=MARCH[0], period_end=MARCH[1])

    assert again.pk == invoice.pk
    second = [(line.position, line.description, line.quantity, line.unit_price, line.amount, line.late,
               sorted(line.events.values_list("pk", flat=True))) for line in again.lines.all()]
    assert first == second
    assert InvoiceLine.objects.filter(invoice=invoice).count() == len(first)


def test_a_reversal_cancels_its_charge(world):
    client = world["client"]
    charged = event(client, EventKind.RECEIPT, march(28), units=50, cartons=2, minutes=0)
    before = invoice_draft(client=client, period_start=MARCH[0], period_end=MARCH[1]).total
    assert before == EXPECTED_TOTAL + D("25.00") + D("10.00") + D("6.00")  # second price list, 28 March

    reversal = billable_event_reverse(event=charged, note="Receipt keyed against the wrong client",
                                      occurred_at=datetime.datetime(2026, 3, 29, 9, tzinfo=datetime.UTC))

    after = invoice_draft(client=client, period_start=MARCH[0], period_end=MARCH[1]).total
    assert after == EXPECTED_TOTAL
    assert reversal.event_date == march(29)
    assert reversal.sign == -1
    assert reversal.reverses == charged
    assert reversal.units == 50
    with pytest.raises(BillingError, match="reversed already"):
        billable_event_reverse(event=charged)
    with pytest.raises(BillingError, match="cannot be reversed"):
        billable_event_reverse(event=reversal)


def test_events_arriving_after_their_month_was_finalised_go_on_the_next_invoice_marked_late(world):
    client = world["client"]
    march_invoice = invoice_finalise(invoice=invoice_draft(client=client, period_start=MARCH[0],
                                                           period_end=MARCH[1]))
    late = event(client, EventKind.ORDER_SHIPPED, march(31), units=1, skus=1, boxes=1, cost=D("0"))
    april_order = event(client, EventKind.ORDER_SHIPPED, datetime.date(2026, 4, 2), units=1, skus=1, boxes=1)

    april = invoice_draft(client=client, period_start=datetime.date(2026, 4, 1),
                          period_end=datetime.date(2026, 4, 30))

    late_line = april.lines.get(late=True, category=LineCategory.FULFILMENT)
    assert late_line.description == "Late: Orders shipped"
    assert late_line.amount == D("3.00")
    assert list(late_line.events.all()) == [late]
    on_time = april.lines.get(late=False, category=LineCategory.FULFILMENT)
    assert list(on_time.events.all()) == [april_order]
    march_invoice.refresh_from_db()
    assert march_invoice.total == EXPECTED_TOTAL
    # April is below the monthly minimum: topped up, the late March work not counted towards it
    top_up = april.lines.get(category=LineCategory.MINIMUM)
    assert top_up.amount == D("100.00") - D("3.00")
    assert april.total == D("103.00")


def test_finalising_numbers_invoices_without_gaps_and_refuses_overlaps(world):
    client = world["client"]
    other = ClientFactory()
    price_list(other, datetime.date(2026, 1, 1))
    first = invoice_finalise(invoice=invoice_draft(client=client, period_start=MARCH[0], period_end=MARCH[1]))
    second = invoice_finalise(invoice=invoice_draft(client=other, period_start=MARCH[0], period_end=MARCH[1]))

    assert (first.number, second.number) == ("INV-000001", "INV-000002")
    assert first.status == InvoiceStatus.FINAL
    assert first.finalised_at is not None
    with pytest.raises(BillingError, match="INV-000001 already covers"):
        invoice_draft(client=client, period_start=march(15), period_end=datetime.date(2026, 4, 15))
    with pytest.raises(InvalidInvoiceTransition):
        invoice_finalise(invoice=first)


def test_a_whole_month_below_the_minimum_is_topped_up_but_a_shorter_range_is_not(world):
    client = world["client"]
    feb = invoice_draft(client=client, period_start=datetime.date(2026, 2, 1), period_end=datetime.date(2026, 2, 28))
    assert [(line.category, line.amount) for line in feb.lines.all()] == [(LineCategory.MINIMUM, D("100.00"))]

    week = invoice_draft(client=client, period_start=march(1), period_end=march(7))
    assert not week.lines.filter(category=LineCategory.MINIMUM).exists()


def test_events_are_immutable(world):
    charged = world["events"]["order1"]
    charged.units = 99
    with pytest.raises(ValueError, match="immutable"):
        charged.save()
    with pytest.raises(ValueError, match="immutable"):
        charged.delete()
    assert BillableEvent.objects.get(pk=charged.pk).units == 1


def test_value_added_work_is_priced_by_its_code_and_refuses_bad_input(world, manager):
    client = world["client"]
    recorded = vas_record(client=client, service_code="Kitting", quantity=D("2.5"), note="Gift sets", user=manager,
                          work_date=march(30))
    assert recorded.service_code == "kitting"
    assert recorded.user == manager

    lines = invoice_lines_compute(client=client, start=march(30), end=march(30))
    assert [(line.description, line.amount) for line in lines if line.category == LineCategory.VAS] == [
        ("Kitting (per kit)", D("2.00"))]
    with pytest.raises(BillingError):
        vas_record(client=client, service_code="kitting", quantity=D("0"), note="x")
    with pytest.raises(BillingError):
        vas_record(client=client, service_code="kitting", quantity=D("1"), note=" ")


def test_a_reversal_after_the_month_was_finalised_is_a_credit_on_the_next_invoice(world):
    client = world["client"]
    invoice_finalise(invoice=invoice_draft(client=client, period_start=MARCH[0], period_end=MARCH[1]))

    billable_event_reverse(event=world["events"]["label3"], note="Label refunded by the carrier",
                           occurred_at=datetime.datetime(2026, 4, 3, 9, tzinfo=datetime.UTC))
    april = invoice_draft(client=client, period_start=datetime.date(2026, 4, 1), period_end=datetime.date(2026, 4, 30))

    shipping = {line.description: line.amount for line in april.lines.filter(category=LineCategory.SHIPPING)}
    assert shipping == {"Labels, FedEx Home: cost + 5%": D("-10.50"), "Labels, FedEx Home: per label": D("-0.75")}


def test_the_demo_shows_a_draft_invoice_for_each_client_and_seeding_again_changes_nothing():
    seed_demo()
    drafts = {invoice.client.code: invoice for invoice in Invoice.objects.select_related("client")}
    seed_demo()

    assert set(drafts) == {"CASCADE", "BRIGHTLEAF"}
    for invoice in drafts.values():
        assert invoice.status == InvoiceStatus.DRAFT
        assert invoice.lines.filter(category=LineCategory.VAS).exists()
    assert BillableEvent.objects.filter(kind=EventKind.VAS).count() == 4


def test_the_monthly_task_drafts_every_client_names_one_already_invoiced_and_emails_the_managers(world, mailoutbox):
    # Given a second client whose March was finalised by hand, and a manager with an email address
    other = ClientFactory(name="Brightleaf Tea")
    price_list(other, datetime.date(2026, 1, 1))
    invoice_finalise(invoice=invoice_draft(client=other, period_start=MARCH[0], period_end=MARCH[1]))
    UserFactory(role=Role.MANAGER, email="ops@warehouse.example")

    # When the beat's job runs on the 1st of April
    drafted = invoices_draft_task(datetime.date(2026, 4, 1).toordinal())

    # Then every other client has its March draft, and the email lists them and the one skipped
    drafts = Invoice.objects.filter(status=InvoiceStatus.DRAFT, period_start=MARCH[0], period_end=MARCH[1])
    assert world["client"].pk in set(drafts.values_list("client_id", flat=True))
    assert not drafts.filter(client=other).exists()
    assert drafted == drafts.count()
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "ops@warehouse.example" in mailoutbox[0].to
    assert f"- {world['client'].name}: " in body
    assert "Not drafted:" in body
    assert "- Brightleaf Tea: " in body


def test_a_charge_reversed_after_a_price_change_nets_to_nothing():
    client = ClientFactory()
    price_list(client, datetime.date(2026, 1, 1), shipping_markup_pct=D("5"), shipping_markup_fixed=D("0.75"),
               monthly_minimum=D("0"))
    price_list(client, datetime.date(2026, 3, 20), shipping_markup_pct=D("10"), shipping_markup_fixed=D("1.00"),
               monthly_minimum=D("0"))
    charged = event(client, EventKind.LABEL, datetime.date(2026, 3, 10), cost=D("10.00"), boxes=1)
    billable_event_reverse(event=charged, note="Label voided",
                           occurred_at=timezone.make_aware(datetime.datetime.combine(datetime.date(2026, 3, 25),
                                                                                     datetime.time(12))))

    invoice = invoice_draft(client=client, period_start=MARCH[0], period_end=MARCH[1])

    shipping = list(invoice.lines.filter(category=LineCategory.SHIPPING))
    assert shipping
    assert sum(line.amount for line in shipping) == 0
    assert invoice.total == 0


def test_fixed_price_boxes_a_carrier_wide_markup_and_storage_per_bin_are_priced_as_set():
    client, warehouse = ClientFactory(), WarehouseFactory()
    ups = CarrierFactory(code="UPS", name="UPS")
    ground = CarrierServiceFactory(carrier=ups, code="GND", name="Ground")
    prices = price_list(client, datetime.date(2026, 1, 1), packaging_mode="fixed", packaging_fixed_price=D("1.25"),
                        monthly_minimum=D("0"), markups=[(ups, None, D("8"), D("0.40"))])
    StorageRate.objects.filter(price_list=prices).delete()
    StorageRate.objects.create(price_list=prices, location_kind=LocationKind.PICK, unit=StorageUnit.BIN,
                               period=StoragePeriod.DAY, price=D("0.10"))
    event(client, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 4), units=1, skus=1, boxes=3, cost=D("9.99"))
    event(client, EventKind.LABEL, datetime.date(2026, 3, 4), cost=D("20.00"), boxes=1, carrier=ups, service=ground)
    for day in (1, 2, 3):
        snapshot(client, warehouse, LocationKind.PICK, datetime.date(2026, 3, day), units=12, bins=day)

    invoice = invoice_draft(client=client, period_start=MARCH[0], period_end=MARCH[1])

    amounts = {line.description: line.amount for line in invoice.lines.all()}
    assert amounts["Boxes at a fixed price"] == D("3.75")  # 3 boxes × 1.25, whatever they cost
    assert amounts["Labels, UPS Ground: cost + 8%"] == D("21.60")  # the carrier's own markup, every service
    assert amounts["Labels, UPS Ground: per label"] == D("0.40")
    assert amounts["Storage, pick face: per bin per day"] == D("0.60")  # 1 + 2 + 3 bin-days × 0.10
