"""core.transitions: the one way a status changes (lock, check the table, stamp, save, event row, durable work)."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from core import exceptions as core_exceptions
from core.models import Job, StatusChange
from core.transitions import InvalidTransition, status_transition
from inventory import exceptions as inventory_exceptions
from inventory.choices import TRANSFER_TRANSITIONS, TransferStatus
from inventory.control.transfers import transfer_cancel, transfer_transition
from inventory.models import Transfer
from orders.choices import OrderStatus
from orders.models import OrderEvent
from orders.services import order_transition
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import OrderFactory, WarehouseFactory
from tests.status_machines import audit_rows


def _transfer(status=TransferStatus.DRAFT) -> Transfer:
    return Transfer.objects.create(from_warehouse=WarehouseFactory(), to_warehouse=WarehouseFactory(),
                                   status=status)


def test_domain_error_is_one_class_wherever_it_is_imported_from():
    assert inventory_exceptions.DomainError is core_exceptions.DomainError
    assert issubclass(InvalidTransition, core_exceptions.DomainError)


@pytest.mark.django_db
def test_refusal_says_where_the_row_stands_and_where_it_can_still_go():
    transfer = _transfer(TransferStatus.IN_TRANSIT)

    with pytest.raises(InvalidTransition) as refused:
        transfer_transition(transfer=transfer.pk, to_status=TransferStatus.CANCELLED)

    assert refused.value.message == (f"Transfer {transfer.pk} is in transit, so it cannot be cancelled. "
                                     "From in transit it can only be received.")
    assert refused.value.field == "status"


@pytest.mark.django_db
def test_refusal_of_a_finished_row_says_nothing_more_can_happen():
    transfer = _transfer(TransferStatus.CANCELLED)

    with pytest.raises(InvalidTransition, match="Nothing more can happen to it once cancelled"):
        transfer_cancel(transfer=transfer)


@pytest.mark.django_db
def test_fields_and_work_go_with_the_move_and_the_actor_is_recorded(django_capture_on_commit_callbacks):
    transfer = _transfer()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moved = status_transition(instance=transfer.pk, lock=lambda pk: Transfer.objects.select_for_update().get(pk=pk),
                                  to_status=TransferStatus.CANCELLED, transitions=TRANSFER_TRANSITIONS,
                                  actor="nightly cleanup", note="Never sent", fields={"note": "void"},
                                  work=[("inventory.some_task", transfer.pk)])

    transfer.refresh_from_db()
    assert (transfer.status, transfer.note, moved.pk) == (TransferStatus.CANCELLED, "void", transfer.pk)
    [change] = audit_rows(transfer)
    assert (change.user, change.actor, change.who, change.note) == (None, "nightly cleanup", "nightly cleanup",
                                                                     "Never sent")
    assert Job.objects.filter(task="inventory.some_task", object_id=transfer.pk).count() == 1
    assert len(callbacks) == 1  # handed to Celery only after commit


@pytest.mark.django_db
def test_a_refused_move_queues_no_work():
    transfer = _transfer(TransferStatus.RECEIVED)

    with pytest.raises(InvalidTransition):
        status_transition(instance=transfer.pk, lock=lambda pk: Transfer.objects.select_for_update().get(pk=pk),
                          to_status=TransferStatus.CANCELLED, transitions=TRANSFER_TRANSITIONS,
                          work=[("inventory.some_task", transfer.pk)])

    assert not Job.objects.filter(task="inventory.some_task").exists()


@pytest.mark.django_db
def test_an_entity_with_its_own_timeline_writes_its_event_and_no_status_change(manager):
    order = OrderFactory(status=OrderStatus.ALLOCATED)

    order_transition(order=order, to_status=OrderStatus.PICKING, user=manager, note="started")

    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.PICKING, user=manager).count() == 1
    assert not StatusChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_lock_the_caller_must_hold_one_inside_a_transaction():
    transfer = _transfer()

    with pytest.raises(TransactionManagementError):
        status_transition(instance=transfer, to_status=TransferStatus.CANCELLED, transitions=TRANSFER_TRANSITIONS)

    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        status_transition(instance=locked, to_status=TransferStatus.CANCELLED, transitions=TRANSFER_TRANSITIONS)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_cancelling_one_transfer_at_once_make_one_move():
    # Given a draft transfer and four managers pressing "Cancel" at the same moment
    transfer = _transfer()

    results, errors = run_together([lambda: transfer_cancel(transfer=Transfer(pk=transfer.pk)) for _ in range(4)])

    # Then the row lock lets one through; the others see it cancelled and are refused; one audit row
    assert len(results) == 1
    assert len(errors) == 3
    assert all(isinstance(e, InvalidTransition) for e in errors), errors
    assert len(audit_rows(transfer)) == 1
