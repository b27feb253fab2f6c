import pytest
from django import test as django_test
from django.core import mail
from django.urls import reverse

from core.choices import Role
from core.exceptions import DomainError
from inventory.choices import DifferenceKind, InboundStatus, MovementKind
from inventory.control.receiving import (
    inbound_close,
    inbound_create,
    inbound_lines_from_csv,
    inbound_receive_scan,
    putaway_suggest,
)
from inventory.models import InboundShipment, StockLevel, StockMovement
from inventory.signals import stock_available_increased
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.inventory.stock_helpers import receive
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    client = ClientFactory(contact_email="ops@merchant.example")
    warehouse = WarehouseFactory(code="SLC")
    bins = [LocationFactory(warehouse=warehouse, zone="A", code=f"A-01-0{i}-A", walk_sequence=i * 10)
            for i in range(1, 5)]
    boots = ProductFactory(client=client, sku="BOOT-1", barcode="0001")
    socks = ProductFactory(client=client, sku="SOCK-1", barcode="0002")
    hats = ProductFactory(client=client, sku="HAT-1", barcode="0003")
    shipment = inbound_create(client=client, warehouse=warehouse, reference="PO-77",
                              lines=[{"sku": "BOOT-1", "quantity": 10}, {"sku": "SOCK-1", "quantity": 5},
                                     {"sku": "BOOT-1", "quantity": 2}])
    return {"client": client, "warehouse": warehouse, "bins": bins, "boots": boots, "socks": socks, "hats": hats,
            "shipment": shipment}


def test_asn_adds_up_repeated_skus(setup):
    lines = {line.product.sku: line.expected_quantity for line in setup["shipment"].lines.all()}

    assert lines == {"BOOT-1": 12, "SOCK-1": 5}


@pytest.mark.parametrize(("lines", "message"), [
    ([], "at least one line"),
    ([{"sku": "NOPE", "quantity": 1}], "no SKU 'NOPE'"),
    ([{"sku": "BOOT-1", "quantity": 0}], "positive"),
])
def test_asn_rejects_bad_lines(setup, lines, message):
    with pytest.raises(DomainError, match=message):
        inbound_create(client=setup["client"], warehouse=setup["warehouse"], reference="PO-78", lines=lines)


def test_asn_reference_is_unique_per_client(setup):
    with pytest.raises(DomainError, match="already has"):
        inbound_create(client=setup["client"], warehouse=setup["warehouse"], reference="PO-77",
                       lines=[{"sku": "BOOT-1", "quantity": 1}])


def test_csv_lines_are_parsed_and_bad_rows_named():
    assert inbound_lines_from_csv(b"sku,quantity\nBOOT-1,4\n\nSOCK-1, 2\n") == [
        {"sku": "BOOT-1", "quantity": 4, "row": 2}, {"sku": "SOCK-1", "quantity": 2, "row": 4}]
    with pytest.raises(DomainError, match="row 3"):
        inbound_lines_from_csv("sku,quantity\nBOOT-1,4\nSOCK-1,two\n")
    with pytest.raises(DomainError, match="header"):
        inbound_lines_from_csv("BOOT-1,4\n")


def test_putaway_prefers_a_location_already_holding_the_sku(setup):
    receive(setup["boots"], setup["bins"][2], 3)

    assert putaway_suggest(product=setup["boots"], warehouse=setup["warehouse"]) == setup["bins"][2]


def test_putaway_else_suggests_an_empty_location_in_the_clients_zone(setup):
    other_zone = LocationFactory(warehouse=setup["warehouse"], zone="B", code="B-05-01-A", walk_sequence=1)
    LocationFactory(warehouse=setup["warehouse"], zone="B", code="B-05-02-A", walk_sequence=2)
    receive(setup["socks"], other_zone, 1)  # the client's goods sit in zone B

    suggestion = putaway_suggest(product=setup["boots"], warehouse=setup["warehouse"])

    assert suggestion.zone == "B"
    assert suggestion.code == "B-05-02-A"


def test_putaway_never_suggests_docks_or_transit(setup):
    warehouse = WarehouseFactory(code="EMPTY")
    LocationFactory(warehouse=warehouse, kind=LocationKind.RECEIVING, code="RCV-01")

    assert putaway_suggest(product=setup["boots"], warehouse=warehouse) is None


def test_scan_receives_into_stock_through_the_ledger_and_announces_arrival(setup):
    announced = []

    def listener(**kwargs):
        announced.append(kwargs["product_id"])

    stock_available_increased.connect(listener)
    try:
        with django_test.TestCase.captureOnCommitCallbacks(execute=True):
            result = inbound_receive_scan(shipment=setup["shipment"], code="0001", quantity=7)
    finally:
        stock_available_increased.disconnect(listener)

    level = StockLevel.objects.get(product=setup["boots"], location=result.location)
    movement = StockMovement.objects.get(product=setup["boots"])
    assert level.on_hand == 7
    assert result.line.received_quantity == 7
    assert (movement.kind, movement.quantity, movement.reference) == (MovementKind.RECEIPT, 7,
                                                                     f"ASN-{setup['shipment'].pk}")
    assert announced == [setup["boots"].pk]
    assert InboundShipment.objects.get(pk=setup["shipment"].pk).status == InboundStatus.RECEIVING


