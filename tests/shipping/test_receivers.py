"""Shipping's receivers of orders' status changes only queue durable work; the tasks do it, once, later."""

import pytest

from core.choices import JobState
from core.models import Job
from orders.choices import OrderStatus
from orders.models import Order
from orders.services import order_cancel
from orders.signals import order_status_changed
from shipping import task_names, tasks
from shipping.choices import ShipmentStatus
from shipping.models import PickListOrder
from shipping.packing.services import shipment_start
from shipping.picking.release import pick_list_release_single
from tests.conftest import run_due_work
from tests.factories import ClientFactory, ProductFactory
from tests.shipping.factories import allocated_order, make_floor
from tests.shipping.helpers import make_picked_order

pytestmark = pytest.mark.django_db

LEFT_PICKING = tasks.order_left_picking_task.name
CANCEL_SHIPMENTS = tasks.order_cancelled_shipments_cancel_task.name


@pytest.fixture
def listed_order():
    """An allocated order on an open single-order pick list."""
    floor = make_floor()
    product = ProductFactory(client=ClientFactory(code="ACME"), sku="SKU-A", barcode="00001111")
    order = allocated_order(floor["PACK-01"].warehouse, [(product, floor["A-01-01-A"], 1)])
    pick_list = pick_list_release_single(order=order)
    return order, pick_list


def _jobs() -> set[tuple[str, int]]:
    """The queued jobs of the receivers (the fixture's release queued its own PDF job)."""
    return set(Job.objects.filter(task__in=[LEFT_PICKING, CANCEL_SHIPMENTS]).values_list("task", "object_id"))


def test_cancelling_an_order_queues_its_jobs_with_the_cancel_and_leaves_the_work_to_them(listed_order, manager):
    order, pick_list = listed_order

    # When the order is cancelled and the transaction has not committed (no on-commit callbacks run)
    order_cancel(order=order, user=manager, reason="Customer changed their mind")

    # Then both jobs are recorded with the order's id, and nothing was done inside the cancel
    assert _jobs() == {(LEFT_PICKING, order.pk), (CANCEL_SHIPMENTS, order.pk)}
    assert pick_list.list_orders.get().is_open


def test_a_move_that_stays_on_the_floor_path_queues_nothing(listed_order):
    order, _ = listed_order

    order_status_changed.send(sender=Order, order_id=order.pk, from_status=OrderStatus.ALLOCATED,
                              to_status=OrderStatus.PICKING)

    assert _jobs() == set()


def test_the_pick_list_job_takes_the_order_off_its_list_and_is_safe_to_run_twice(listed_order):
    order, pick_list = listed_order
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ON_HOLD)

    assert tasks.order_left_picking_task(order.pk) == 1
    assert tasks.order_left_picking_task(order.pk) == 0

    entry = pick_list.list_orders.get()
    assert (entry.is_open, entry.outcome, entry.note) == (False, PickListOrder.Outcome.DROPPED,
                                                          "The order is now on hold")


def test_the_pick_list_job_leaves_an_order_that_is_back_on_the_floor_path(listed_order):
    order, pick_list = listed_order

    assert tasks.order_left_picking_task(order.pk) == 0
    assert pick_list.list_orders.get().is_open


def test_the_jobs_of_an_order_that_is_gone_do_nothing(listed_order):
    order, _ = listed_order
    order_id = order.pk + 1000

    assert tasks.order_left_picking_task(order_id) == 0
    assert tasks.order_cancelled_shipments_cancel_task(order_id) == 0


def test_the_shipment_job_cancels_open_shipments_once_and_only_of_a_cancelled_order(rate_cards):
    order = make_picked_order()
    shipment = shipment_start(order=order)

    assert tasks.order_cancelled_shipments_cancel_task(order.pk) == 0  # not cancelled: left alone
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    assert tasks.order_cancelled_shipments_cancel_task(order.pk) == 1
    assert tasks.order_cancelled_shipments_cancel_task(order.pk) == 0

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED


def test_a_failing_job_does_not_fail_the_cancel_request_and_is_retried(listed_order, manager, client, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    order, pick_list = listed_order
    drop = tasks.pick_list_order_drop

    def lock_timeout(**kwargs):
        raise TimeoutError("lock timeout")

    monkeypatch.setattr(tasks, "pick_list_order_drop", lock_timeout)
    client.force_login(manager)

    # When the manager cancels the order and the job fails after the commit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "Customer changed their mind"})

    # Then the request succeeded, the order is cancelled, and the job waits for its retry
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    job = Job.objects.get(task=LEFT_PICKING, object_id=order.pk)
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert "lock timeout" in job.last_error
    assert pick_list.list_orders.get().is_open

    # When the fault has passed, the retry does the work
    monkeypatch.setattr(tasks, "pick_list_order_drop", drop)
    run_due_work()
    assert not pick_list.list_orders.get().is_open
    assert not Job.objects.filter(task=LEFT_PICKING).exists()


@pytest.mark.parametrize(("name", "task"), [
    (task_names.PICK_LIST_PDF_TASK, tasks.pick_list_pdf_task),
    (task_names.WAVE_PDF_TASK, tasks.wave_pdf_task),
    (task_names.SHIPMENT_DOCUMENTS_TASK, tasks.shipment_documents_render),
    (task_names.SHIPMENT_NOTIFY_TASK, tasks.shipment_notify),
    (task_names.SHIPMENT_LABEL_TASK, tasks.shipment_label_retry_task),
    (task_names.MANIFEST_PDF_TASK, tasks.manifest_pdf_render),
])
def test_each_task_queued_by_name_is_registered_under_that_name(name, task):
    assert task.name == name
