"""The return label (rate-shopped to the nearest returns warehouse, emailed) and the trace of mistakes to the
pick list, picker, pack station and packer (and damage to box and carrier)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from core.choices import Role
from returns.analytics import Scope, mistake_traces
from returns.choices import Disposition, ReturnSource, ReturnStatus
from returns.labels import return_label_issue
from returns.pdf import return_label_pdf
from returns.refunds import refund_quote
from returns.services.policy import return_policy_update
from returns.services.receiving import return_inspection_finish, return_unit_receive
from returns.trace import order_traces
from shipping.carriers.base import TrackingUpdate
from shipping.choices import PickListKind, TrackingSource
from shipping.models import PickList, PickListOrder
from shipping.tracking.services import tracking_event_record
from tests.factories import LocationFactory, OrderLineFactory, ProductFactory, make_user
from tests.returns.factories import make_setup, mark_status, open_return
from tests.shipping.helpers import packing_location
from tests.shipping.tracking_helpers import shipped_order, tracking_carrier_service
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered():
    packer = make_user(Role.PACKER)
    service = tracking_carrier_service()
    order, shipment = shipped_order(packages=1, packer=packer, station="PACK-03", service=service)
    LocationFactory(warehouse=order.warehouse, kind=LocationKind.RETURNS, code="RET-01")
    mark_status(order, "delivered")
    return order, shipment, packer, service


def test_authorised_return_gets_a_rate_shopped_label_emailed(delivered, django_capture_on_commit_callbacks):
    order, _, _, service = delivered

    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(order, [(order.lines.first(), 1, "too_small")], source=ReturnSource.CUSTOMER,
                          authorise=None)

    rma.refresh_from_db()
    assert rma.warehouse == order.warehouse
    assert (rma.label_carrier, rma.label_service) == (service.carrier.name, service.name)
    assert rma.label_tracking_number.startswith("1Z")
    assert rma.label_cost > Decimal("0")
    message = mail.outbox[-1]
    assert rma.label_tracking_number in message.body
    assert message.attachments[0][1][:5] == b"%PDF-"
    assert "Return label:" in rma.events.filter(note__startswith="Return label:").get().note


def test_label_cost_is_deducted_only_without_a_free_label_reason(delivered):
    order, *_ = delivered

    paid = open_return(order, [(order.lines.first(), 1, "too_small")])
    free = open_return(order, [(order.lines.last(), 1, "damaged")])
    return_label_issue(rma_id=paid.pk)
    return_label_issue(rma_id=free.pk)

    paid.refresh_from_db()
    free.refresh_from_db()
    assert paid.label_tracking_number
    assert free.label_tracking_number
    assert "deducted from the refund" in paid.events.get(note__startswith="Return label:").note
    assert "free for the customer" in free.events.get(note__startswith="Return label:").note


def test_refund_deducts_exactly_the_label_fee_the_customer_was_told(delivered):
    # Given a client whose label fee differs from what the carrier charges for the label
    order, *_ = delivered
    return_policy_update(client=order.client, label_fee=Decimal("6.95"))
    rma = open_return(order, [(order.lines.first(), 1, "too_small")])

    # When the label is bought and emailed, and the unit comes back
    return_label_issue(rma_id=rma.pk)
    rma.refresh_from_db()
    told_by_email = mail.outbox[-1].body
    told_on_timeline = rma.events.get(note__startswith="Return label:").note
    return_unit_receive(rma=rma, barcode=order.lines.first().product.sku, disposition=Disposition.QUARANTINE)
    return_inspection_finish(rma=rma)
    rma.refresh_from_db()

    # Then the email, the timeline and the refund all name the same fee, not the carrier's cost
    assert rma.label_cost != Decimal("6.95")
    assert "label fee of $6.95" in told_by_email
    assert "$6.95 label fee deducted from the refund" in told_on_timeline
    assert f"carrier cost ${rma.label_cost}" in told_on_timeline
    quote = refund_quote(rma=rma)
    assert quote.label_fee == Decimal("6.95")
    assert quote.amount == quote.subtotal - quote.restocking_fee - Decimal("6.95")


@pytest.mark.parametrize(("carrier", "service", "printed"), [
    ("USPS", "USPS Ground Advantage", "USPS Ground Advantage"),
    ("UPS", "Ground", "UPS Ground"),
    ("", "", ""),
])
def test_the_label_names_the_carrier_once(carrier, service, printed):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    rma.label_carrier, rma.label_service = carrier, service

    assert rma.label_service_name == printed


def test_no_carrier_means_an_address_label_and_a_note(django_capture_on_commit_callbacks):
    setup = make_setup()

    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])

    rma.refresh_from_db()
    assert rma.label_tracking_number == ""
    assert rma.label_emailed_at is not None
    assert rma.events.filter(note__startswith="No carrier label").exists()


def test_carrier_scan_of_the_return_label_puts_the_return_in_transit(delivered, django_capture_on_commit_callbacks):
    order, _, _, service = delivered
    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(order, [(order.lines.first(), 1, "too_small")])
    rma.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        tracking_event_record(carrier=service.carrier, source=TrackingSource.WEBHOOK,
                              update=TrackingUpdate(rma.label_tracking_number, "in_transit",
                                                    rma.created_at, event_id="ret-1"))

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.IN_TRANSIT
    assert rma.events.last().actor == "carrier tracking"


def test_wrong_item_return_is_traced_to_picker_pick_list_station_and_packer(delivered, manager):
    order, shipment, packer, service = delivered
    picker = make_user(Role.PICKER)
    pick_list = PickList.objects.create(number="PL-000042", warehouse=order.warehouse, kind=PickListKind.SINGLE,
                                        packing_location=packing_location(order.warehouse), picker=picker)
    PickListOrder.objects.create(pick_list=pick_list, order=order, tote=1, is_open=False, outcome="picked")
    open_return(order, [(order.lines.first(), 1, "wrong_item")])

    trace = order_traces([order.pk])[order.pk]

    assert trace.pick_lists == ["PL-000042"]
    assert trace.pickers == [picker.username]
    assert trace.pack_stations == ["PACK-03"]
    assert trace.packers == [packer.username]
    assert trace.carriers == [service.carrier.name]
    assert trace.box_types == [shipment.packages.get().box_type.code]
    today = timezone.localdate()
    rows = mistake_traces(user=manager, scope=Scope(date_from=today - datetime.timedelta(days=1), date_to=today))
    assert [(r["kind"], r["trace"]["pickers"], r["trace"]["packers"], r["trace"]["box_types"]) for r in rows] == [
        ("wrong_item", picker.username, packer.username, "")]


def test_damaged_return_is_traced_to_box_type_and_carrier(delivered, manager):
    order, shipment, packer, service = delivered
    open_return(order, [(order.lines.first(), 1, "damaged")])
    today = timezone.localdate()
    rows = mistake_traces(user=manager, scope=Scope(date_from=today - datetime.timedelta(days=1), date_to=today))

    assert len(rows) == 1
    assert rows[0]["trace"]["box_types"] == shipment.packages.get().box_type.code
    assert rows[0]["trace"]["carriers"] == service.carrier.name


def test_return_label_fits_one_4x6_page_with_long_addresses_and_many_lines(delivered):
    # Given a tracked label, a two-line warehouse address, a long customer address and six returned lines
    order, *_ = delivered
    for _ in range(4):
        OrderLineFactory(order=order, product=ProductFactory(client=order.client), quantity=1)
    order.ship_name, order.ship_company = "Maximiliana Featherstonehaugh-Worthington", "Longname Holdings Ltd"
    order.ship_address1, order.ship_address2 = "12345 North Extraordinarily Long Avenue", "Apartment 1209B"
    order.save()
    warehouse = order.warehouse
    warehouse.name, warehouse.address_line2 = "Salt Lake City Fulfillment Center", "Building C, Dock 14"
    warehouse.save()
    rma = open_return(order, [(line, 1, "too_small") for line in order.lines.all()])
    return_label_issue(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.label_tracking_number

    # When the label is rendered
    reader = PdfReader(io.BytesIO(return_label_pdf(rma=rma)))

    # Then it is one 4x6 page holding the RMA number and the order number
    assert len(reader.pages) == 1
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == (4 * 72, 6 * 72)
    text = reader.pages[0].extract_text()
    assert rma.number in text
    assert order.order_number in text
    assert f"{rma.lines.count()} lines:" in text  # the count is before the list, which the label's edge may cut


def test_return_label_pdf_names_a_service_that_starts_with_its_carrier_once():
    # Given a delivered order whose return label goes by USPS Ground Advantage (the demo's rate cards' name)
    service = tracking_carrier_service(code="USPS", name="USPS Ground Advantage")
    order, _ = shipped_order(packages=1, service=service)
    LocationFactory(warehouse=order.warehouse, kind=LocationKind.RETURNS, code="RET-01")
    mark_status(order, "delivered")
    rma = open_return(order, [(order.lines.first(), 1, "too_small")])
    return_label_issue(rma_id=rma.pk)
    rma.refresh_from_db()
    assert (rma.label_carrier, rma.label_service) == ("USPS", "USPS Ground Advantage")

    # When the label is rendered
    reader = PdfReader(io.BytesIO(return_label_pdf(rma=rma)))

    # Then its one page says the carrier once
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert text.count("USPS Ground Advantage") == 1
    assert "USPS USPS" not in text
