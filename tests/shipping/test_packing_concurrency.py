"""Real concurrency on PostgreSQL: pack-station scans and confirmations racing on one shipment."""

import pytest

from inventory.models import StockLevel
from orders.choices import OrderStatus
from orders.models import Allocation
from shipping.choices import ScanResult, ShipmentStatus
from shipping.exceptions import DomainError, ItemRefused
from shipping.models import PackScan, Shipment
from shipping.packing.services import pack_scan, shipment_label, shipment_ship, shipment_start
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_packing import packed_shipment

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_many_scans_of_the_last_units_count_each_once(rate_cards):
    # Given an order of 2 + 1 units and 8 scans of the 2-unit item arriving at once (double submits)
    order = make_picked_order()
    shipment = shipment_start(order=order)
    product = order.lines.get(quantity=2).product

    results, errors = run_together([lambda: pack_scan(shipment=Shipment(pk=shipment.pk), barcode=product.barcode)
                                    for _ in range(8)])

    # Then exactly two were counted and six refused as one too many
    assert len(results) == 2
    assert len(errors) == 6
    assert all(isinstance(e, ItemRefused) for e in errors), errors
    assert PackScan.objects.filter(shipment=shipment, result=ScanResult.ACCEPTED).count() == 2
    assert PackScan.objects.filter(shipment=shipment, result=ScanResult.EXTRA_ITEM).count() == 6


def test_double_submitted_hand_over_ships_and_removes_stock_once(rate_cards, monkeypatch):
    # label PDFs are not what this test is about; rendering them would only slow it down
    monkeypatch.setattr("shipping.tasks.shipment_documents_render.delay", lambda *args: None)
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150)
    shipment = shipment_label(shipment=packed_shipment(order))
    levels = list(Allocation.objects.filter(line__order=order).values_list("stock_level_id", "quantity"))
    before = {pk: StockLevel.objects.get(pk=pk).on_hand for pk, _ in levels}

    results, errors = run_together([lambda: shipment_ship(shipment=Shipment.objects.get(pk=shipment.pk))
                                    for _ in range(4)])

    assert len(results) == 1
    assert all(isinstance(e, DomainError) for e in errors), errors
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.SHIPPED
    for pk, quantity in levels:
        assert StockLevel.objects.get(pk=pk).on_hand == before[pk] - quantity
