"""Every move of the inbound-shipment, transfer and cycle-count tables, allowed and forbidden, the audit rows the
services leave, and the trail each page shows."""

import pytest
from django.urls import reverse

from core.models import Job
from core.transitions import InvalidTransition
from inventory.choices import (
    COUNT_TRANSITIONS,
    INBOUND_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    CountStatus,
    InboundStatus,
    TransferStatus,
)
from inventory.control.counting import (
    cycle_count_approve,
    cycle_count_create,
    cycle_count_record,
    cycle_count_submit,
    cycle_count_transition,
)
from inventory.control.receiving import INBOUND_STAMPS, inbound_close, inbound_create, inbound_transition
from inventory.control.transfers import (
    TRANSFER_STAMPS,
    transfer_create,
    transfer_dispatch,
    transfer_receive,
    transfer_transition,
)
from inventory.models import CycleCount, InboundShipment, Transfer
from inventory.tasks import inbound_report_send
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory
from tests.inventory.stock_helpers import receive
from tests.status_machines import (
    Machine,
    assert_allowed_move_is_audited,
    assert_forbidden_move_is_refused,
    assert_table_covers_every_status,
    assert_unchanged,
    audit_rows,
    every_allowed_move,
    every_forbidden_move,
)

pytestmark = pytest.mark.django_db

COUNT_STAMPS = {CountStatus.CLOSED: "closed_at"}


def _inbound(status: str) -> InboundShipment:
    return InboundShipment.objects.create(client=ClientFactory(), warehouse=WarehouseFactory(), reference="PO-1",
                                          status=status)


def _transfer(status: str) -> Transfer:
    return Transfer.objects.create(from_warehouse=WarehouseFactory(), to_warehouse=WarehouseFactory(),
                                   status=status)


def _count(status: str) -> CycleCount:
    return CycleCount.objects.create(warehouse=WarehouseFactory(), basis="ABC class A", status=status)


MACHINES = (
    Machine("inbound", INBOUND_TRANSITIONS, InboundStatus.values, _inbound,
            lambda pk, **move: inbound_transition(shipment=pk, **move), INBOUND_STAMPS),
    Machine("transfer", TRANSFER_TRANSITIONS, TransferStatus.values, _transfer,
            lambda pk, **move: transfer_transition(transfer=pk, **move), TRANSFER_STAMPS),
    Machine("count", COUNT_TRANSITIONS, CountStatus.values, _count,
            lambda pk, **move: cycle_count_transition(count=pk, **move), COUNT_STAMPS),
)


@pytest.mark.parametrize("machine", MACHINES, ids=lambda machine: machine.name)
def test_table_covers_every_status(machine):
    assert_table_covers_every_status(machine)


@pytest.mark.parametrize(("machine", "from_status", "to_status"), every_allowed_move(*MACHINES))
def test_allowed_move_changes_status_and_writes_an_audit_row(machine, from_status, to_status, manager):
    assert_allowed_move_is_audited(machine, from_status, to_status, manager)


@pytest.mark.parametrize(("machine", "from_status", "to_status"), every_forbidden_move(*MACHINES))
def test_forbidden_move_raises_and_writes_nothing(machine, from_status, to_status, manager):
    assert_forbidden_move_is_refused(machine, from_status, to_status, manager)


def test_closing_an_asn_queues_the_report_with_the_move(manager, django_capture_on_commit_callbacks):
    # Given an ASN with one line; when it is closed, its report to the client is durable work of the same commit
    client = ClientFactory(contact_email="ops@merchant.example")
    ProductFactory(client=client, sku="BOOT-1")
    shipment = inbound_create(client=client, warehouse=WarehouseFactory(), reference="PO-9",
                              lines=[{"sku": "BOOT-1", "quantity": 2}])

    with django_capture_on_commit_callbacks(execute=False):
        inbound_close(shipment=shipment, user=manager)

        [change] = audit_rows(shipment)
        assert (change.from_status, change.to_status, change.user) == ("expected", "closed", manager)
        assert "1 difference(s)" in change.note
        assert Job.objects.filter(task=inbound_report_send.name, object_id=shipment.pk).exists()


def test_receiving_a_draft_transfer_is_refused_with_what_to_do():
    source_wh, target_wh = WarehouseFactory(), WarehouseFactory()
    source = LocationFactory(warehouse=source_wh)
    product = ProductFactory()
    receive(product, source, 2)
    transfer = transfer_create(from_warehouse=source_wh, to_warehouse=target_wh,
                               lines=[{"product": product, "from_location": source, "quantity": 2}])

    with pytest.raises(InvalidTransition, match="only a dispatched transfer can be received"):
        transfer_receive(transfer=transfer)

    assert_unchanged(transfer, TransferStatus.DRAFT)


def test_a_recount_takes_a_count_back_to_counting_and_says_so(manager):
    warehouse = WarehouseFactory()
    location = LocationFactory(warehouse=warehouse)
    receive(ProductFactory(), location, 10)
    count = cycle_count_create(warehouse=warehouse, location_ids=[location.pk], approval_threshold=1)
    cycle_count_record(line=count.lines.get(), counted_quantity=4, user=manager)

    cycle_count_submit(count=count, user=manager)
    cycle_count_approve(count=count, user=manager, reject_ids=[count.lines.get().pk])

    trail = [(c.from_status, c.to_status, c.user, c.note) for c in audit_rows(count)]
    assert trail == [
        ("open", "awaiting_approval", manager, "Counted: 0 bin(s) corrected, 1 variance(s) over the threshold"),
        ("awaiting_approval", "open", manager, "0 variance(s) approved, 1 sent back for a recount"),
    ]


def test_transfer_inbound_and_count_pages_show_their_trails(client, manager):
    # Given a transfer moved inside one warehouse, a cancelled ASN and a count closed with nothing to correct
    warehouse = WarehouseFactory()
    source, target = LocationFactory(warehouse=warehouse), LocationFactory(warehouse=warehouse)
    product = ProductFactory()
    receive(product, source, 3)
    transfer = transfer_dispatch(transfer=transfer_create(
        from_warehouse=warehouse, to_warehouse=warehouse,
        lines=[{"product": product, "from_location": source, "to_location": target, "quantity": 3}]), user=manager)
    shipment = inbound_transition(shipment=_inbound(InboundStatus.EXPECTED).pk, to_status=InboundStatus.CANCELLED,
                                  user=manager, note="Sent by mistake")
    count = cycle_count_create(warehouse=warehouse, location_ids=[target.pk])
    cycle_count_record(line=count.lines.get(), counted_quantity=3, user=manager)
    cycle_count_submit(count=count, user=manager)
    client.force_login(manager)

    pages = {
        "transfer": client.get(reverse("inventory:transfer_detail", args=[transfer.pk])).content.decode(),
        "inbound": client.get(reverse("inventory:inbound_detail", args=[shipment.pk])).content.decode(),
        "count": client.get(reverse("inventory:count_detail", args=[count.pk])).content.decode(),
    }

    assert "Draft → Received" in pages["transfer"]
    assert "<div>Moved</div>" in pages["transfer"]
    assert "Expected → Cancelled" in pages["inbound"]
    assert "Sent by mistake" in pages["inbound"]
    assert "Counting → Closed" in pages["count"]
    assert "Counted: 0 bin(s) corrected" in pages["count"]
    assert all(f"· {manager.username} ·" in page for page in pages.values())  # who, in the trail itself
