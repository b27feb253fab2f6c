"""A closed receipt booked in error is reversed: its units leave the bins through the ledger, all or nothing, and
its receiving charge is cancelled by a reversing event; by a manager, on the page or over the API."""

import datetime

import pytest
from django.urls import reverse

from billing.choices import EventKind, LineCategory
from billing.models import BillableEvent
from billing.services import invoice_draft
from core.choices import Role
from core.exceptions import DomainError
from core.models import StatusChange
from core.transitions import InvalidTransition
from inventory.choices import InboundStatus, MovementKind
from inventory.control.receiving import inbound_close, inbound_create, inbound_receive_scan, inbound_reverse
from inventory.exceptions import InsufficientStock
from inventory.models import InboundShipment, StockLevel, StockMovement
from inventory.services import stock_allocate
from tests.billing.factories import price_list
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.invariants import assert_stock_invariants

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed():
    """ASN PO-9 of 7 boots into A-01-01-A and 3 socks into A-01-02-A, closed with 2 cartons."""
    client = ClientFactory(code="CASC")
    warehouse = WarehouseFactory(code="SLC")
    boots_bin = LocationFactory(warehouse=warehouse, zone="A", code="A-01-01-A", walk_sequence=10)
    socks_bin = LocationFactory(warehouse=warehouse, zone="A", code="A-01-02-A", walk_sequence=20)
    boots = ProductFactory(client=client, sku="BOOT-1", barcode="0001")
    socks = ProductFactory(client=client, sku="SOCK-1", barcode="0002")
    asn = inbound_create(client=client, warehouse=warehouse, reference="PO-9",
                         lines=[{"sku": "BOOT-1", "quantity": 7}, {"sku": "SOCK-1", "quantity": 3}])
    inbound_receive_scan(shipment=asn, code="0001", quantity=4, location=boots_bin)
    inbound_receive_scan(shipment=asn, code="0001", quantity=3, location=boots_bin)
    inbound_receive_scan(shipment=asn, code="0002", quantity=3, location=socks_bin)
    inbound_close(shipment=asn, cartons=2)
    return {"asn": asn, "client": client, "boots": boots, "socks": socks, "boots_bin": boots_bin,
            "socks_bin": socks_bin}


def _on_hand(product, location) -> int:
    return StockLevel.objects.get(product=product, location=location).on_hand


def test_reversing_takes_every_unit_back_out_through_the_ledger_and_records_who_and_why(closed):
    manager = make_user(Role.MANAGER)

    inbound_reverse(shipment=closed["asn"], reason="Keyed against the wrong client", user=manager)

    assert _on_hand(closed["boots"], closed["boots_bin"]) == 0
    assert _on_hand(closed["socks"], closed["socks_bin"]) == 0
    out = sorted(StockMovement.objects.filter(kind=MovementKind.RECEIPT_REVERSAL)
                 .values_list("product__sku", "from_location__code", "quantity", "reference", "user"))
    assert out == [("BOOT-1", "A-01-01-A", 7, f"ASN-{closed['asn'].pk}", manager.pk),
                   ("SOCK-1", "A-01-02-A", 3, f"ASN-{closed['asn'].pk}", manager.pk)]
    assert InboundShipment.objects.get(pk=closed["asn"].pk).status == InboundStatus.REVERSED
    change = StatusChange.objects.filter(object_id=closed["asn"].pk, to_status=InboundStatus.REVERSED).get()
    assert (change.from_status, change.user, change.note) == (InboundStatus.CLOSED, manager,
                                                              "Keyed against the wrong client")
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


def test_the_receiving_charge_is_cancelled_by_a_reversing_event_and_the_invoice_nets_to_nothing(closed):
    client = closed["client"]
    price_list(client, datetime.date(2020, 1, 1), monthly_minimum=0)
    charged = BillableEvent.objects.get(kind=EventKind.RECEIPT)

    inbound_reverse(shipment=closed["asn"], reason="Duplicate of PO-8")

    reversal = BillableEvent.objects.get(kind=EventKind.RECEIPT, sign=-1)
    assert reversal.reverses == charged
    assert (reversal.units, reversal.cartons, reversal.source_id) == (charged.units, charged.cartons, charged.source_id)
    invoice = invoice_draft(client=client, period_start=charged.event_date.replace(day=1))
    receiving = list(invoice.lines.filter(category=LineCategory.RECEIVING))
    assert receiving
    assert sum(line.amount for line in receiving) == 0