def test_close_records_each_kind_of_difference_and_emails_the_client(setup, django_capture_on_commit_callbacks):
    shipment = setup["shipment"]
    inbound_receive_scan(shipment=shipment, code="BOOT-1", quantity=14)  # 12 expected: over 2
    inbound_receive_scan(shipment=shipment, code="SOCK-1", quantity=2)  # 5 expected: 2 + 1 damaged, short 2
    inbound_receive_scan(shipment=shipment, code="SOCK-1", quantity=1, damaged=True)
    inbound_receive_scan(shipment=shipment, code="HAT-1", quantity=3)  # known SKU not on the ASN
    unknown = inbound_receive_scan(shipment=shipment, code="999999", quantity=4)  # nobody knows this code

    with django_capture_on_commit_callbacks(execute=True):
        inbound_close(shipment=shipment)

    found = sorted((d.kind, d.code, d.quantity) for d in shipment.differences.all())
    assert found == sorted([
        (DifferenceKind.OVER, "BOOT-1", 2), (DifferenceKind.SHORT, "SOCK-1", 2), (DifferenceKind.DAMAGED, "SOCK-1", 1),
        (DifferenceKind.UNEXPECTED, "HAT-1", 3), (DifferenceKind.UNEXPECTED, "999999", 4)])
    assert "set aside" in unknown.message
    assert sum(StockLevel.objects.filter(product=setup["socks"]).values_list("on_hand", flat=True)) == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@merchant.example"]
    assert "Short" in mail.outbox[0].body
    assert "999999" in mail.outbox[0].body


def test_closed_asn_cannot_receive(setup):
    inbound_close(shipment=setup["shipment"])

    with pytest.raises(DomainError, match="closed"):
        inbound_receive_scan(shipment=setup["shipment"], code="BOOT-1")


def test_scan_page_receives_and_shows_message(client, setup, manager):
    client.force_login(manager)

    response = client.post(reverse("inventory:inbound_detail", args=[setup["shipment"].pk]),
                           {"code": "BOOT-1", "quantity": "3"}, follow=True)

    assert "3 × BOOT-1 received into" in response.content.decode()


def test_inbound_api_creates_from_csv_and_receives(manager_api, setup):
    created = manager_api.post(reverse("inbound-list"), {
        "client": setup["client"].pk, "warehouse": setup["warehouse"].pk, "reference": "PO-90",
        "csv": "sku,quantity\nBOOT-1,5\n"}, format="json")
    bad = manager_api.post(reverse("inbound-list"), {
        "client": setup["client"].pk, "warehouse": setup["warehouse"].pk, "reference": "PO-91",
        "lines": [{"sku": "NOPE", "quantity": 1}]}, format="json")
    received = manager_api.post(reverse("inbound-receive", args=[created.json()["id"]]),
                                {"code": "BOOT-1", "quantity": 5}, format="json")

    assert created.status_code == 201, created.json()
    assert bad.status_code == 400
    assert "NOPE" in bad.json()["detail"]
    assert received.status_code == 200
    assert received.json()["lines"][0]["received_quantity"] == 5


def test_client_user_sees_only_own_asns_and_cannot_receive(setup, api_for):
    other = make_user(Role.CLIENT, client=ClientFactory())
    owner = make_user(Role.CLIENT, client=setup["client"])

    assert api_for(other).get(reverse("inbound-list")).json()["count"] == 0
    assert api_for(owner).get(reverse("inbound-list")).json()["count"] == 1
    assert api_for(owner).post(reverse("inbound-receive", args=[setup["shipment"].pk]), {"code": "BOOT-1"},
                               format="json").status_code == 403


def test_receiving_suggests_the_products_bin_then_an_empty_one_in_its_clients_zone(setup):
    # Given boots already in A-01-03-A, and another client's stock and a second zone elsewhere
    warehouse, bins = setup["warehouse"], setup["bins"]
    receive(setup["boots"], bins[2], 4)
    other_zone = LocationFactory(warehouse=warehouse, zone="B", code="B-01-01-A", walk_sequence=1)

    boots = inbound_receive_scan(shipment=setup["shipment"], code="BOOT-1", quantity=1)
    socks = inbound_receive_scan(shipment=setup["shipment"], code="SOCK-1", quantity=1)

    # Then boots join their bin, and socks go to an empty bin in zone A (not B, first in walking order)
    assert boots.location == bins[2]
    assert socks.location.zone == "A"
    assert socks.location != other_zone
    assert socks.location not in (bins[2],)


def test_receiving_into_a_bin_of_another_product_or_client_asks_first(client, setup, manager):
    # Given A-01-01-A holding another client's tea
    tea = ProductFactory(client=ClientFactory(name="Brightleaf Tea"), sku="TEA-1")
    receive(tea, setup["bins"][0], 5)
    client.force_login(manager)
    url = reverse("inventory:inbound_detail", args=[setup["shipment"].pk])

    # When the receiver types that bin for boots
    asked = client.post(url, {"code": "BOOT-1", "quantity": "2", "location": "A-01-01-A"})

    # Then nothing goes in until they confirm, and the page says what the bin holds
    page = asked.content.decode()
    assert asked.status_code == 400
    assert "TEA-1 of another client (Brightleaf Tea)" in page
    assert 'name="allow_mixing"' in page
    assert not StockLevel.objects.filter(product=setup["boots"]).exists()
    confirmed = client.post(url, {"code": "BOOT-1", "quantity": "2", "location": "A-01-01-A",
                                  "allow_mixing": "on"}, follow=True)
    assert "2 × BOOT-1 received into A-01-01-A" in confirmed.content.decode()
