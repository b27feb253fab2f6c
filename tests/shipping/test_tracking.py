"""Tracking to the door: signed and deduplicated webhooks, out-of-order events, delivery, exceptions, polling."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import Role
from orders.choices import OrderStatus
from orders.models import OrderEvent
from shipping.carriers.testing import TestCarrierAdapter
from shipping.choices import TrackingSource, TrackingStatus
from shipping.models import PackageTracking, TrackingEvent
from shipping.tasks import tracking_poll_all
from shipping.tracking.services import (
    SIGNATURE_HEADER,
    TrackingUpdate,
    package_exception_resolve,
    promised_delivery_date,
    tracking_event_record,
    webhook_signature,
)
from tests.factories import make_user
from tests.shipping.tracking_helpers import WEBHOOK_SECRET, shipped_order

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


def _at(hours: float) -> str:
    return (T0 + datetime.timedelta(hours=hours)).isoformat()


def _post(client, carrier_code, events, *, secret=WEBHOOK_SECRET, signature=None):
    body = json.dumps({"events": events}).encode()
    headers = {SIGNATURE_HEADER: signature if signature is not None else webhook_signature(body, secret)}
    return client.post(f"/webhooks/tracking/{carrier_code}/", data=body, content_type="application/json",
                       headers=headers)


def _event(package, status, hours, event_id=None, **extra):
    return {"id": event_id or f"{package.tracking_number}-{status}-{hours}", "tracking_number": package.tracking_number,
            "status": status, "occurred_at": _at(hours), **extra}


@pytest.fixture
def shipped():
    return shipped_order(packages=2)


def test_signed_event_is_recorded_and_becomes_the_package_status(client, shipped):
    order, shipment = shipped
    package = shipment.packages.first()

    response = _post(client, "ups", [_event(package, "in_transit", 1, location="Salt Lake City, UT")])

    assert response.status_code == 200
    assert response.json() == {"recorded": 1, "duplicates": 0}
    event = TrackingEvent.objects.get()
    assert (event.package, event.status, event.source) == (package, TrackingStatus.IN_TRANSIT, TrackingSource.WEBHOOK)
    state = PackageTracking.objects.get(package=package)
    assert (state.status, state.location) == (TrackingStatus.IN_TRANSIT, "Salt Lake City, UT")


@pytest.mark.parametrize("signature", ["", "sha256=deadbeef", "WRONG"])
def test_bad_or_missing_signature_is_refused_and_nothing_recorded(client, shipped, signature):
    package = shipped[1].packages.first()

    response = _post(client, "UPS", [_event(package, "delivered", 1)], signature=signature)

    assert response.status_code == 401
    assert not TrackingEvent.objects.exists()


def test_signature_with_another_secret_is_refused(client, shipped):
    package = shipped[1].packages.first()

    response = _post(client, "UPS", [_event(package, "delivered", 1)], secret="someone-else")

    assert response.status_code == 401


def test_unknown_carrier_and_bad_bodies_are_clear_errors(client, shipped):
    package = shipped[1].packages.first()
    body = b"not json"

    assert _post(client, "NOPE", [_event(package, "delivered", 1)]).status_code == 404
    bad_json = client.post("/webhooks/tracking/UPS/", data=body, content_type="application/json",
                           headers={SIGNATURE_HEADER: webhook_signature(body, WEBHOOK_SECRET)})
    assert bad_json.status_code == 400
    no_zone = _post(client, "UPS", [{**_event(package, "delivered", 1), "occurred_at": "2026-11-20T10:00:00"}])
    assert no_zone.status_code == 400
    bad_status = _post(client, "UPS", [_event(package, "teleported", 1)])
    assert bad_status.status_code == 400
    assert client.get("/webhooks/tracking/UPS/").status_code == 405
    assert not TrackingEvent.objects.exists()


def test_duplicate_events_are_recorded_once(client, shipped):
    package = shipped[1].packages.first()
    events = [_event(package, "in_transit", 1, event_id="evt-1")]

    first = _post(client, "UPS", events)
    again = _post(client, "UPS", events)
    same_without_id = [{k: v for k, v in _event(package, "out_for_delivery", 2).items() if k != "id"}]
    _post(client, "UPS", same_without_id)
    third = _post(client, "UPS", same_without_id)

    assert first.json()["recorded"] == 1
    assert again.json() == {"recorded": 0, "duplicates": 1}
    assert third.json() == {"recorded": 0, "duplicates": 1}
    assert TrackingEvent.objects.count() == 2


def test_out_of_order_events_keep_the_true_latest_status(client, shipped):
    order, shipment = shipped
    package = shipment.packages.first()

    _post(client, "UPS", [_event(package, "out_for_delivery", 5)])
    _post(client, "UPS", [_event(package, "label_created", 0), _event(package, "in_transit", 2)])

    state = PackageTracking.objects.get(package=package)
    assert state.status == TrackingStatus.OUT_FOR_DELIVERY
    assert state.status_at == T0 + datetime.timedelta(hours=5)
    assert TrackingEvent.objects.filter(package=package).count() == 3


def test_order_is_delivered_only_when_every_package_is(client, shipped):
    order, shipment = shipped
    first, second = shipment.packages.order_by("number")

    _post(client, "UPS", [_event(first, "delivered", 6)])
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED

    _post(client, "UPS", [_event(second, "delivered", 7)])
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    event = OrderEvent.objects.get(order=order, to_status=OrderStatus.DELIVERED)
    assert event.actor == "carrier tracking"


def test_late_in_transit_after_delivered_does_not_undeliver(client):
    order, shipment = shipped_order(packages=1)
    package = shipment.packages.get()

    _post(client, "UPS", [_event(package, "delivered", 10)])
    _post(client, "UPS", [_event(package, "in_transit", 3)])

    order.refresh_from_db()
    assert PackageTracking.objects.get(package=package).status == TrackingStatus.DELIVERED
    assert order.status == OrderStatus.DELIVERED


def test_exception_flags_the_order_for_a_manager_until_handled(client, shipped, manager):
    order, shipment = shipped
    package = shipment.packages.first()

    _post(client, "UPS", [_event(package, "exception", 3, description="Damaged in transit, box crushed")])

    state = PackageTracking.objects.get(package=package)
    assert state.has_open_exception
    assert state.exception_reason == "Damaged in transit, box crushed"
    assert OrderEvent.objects.filter(order=order, note__contains="Delivery exception on package 1").exists()
    client.force_login(manager)
    page = client.get(reverse("tracking:deliveries"))
    assert b"Damaged in transit, box crushed" in page.content
    package_exception_resolve(package=package, user=manager, note="Reshipped")
    state.refresh_from_db()
    assert not state.has_open_exception
    assert b"Damaged in transit" not in client.get(reverse("tracking:deliveries")).content


def test_poll_through_the_adapter_records_new_events_only(shipped, django_capture_on_commit_callbacks):
    order, shipment = shipped
    first, second = shipment.packages.order_by("number")
    TestCarrierAdapter.scripted_events = {
        first.tracking_number: [TrackingUpdate(first.tracking_number, "delivered", T0, event_id="p1")],
        second.tracking_number: [TrackingUpdate(second.tracking_number, "delivered", T0, event_id="p2")],
    }

    with django_capture_on_commit_callbacks(execute=True):
        tracking_poll_all.delay()
    with django_capture_on_commit_callbacks(execute=True):
        tracking_poll_all.delay()

    assert TrackingEvent.objects.filter(source=TrackingSource.POLL).count() == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert PackageTracking.objects.filter(last_polled_at__isnull=False).count() == 2


def test_event_for_an_unknown_number_is_kept_without_a_package(shipped):
    carrier = shipped[1].packages.first().carrier

    event = tracking_event_record(carrier=carrier, source=TrackingSource.WEBHOOK,
                                  update=TrackingUpdate("1ZUNKNOWN", "in_transit", T0))

    assert event.package is None


def test_late_shipments_are_listed_for_managers(client, shipped, manager):
    order, shipment = shipped
    shipment.shipped_at = timezone.now() - datetime.timedelta(days=10)
    shipment.save(update_fields=["shipped_at"])

    assert promised_delivery_date(shipment) < timezone.localdate()
    client.force_login(manager)
    page = client.get(reverse("tracking:deliveries"))
    assert order.order_number.encode() in page.content
    assert page.context["late"][0]["days_late"] >= 1


def test_order_page_shows_the_tracking_timeline(client, shipped):
    order, shipment = shipped
    package = shipment.packages.first()
    _post(client, "UPS", [_event(package, "in_transit", 1, location="Denver, CO")])
    client.force_login(make_user(Role.MANAGER))

    page = client.get(reverse("orders:detail", kwargs={"pk": order.pk}))

    assert b"Tracking" in page.content
    assert b"Denver, CO" in page.content
