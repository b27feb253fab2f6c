"""Returns' receiver of carrier tracking only queues durable work; the task marks the return in transit, once."""

import io
import json
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from core.choices import JobState, Role
from core.models import Job
from returns import task_names, tasks
from returns.choices import ReturnStatus
from returns.services.policy import return_policy_update
from shipping.choices import TrackingSource, TrackingStatus
from shipping.documents import packing_slip_html, packing_slip_pdf
from shipping.models import TrackingEvent
from shipping.tracking.services import (
    SIGNATURE_HEADER,
    TrackingUpdate,
    tracking_event_record,
    webhook_signature,
)
from tests.conftest import run_due_work
from tests.factories import LocationFactory, make_user
from tests.returns.factories import mark_status, open_return
from tests.shipping.tracking_helpers import WEBHOOK_SECRET, shipped_order, tracking_carrier_service
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db

TRACKED = tasks.return_label_tracked_task.name


@pytest.fixture
def authorised(django_capture_on_commit_callbacks):
    """An authorised return whose label was issued, and the carrier that scans it."""
    service = tracking_carrier_service()
    order, _ = shipped_order(packages=1, packer=make_user(Role.PACKER), station="PACK-03", service=service)
    LocationFactory(warehouse=order.warehouse, kind=LocationKind.RETURNS, code="RET-01")
    mark_status(order, "delivered")
    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(order, [(order.lines.first(), 1, "too_small")])
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.AUTHORISED
    assert rma.label_tracking_number
    return rma, service.carrier


def _scan(rma, carrier, status=TrackingStatus.IN_TRANSIT, key="ret-1", number=None):
    return tracking_event_record(carrier=carrier, source=TrackingSource.WEBHOOK,
                                 update=TrackingUpdate(number or rma.label_tracking_number, status, rma.created_at,
                                                       event_id=key))


def test_a_scan_of_the_return_label_queues_a_job_with_the_tracking_event(authorised):
    rma, carrier = authorised

    # When the carrier's event is recorded and the transaction has not committed
    event = _scan(rma, carrier)

    # Then the job is recorded with the event's id, and the return has not moved inside the webhook's commit
    assert list(Job.objects.filter(task=TRACKED).values_list("object_id", flat=True)) == [event.pk]
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.AUTHORISED


@pytest.mark.parametrize("status", [TrackingStatus.LABEL_CREATED, TrackingStatus.EXCEPTION])
def test_a_scan_that_does_not_mean_on_the_way_queues_nothing(authorised, status):
    rma, carrier = authorised

    _scan(rma, carrier, status=status)

    assert not Job.objects.filter(task=TRACKED).exists()


def test_a_scan_of_a_parcel_that_is_no_return_label_queues_nothing(authorised):
    rma, carrier = authorised

    _scan(rma, carrier, number="1ZNOTARETURN")

    assert not Job.objects.filter(task=TRACKED).exists()


def test_the_job_marks_the_return_in_transit_once_and_tolerates_a_missing_event(authorised):
    rma, carrier = authorised
    event = _scan(rma, carrier)

    assert tasks.return_label_tracked_task(event.pk) is True
    assert tasks.return_label_tracked_task(event.pk) is False
    assert tasks.return_label_tracked_task(event.pk + 1000) is False

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.IN_TRANSIT
    assert rma.events.filter(to_status=ReturnStatus.IN_TRANSIT).count() == 1
    assert rma.events.last().note == "Carrier scanned the return label (in_transit)"


def test_a_failing_job_does_not_fail_the_carrier_webhook_and_is_retried(authorised, client, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    rma, carrier = authorised
    scanned = tasks.return_label_scanned

    def lock_timeout(**kwargs):
        raise TimeoutError("lock timeout")

    monkeypatch.setattr(tasks, "return_label_scanned", lock_timeout)
    body = json.dumps({"events": [{"id": "ret-1", "tracking_number": rma.label_tracking_number,
                                   "status": "in_transit", "occurred_at": rma.created_at.isoformat()}]}).encode()

    # When the carrier posts its event and the job fails after the commit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/webhooks/tracking/{carrier.code}/", data=body, content_type="application/json",
                               headers={SIGNATURE_HEADER: webhook_signature(body, WEBHOOK_SECRET)})

    # Then the webhook was accepted, its event is kept, and the job waits for its retry
    assert response.status_code < 300
    event = TrackingEvent.objects.get(event_key="ret-1")
    job = Job.objects.get(task=TRACKED)
    assert (job.object_id, job.state, job.attempts) == (event.pk, JobState.PENDING, 1)
    assert "lock timeout" in job.last_error

    # When the fault has passed, the retry does the work
    monkeypatch.setattr(tasks, "return_label_scanned", scanned)
    run_due_work()
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.IN_TRANSIT
    assert not Job.objects.filter(task=TRACKED).exists()


@pytest.mark.parametrize(("name", "task"), [
    (task_names.SURVEY_EMAIL_TASK, tasks.survey_email_send),
    (task_names.RETURN_LABEL_TASK, tasks.return_label_send),
    (task_names.REFUND_SEND_TASK, tasks.refund_send),
])
def test_each_task_queued_by_name_is_registered_under_that_name(name, task):
    assert task.name == name


def test_packing_slip_tells_the_customer_the_return_window_and_where_to_start(client, settings):
    # Given a client whose return policy gives 45 days
    settings.DOCKHAND_PUBLIC_URL = "https://shop.example"
    order, shipment = shipped_order(packages=1)
    return_policy_update(client=order.client, window_days=45)

    # When the packing slip is rendered, and the customer follows its link
    slip = packing_slip_html(shipment)
    start = client.get(f"/returns/start/?order={quote(order.order_number)}").content.decode()

    # Then it names the window and the self-service page with the order filled in
    assert "within 45 days of delivery" in slip
    assert f"https://shop.example/returns/start/?order={quote(order.order_number)}</p>" in slip
    assert f'value="{order.order_number}"' in start


def test_packing_slip_pdf_prints_the_return_instructions_and_names_the_carrier_once(settings):
    # Given a client with a return policy and a public returns portal, and an order sent by USPS Ground Advantage
    settings.DOCKHAND_PUBLIC_URL = "https://shop.example"
    order, shipment = shipped_order(packages=1, service=tracking_carrier_service(code="USPS",
                                                                                 name="USPS Ground Advantage"))
    return_policy_update(client=order.client, window_days=30)

    # When the packing slip is printed
    reader = PdfReader(io.BytesIO(packing_slip_pdf(shipment)))

    # Then its one page tells the customer how and where to return, and says the service once
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "RETURNS" in text.upper()
    assert "You can return items within 30 days of delivery." in text
    assert f"with order number {order.order_number}" in text
    assert f"https://shop.example/returns/start/?order={quote(order.order_number)}" in text
    assert text.count("USPS Ground Advantage") == 1
    assert "USPS USPS" not in text