def test_units_since_reserved_stop_the_reversal_and_nothing_changes(closed):
    level = StockLevel.objects.get(product=closed["socks"], location=closed["socks_bin"])
    stock_allocate(stock_level_id=level.pk, quantity=1, reference="ORDER-1")
    movements = StockMovement.objects.count()

    with pytest.raises(InsufficientStock, match="PO-9 cannot be reversed: Only 2 of SOCK-1 available at A-01-02-A"):
        inbound_reverse(shipment=closed["asn"], reason="Wrong client")

    assert _on_hand(closed["boots"], closed["boots_bin"]) == 7  # the boots went back in with the refusal
    assert StockMovement.objects.count() == movements
    assert InboundShipment.objects.get(pk=closed["asn"].pk).status == InboundStatus.CLOSED
    assert not BillableEvent.objects.filter(sign=-1).exists()


def test_only_a_closed_receipt_with_a_reason_is_reversed(closed):
    with pytest.raises(DomainError, match="Say why") as refused:
        inbound_reverse(shipment=closed["asn"], reason="  ")
    assert refused.value.field == "reason"

    inbound_reverse(shipment=closed["asn"], reason="Wrong client")
    with pytest.raises(InvalidTransition):
        inbound_reverse(shipment=closed["asn"], reason="Again")
    open_asn = inbound_create(client=closed["client"], warehouse=closed["boots_bin"].warehouse, reference="PO-10",
                              lines=[{"sku": "BOOT-1", "quantity": 1}])
    with pytest.raises(InvalidTransition):
        inbound_reverse(shipment=open_asn, reason="Wrong client")


def test_a_manager_reverses_on_the_page_and_floor_staff_are_not_offered_it(client, closed):
    url = reverse("inventory:inbound_detail", args=[closed["asn"].pk])
    client.force_login(make_user(Role.PICKER))
    assert "Reverse the receipt" not in client.get(url).content.decode()
    assert client.post(reverse("inventory:inbound_reverse", args=[closed["asn"].pk]),
                       {"reason": "Wrong client"}).status_code == 403

    client.force_login(make_user(Role.MANAGER))
    assert "Reverse the receipt" in client.get(url).content.decode()
    blank = client.post(reverse("inventory:inbound_reverse", args=[closed["asn"].pk]), {"reason": ""}, follow=True)
    done = client.post(reverse("inventory:inbound_reverse", args=[closed["asn"].pk]),
                       {"reason": "Wrong client"}, follow=True)

    assert "reason: This field is required." in blank.content.decode()
    page = done.content.decode()
    assert "ASN PO-9 reversed: its units left the bins" in page
    assert "Reverse the receipt" not in page
    assert InboundShipment.objects.get(pk=closed["asn"].pk).status == InboundStatus.REVERSED


def test_the_api_reverses_for_managers_with_field_errors_and_refusals_as_400(api_for, closed):
    url = reverse("inbound-reverse", args=[closed["asn"].pk])
    client_user = make_user(Role.CLIENT, client=closed["client"])
    level = StockLevel.objects.get(product=closed["boots"], location=closed["boots_bin"])
    manager = api_for(make_user(Role.MANAGER))

    forbidden = api_for(client_user).post(url, {"reason": "Wrong client"}, format="json")
    blank = manager.post(url, {}, format="json")
    stock_allocate(stock_level_id=level.pk, quantity=7, reference="ORDER-2")
    refused = manager.post(url, {"reason": "Wrong client"}, format="json")
    StockLevel.objects.filter(pk=level.pk).update(allocated=0)
    done = manager.post(url, {"reason": "Wrong client"}, format="json")

    assert forbidden.status_code == 403
    assert (blank.status_code, list(blank.json())) == (400, ["reason"])
    assert refused.status_code == 400
    assert "cannot be reversed" in str(refused.json())
    assert (done.status_code, done.json()["status"]) == (200, InboundStatus.REVERSED)
