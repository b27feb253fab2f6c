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
from tests.status_machines import (
    Machine,
    assert_allowed_move_is_audited,
    assert_forbidden_move_is_refused,
    assert_table_covers_every_status,
    every_allowed_move,
    every_forbidden_move,
)
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


MACHINES = (
    Machine("pick_list", PICK_LIST_TRANSITIONS, PickListStatus.values, _pick_list,
            lambda pk, **move: pick_list_transition(pick_list=pk, **move), PICK_LIST_STAMPS,
            refusal=InvalidPickListTransition),
    Machine("shipment", SHIPMENT_TRANSITIONS, ShipmentStatus.values, _shipment,
            lambda pk, **move: shipment_transition(shipment=pk, **move), SHIPMENT_STAMPS,
            refusal=InvalidShipmentTransition),
)


@pytest.mark.parametrize("machine", MACHINES, ids=lambda machine: machine.name)
def test_table_covers_every_status(machine):
    assert_table_covers_every_status(machine)


@pytest.mark.parametrize(("machine", "from_status", "to_status"), every_allowed_move(*MACHINES))
def test_allowed_move_changes_status_and_writes_an_audit_row(machine, from_status, to_status, packer):
    assert_allowed_move_is_audited(machine, from_status, to_status, packer)


@pytest.mark.parametrize(("machine", "from_status", "to_status"), every_forbidden_move(*MACHINES))
def test_forbidden_move_raises_and_writes_nothing(machine, from_status, to_status, packer):
    refusal = assert_forbidden_move_is_refused(machine, from_status, to_status, packer)

    if machine.name == "pick_list":
        assert isinstance(refusal, PickingError)  # what the floor's screens and API catch
        assert refusal.message.startswith("Pick list PL-")
        assert f" is {PickListStatus(from_status).label.lower()}" in refusal.message


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
