"""Tracking to the door: record carrier events (webhook or poll) once each, keep every package's true latest
status whatever order events arrive in, deliver the order when every package is delivered, and flag
exceptions for a manager.

Locks: the order first (orders.locks), then the package's tracking row, so that two packages of one order
delivered at the same moment cannot both miss that the other is delivered.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import DomainError
from orders.choices import OrderStatus
from orders.locks import order_lock
from orders.services import order_event_add, order_transition
from shipping.carriers import adapter_for
from shipping.carriers.base import TrackingUpdate
from shipping.carriers.easypost import gateway_carrier_name, tracker_updates
from shipping.choices import ShipmentStatus, TrackingSource, TrackingStatus
from shipping.models import Carrier, GatewayAccount, Package, PackageTracking, Shipment, TrackingEvent
from shipping.signals import tracking_event_received

# When two events carry the same time, the later step of the journey wins.
STATUS_RANK = {
    TrackingStatus.LABEL_CREATED: 0, TrackingStatus.IN_TRANSIT: 1, TrackingStatus.OUT_FOR_DELIVERY: 2,
    TrackingStatus.EXCEPTION: 3, TrackingStatus.RETURNED_TO_SENDER: 4, TrackingStatus.DELIVERED: 5,
}
SIGNATURE_HEADER = "X-Dockhand-Signature"


class TrackingError(DomainError):
    status_code = 400


def webhook_signature(body: bytes, secret: str) -> str:
    """The signature a carrier sends: 'sha256=' + hex HMAC-SHA256 of the raw body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_signature_valid(body: bytes, secret: str, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(webhook_signature(body, secret).encode(), header.strip().encode())


def _tracking_row(package_id: int) -> PackageTracking:
    PackageTracking.objects.get_or_create(package_id=package_id)
    return PackageTracking.objects.select_for_update(of=("self",)).get(package_id=package_id)


def _is_newer(update: TrackingUpdate, state: PackageTracking) -> bool:
    if state.status_at is None:
        return True
    if update.occurred_at != state.status_at:
        return update.occurred_at > state.status_at
    return STATUS_RANK.get(update.status, 0) >= STATUS_RANK.get(state.status, 0)


def _order_delivered_if_complete(order, *, delivered_at) -> bool:
    """Deliver a shipped order once every package of its shipments has been delivered."""
    if order.status != OrderStatus.SHIPPED:
        return False
    packages = Package.objects.filter(shipment__order=order, shipment__status=ShipmentStatus.SHIPPED)
    if not packages.exists():
        return False
    if packages.exclude(tracking__status=TrackingStatus.DELIVERED).exists():
        return False
    order_transition(order=order, to_status=OrderStatus.DELIVERED, actor="carrier tracking",
                     note=f"Every package delivered (last {timezone.localtime(delivered_at):%Y-%m-%d %H:%M}).")
    return True


@transaction.atomic
def tracking_event_record(*, carrier: Carrier, update: TrackingUpdate, source: str) -> TrackingEvent | None:
    """Record one carrier event, once. Returns None for a duplicate.

    A newer event (by when it happened) becomes the package's status; an older one that arrives late only
    joins the timeline. A delivered package may deliver the order; an exception is flagged for a manager
    on the order's timeline. Raises TrackingError for an unknown status.
    """
    if update.status not in TrackingStatus.values:
        raise TrackingError(f"Unknown tracking status {update.status!r}.", field="status")
    if timezone.is_naive(update.occurred_at):
        raise TrackingError("Event times need a time zone.", field="occurred_at")
    package = (Package.objects.select_related("shipment").filter(carrier=carrier, tracking_number=update.tracking_number)
               .first() if update.tracking_number else None)
    order = order_lock(package.shipment.order_id) if package is not None else None
    try:
        with transaction.atomic():
            event = TrackingEvent.objects.create(
                carrier=carrier, package=package, tracking_number=update.tracking_number[:40], event_key=update.key,
                status=update.status, occurred_at=update.occurred_at, location=update.location[:200],
                description=update.description[:500], source=source, raw=update.raw or {},
            )
    except IntegrityError:
        return None
    # Inside the transaction: receivers only queue durable work, which commits (or rolls back) with the event.
    tracking_event_received.send(sender=TrackingEvent, event_id=event.pk, carrier_id=carrier.pk,
                                 tracking_number=update.tracking_number, status=update.status,
                                 occurred_at=update.occurred_at)
    if package is None:
        return event
    state = _tracking_row(package.pk)
    fields = []
    if update.status == TrackingStatus.DELIVERED and state.delivered_at is None:
        state.delivered_at = update.occurred_at
        fields.append("delivered_at")
    if _is_newer(update, state):
        state.status, state.status_at, state.location = update.status, update.occurred_at, update.location[:200]
        fields += ["status", "status_at", "location"]
        if update.status == TrackingStatus.EXCEPTION:
            state.exception_reason = (update.description or "Carrier reported an exception")[:500]
            state.exception_at = update.occurred_at
            state.exception_resolved_at, state.exception_resolved_by = None, None
            fields += ["exception_reason", "exception_at", "exception_resolved_at", "exception_resolved_by"]
            order_event_add(order=order, actor=f"{carrier.name} tracking",
                            note=f"Delivery exception on package {package.number} ({package.tracking_number}): "
                                 f"{state.exception_reason}")
        elif update.status == TrackingStatus.RETURNED_TO_SENDER:
            order_event_add(order=order, actor=f"{carrier.name} tracking",
                            note=f"Package {package.number} ({package.tracking_number}) is being returned to us.")
    if fields:
        state.save(update_fields=[*fields, "updated_at"])
    if state.status == TrackingStatus.DELIVERED:
        _order_delivered_if_complete(order, delivered_at=update.occurred_at)
    return event


def gateway_tracking_record(*, account: GatewayAccount, event: dict) -> dict[str, int]:
    """Record the tracking of an EasyPost Event (a Tracker) posted to one gateway account's webhook.

    The package is found by its tracking number among the account's labels, else the carrier by its EasyPost
    name among the account's carriers; events of anything else are ignored (counted, not an error, so that
    EasyPost does not resend them). Repeats are recorded once. Raises ValueError for a body that is not an
    Event, TrackingError for an event that cannot be recorded.
    """
    carrier_name, code, updates = tracker_updates(event)
    if not updates:
        return {"recorded": 0, "duplicates": 0, "ignored": 1}
    package = (Package.objects.select_related("carrier")
               .filter(gateway_account=account, tracking_number=code, carrier__isnull=False).first())
    carrier = package.carrier if package is not None else None
    if carrier is None:
        carrier = next((c for c in account.carriers.filter(is_active=True).order_by("pk")
                        if gateway_carrier_name(c).lower() == carrier_name.lower()), None)
    if carrier is None:
        return {"recorded": 0, "duplicates": 0, "ignored": len(updates)}
    return {**tracking_updates_record(carrier=carrier, updates=updates, source=TrackingSource.WEBHOOK), "ignored": 0}


def tracking_updates_record(*, carrier: Carrier, updates: list[TrackingUpdate], source: str) -> dict[str, int]:
    """Record several events (each in its own transaction); returns counts of recorded and duplicate ones."""
    counts = {"recorded": 0, "duplicates": 0}
    for update in sorted(updates, key=lambda u: u.occurred_at):
        event = tracking_event_record(carrier=carrier, update=update, source=source)
        counts["recorded" if event is not None else "duplicates"] += 1
    return counts


@transaction.atomic
def package_exception_resolve(*, package: Package, user=None, note: str = "") -> PackageTracking:
    """Mark a package's delivery exception as handled. Raises TrackingError when it has none open."""
    order = order_lock(package.shipment.order_id)
    state = _tracking_row(package.pk)
    if not state.has_open_exception:
        raise TrackingError("This package has no open delivery exception.")
    state.exception_resolved_at = timezone.now()
    state.exception_resolved_by = user if getattr(user, "is_authenticated", False) else None
    state.save(update_fields=["exception_resolved_at", "exception_resolved_by", "updated_at"])
    order_event_add(order=order, user=user, note=f"Delivery exception of package {package.number} handled"
                                                 + (f": {note.strip()}" if note.strip() else ""))
    return state


def packages_to_poll(*, carrier: Carrier, limit: int = 500):
    """Shipped packages of the carrier still on their way (not delivered, not back), least recently polled first."""
    return (
        Package.objects.filter(carrier=carrier, shipment__status=ShipmentStatus.SHIPPED)
        .exclude(tracking_number="")
        .exclude(tracking__status__in=[TrackingStatus.DELIVERED, TrackingStatus.RETURNED_TO_SENDER])
        .select_related("tracking").order_by("tracking__last_polled_at", "pk")[:limit]
    )


def tracking_poll_carrier(*, carrier_id: int) -> dict[str, int]:
    """Ask one carrier's adapter for news of its packages on their way and record what is new."""
    carrier = Carrier.objects.select_related("tracking").get(pk=carrier_id)
    packages = list(packages_to_poll(carrier=carrier))
    if not packages:
        return {"recorded": 0, "duplicates": 0, "polled": 0}
    updates = adapter_for(carrier).track([p.tracking_number for p in packages])
    counts = tracking_updates_record(carrier=carrier, updates=updates, source=TrackingSource.POLL)
    now = timezone.now()
    # One INSERT for the packages polled for the first time, instead of a query (or two) per package.
    PackageTracking.objects.bulk_create([PackageTracking(package=p) for p in packages], ignore_conflicts=True)
    PackageTracking.objects.filter(package__in=packages).update(last_polled_at=now)
    return {**counts, "polled": len(packages)}


def pollable_carrier_ids() -> list[int]:
    return list(Carrier.objects.filter(is_active=True).filter(Q(tracking__isnull=True) | Q(tracking__poll_enabled=True))
                .order_by("pk").values_list("pk", flat=True))


def promised_delivery_date(shipment: Shipment) -> datetime.date | None:
    """The date the customer was promised: the service's business days after the hand-over."""
    if shipment.shipped_at is None or shipment.service_id is None:
        return None
    day = timezone.localdate(shipment.shipped_at)
    left = shipment.service.transit_days
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
