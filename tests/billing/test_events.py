"""The services that do the work write the billable events, in their own transaction."""

import pytest
from django.db import transaction

from billing.choices import EventKind
from billing.events import label_event_record
from billing.models import BillableEvent
from inventory.control.receiving import inbound_close, inbound_create, inbound_receive_scan
from returns.choices import Disposition, ReturnStatus
from returns.services.receiving import return_inspection_finish, return_receive_start, return_unit_receive
from shipping.choices import ShipmentStatus
from shipping.packing.services import shipment_cancel, shipment_label, shipment_label_void
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory
from tests.returns.factories import make_setup, open_return
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_packing import packed_shipment
from tests.shipping.tracking_helpers import shipped_order, tracking_carrier_service

pytestmark = pytest.mark.django_db


def test_shipping_an_order_charges_its_label_then_its_units_skus_and_boxes():
    order, shipment = shipped_order(packages=2)

    label = BillableEvent.objects.get(kind=EventKind.LABEL)
    shipped = BillableEvent.objects.get(kind=EventKind.ORDER_SHIPPED)
    assert (label.source, label.source_id, label.order_id) == ("shipping.shipment", shipment.pk, order.pk)
    assert label.cost == shipment.shipping_cost
    assert label.cost > 0
    assert label.service_id == shipment.service_id
    assert label.carrier_id == shipment.service.carrier_id
    assert (shipped.units, shipped.skus, shipped.boxes) == (3, 2, 2)
    assert shipped.cost == shipment.box_cost
    assert shipped.client_id == order.client_id
    assert shipped.event_date == shipment.shipped_at.date()


def test_cancelling_a_labelled_shipment_writes_a_reversing_label_event():
    service = tracking_carrier_service()
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="L", inner_length_mm=450, inner_width_mm=350, inner_height_mm=300)
    shipment = shipment_label(shipment=packed_shipment(order), service=service)

    shipment_cancel(shipment=shipment, reason="repack")

    charged, voided = BillableEvent.objects.filter(kind=EventKind.LABEL).order_by("pk")
    assert (charged.sign, voided.sign, voided.reverses_id) == (1, -1, charged.pk)
    assert voided.cost == charged.cost
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED


def test_a_label_voided_then_bought_again_is_charged_once_for_each_purchase():
    # Given a label bought, voided at the pack station, and bought again
    service = tracking_carrier_service()
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="L", inner_length_mm=450, inner_width_mm=350, inner_height_mm=300)
    shipment = shipment_label(shipment=packed_shipment(order), service=service)
    shipment_label_void(shipment=shipment, reason="wrong service")
    shipment_label(shipment=shipment, service=service)
    label_event_record(shipment_id=shipment.pk)  # the same purchase delivered twice charges once

    # Then the first charge is reversed and the second purchase stands, each with its own cause
    first, reversal, second = BillableEvent.objects.filter(kind=EventKind.LABEL).order_by("pk")
    assert (first.sign, reversal.sign, reversal.reverses_id, second.sign) == (1, -1, first.pk, 1)
    assert (first.source, second.source) == ("shipping.shipment", "core.statuschange")
    assert sum(event.sign for event in (first, reversal, second)) == 1

    # And a second void reverses the second purchase, not the first again
    shipment_label_void(shipment=shipment)
    last = BillableEvent.objects.filter(kind=EventKind.LABEL).order_by("pk").last()
    assert (last.sign, last.reverses_id) == (-1, second.pk)


def test_work_that_rolls_back_leaves_no_charge():
    def ship_then_fail():
        with transaction.atomic():
            shipped_order(packages=1)
            raise RuntimeError("the transaction fails after the work")

    with pytest.raises(RuntimeError):
        ship_then_fail()

    assert not BillableEvent.objects.exists()


def test_closing_a_receipt_charges_units_cartons_and_labour():
    client = ClientFactory()
    warehouse = WarehouseFactory(code="SLC")
    LocationFactory(warehouse=warehouse, code="A-01-01-A")
    ProductFactory(client=client, sku="BOOT-1", barcode="0001")
    ProductFactory(client=client, sku="SOCK-1", barcode="0002")
    asn = inbound_create(client=client, warehouse=warehouse, reference="PO-1",
                         lines=[{"sku": "BOOT-1", "quantity": 3}, {"sku": "SOCK-1", "quantity": 2}])
    inbound_receive_scan(shipment=asn, code="0001", quantity=3)

    inbound_close(shipment=asn, cartons=2, labour_minutes=75)

    charged = BillableEvent.objects.get(kind=EventKind.RECEIPT)
    assert (charged.units, charged.skus, charged.cartons, charged.minutes) == (3, 1, 2, 75)
    assert (charged.source, charged.source_id, charged.client_id) == ("inventory.inboundshipment", asn.pk, client.pk)


def test_inspecting_a_return_charges_the_return_and_its_dispositions():
    setup = make_setup(quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[0], 2, "damaged"), (setup.lines[1], 1, "damaged")])
    return_receive_start(rma=rma)
    return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.RESTOCK,
                        location=setup.pick, quantity=2)
    return_unit_receive(rma=rma, barcode=setup.lines[1].product.sku, disposition=Disposition.DISPOSE,
                        condition_note="crushed")

    return_inspection_finish(rma=rma)

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.INSPECTED
    charged = BillableEvent.objects.get(kind=EventKind.RETURN)
    assert (charged.units, charged.restocked, charged.disposed) == (3, 2, 1)
    assert (charged.source_id, charged.order_id) == (rma.pk, setup.order.pk)
