"""Every move of the pick-list and shipment tables, allowed and forbidden, and the trail each page shows."""

import pytest
from django.urls import reverse

from shipping.choices import (
    PICK_LIST_TRANSITIONS,
    SHIPMENT_TRANSITIONS,
    PickListKind,
    PickListStatus,
    ShipmentStatus,
)
from shipping.exceptions import InvalidPickListTransition, InvalidShipmentTransition, PickingError
from shipping.models import PickList, Shipment
from shipping.packing.services import SHIPMENT_STAMPS, shipment_start, shipment_transition
from shipping.picking.lists import PICK_LIST_STAMPS, pick_list_transition
from shipping.picking.release import pick_list_cancel, pick_list_release_single
from tests.factories import LocationFactory, OrderFactory, ProductFactory, WarehouseFactory
from tests.shipping.factories import allocated_order, make_floor
from tests.shipping.helpers import make_picked_order
from tests.status_machines import allowed_moves, assert_moved, assert_unchanged, forbidden_moves
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


def _pick_list(status: str) -> PickList:
    warehouse = WarehouseFactory()
    packing = LocationFactory(warehouse=warehouse, kind=LocationKind.PACKING)
    return PickList.objects.create(number=f"PL-{warehouse.code}-{status}", warehouse=warehouse,
                                   kind=PickListKind.SINGLE, status=status, packing_location=packing)


def _shipment(status: str) -> Shipment:
    order = OrderFactory()
    return Shipment.objects.create(order=order, warehouse=WarehouseFactory(), status=status)


def test_tables_cover_every_status():
    assert set(PICK_LIST_TRANSITIONS) == set(PickListStatus.values)
    assert set(SHIPMENT_TRANSITIONS) == set(ShipmentStatus.values)


@pytest.mark.parametrize(("from_status", "to_status"), allowed_moves(PICK_LIST_TRANSITIONS, PickListStatus.values))
def test_allowed_pick_list_move_changes_status_and_writes_an_audit_row(from_status, to_status, picker):
    pick_list = _pick_list(from_status)

    pick_list_transition(pick_list=pick_list.pk, to_status=to_status, user=picker, note="moved")

    assert_moved(pick_list, from_status, to_status, picker, "moved", PICK_LIST_STAMPS)


@pytest.mark.parametrize(("from_status", "to_status"), forbidden_moves(PICK_LIST_TRANSITIONS, PickListStatus.values))
def test_forbidden_pick_list_move_raises_and_writes_nothing(from_status, to_status, picker):
    pick_list = _pick_list(from_status)

    with pytest.raises(InvalidPickListTransition) as refused:
        pick_list_transition(pick_list=pick_list.pk, to_status=to_status, user=picker)

    assert isinstance(refused.value, PickingError)  # what the floor's screens and API catch
    assert f"Pick list {pick_list.number} is {PickListStatus(from_status).label.lower()}" in refused.value.message
    assert_unchanged(pick_list, from_status)


@pytest.mark.parametrize(("from_status", "to_status"), allowed_moves(SHIPMENT_TRANSITIONS, ShipmentStatus.values))
def test_allowed_shipment_move_changes_status_and_writes_an_audit_row(from_status, to_status, packer):
    shipment = _shipment(from_status)

    shipment_transition(shipment=shipment.pk, to_status=to_status, user=packer, note="moved")

    assert_moved(shipment, from_status, to_status, packer, "moved", SHIPMENT_STAMPS)


@pytest.mark.parametrize(("from_status", "to_status"), forbidden_moves(SHIPMENT_TRANSITIONS, ShipmentStatus.values))
def test_forbidden_shipment_move_raises_and_writes_nothing(from_status, to_status, packer):
    shipment = _shipment(from_status)

    with pytest.raises(InvalidShipmentTransition):
        shipment_transition(shipment=shipment.pk, to_status=to_status, user=packer)

    assert_unchanged(shipment, from_status)


def test_pick_list_page_shows_who_moved_it_and_when(client, manager):
    # Given a released list a manager withdrew
    floor = make_floor()
    order = allocated_order(floor["PACK-01"].warehouse, [(ProductFactory(), floor["A-01-01-A"], 1)])
    pick_list = pick_list_release_single(order=order, user=manager)
    pick_list_cancel(pick_list=pick_list, user=manager)
    client.force_login(manager)

    page = client.get(reverse("shipping:detail", args=[pick_list.pk])).content.decode()

    assert "Ready to pick → Cancelled" in page
    assert f"· {manager.username} ·" in page
    assert "Withdrawn before picking" in page


def test_shipment_page_shows_its_trail(client, manager):
    shipment = shipment_start(order=make_picked_order())
    shipment_transition(shipment=shipment.pk, to_status=ShipmentStatus.CANCELLED, user=manager, note="Repacked")
    client.force_login(manager)

    page = client.get(reverse("packing:shipment", args=[shipment.pk])).content.decode()

    assert "Packing → Cancelled" in page
    assert f"· {manager.username} ·" in page
    assert "Repacked" in page
