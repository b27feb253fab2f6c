"""Billable events: written by the receivers of the lower apps' signals, inside the transaction that did the
work, and by staff for value-added services. Never updated or deleted; a correction is a reversing event.

What each kind fills in:
- receipt: units (good units received), skus (lines), cartons, minutes (labour);
- order_shipped: units, skus, boxes (packages), cost (what the boxes cost the warehouse);
- label: cost (what the carrier charged), carrier, service, boxes (packages);
- return: units (inspected), restocked, disposed;
- vas: service_code, quantity, note.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from billing.choices import EventKind
from billing.exceptions import BillingError
from billing.models import BillableEvent
from core.models import StatusChange
from core.transitions import user_or_none
from inventory.models import Client, InboundShipment
from returns.choices import Disposition
from returns.models import ReturnAuthorization
from shipping.choices import ShipmentStatus
from shipping.models import PackageItem, Shipment


def _label(model) -> str:
    return model._meta.label_lower


def _record(**fields) -> BillableEvent:
    """Write one event once: the same cause delivered again returns the event already written."""
    occurred_at = fields.setdefault("occurred_at", timezone.now())
    fields.setdefault("event_date", timezone.localdate(occurred_at))
    try:
        with transaction.atomic():
            return BillableEvent.objects.create(**fields)
    except IntegrityError:
        existing = BillableEvent.objects.filter(kind=fields["kind"], source=fields["source"],
                                                source_id=fields["source_id"], sign=fields.get("sign", 1)).first()
        if existing is None:
            raise
        return existing


def receipt_event_record(*, shipment_id: int) -> BillableEvent:
    """Charge a closed ASN: its good units, SKUs, cartons and labour."""
    inbound = InboundShipment.objects.get(pk=shipment_id)
    totals = inbound.lines.aggregate(units=Sum("received_quantity"), skus=Count("pk", filter=Q(received_quantity__gt=0)))
    return _record(client_id=inbound.client_id, kind=EventKind.RECEIPT, source=_label(InboundShipment),
                   source_id=inbound.pk, warehouse_id=inbound.warehouse_id,
                   occurred_at=inbound.closed_at or timezone.now(), units=totals["units"] or 0,
                   skus=totals["skus"] or 0, cartons=inbound.cartons, minutes=inbound.labour_minutes,
                   note=f"ASN {inbound.reference}")


def receipt_reverse_event_record(*, shipment_id: int) -> BillableEvent | None:
    """Cancel the receipt charge of an ASN that was reversed (none charged, or reversed already: nothing)."""
    charged = BillableEvent.objects.filter(kind=EventKind.RECEIPT, source=_label(InboundShipment),
                                           source_id=shipment_id, sign=1, reversed_by__isnull=True).first()
    if charged is None:
        return None
    return billable_event_reverse(event=charged, note=f"Receipt reversed: {charged.note}")


def shipment_shipped_event_record(*, shipment_id: int) -> BillableEvent:
    """Charge a shipped order's fulfilment and packaging: its units, SKUs and boxes."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    items = PackageItem.objects.filter(package__shipment=shipment).aggregate(
        units=Sum("quantity"), skus=Count("product", distinct=True))
    return _record(client_id=shipment.order.client_id, kind=EventKind.ORDER_SHIPPED, source=_label(Shipment),
                   source_id=shipment.pk, order_id=shipment.order_id, warehouse_id=shipment.warehouse_id,
                   occurred_at=shipment.shipped_at or timezone.now(), units=items["units"] or 0,
                   skus=items["skus"] or 0, boxes=shipment.packages.count(), cost=shipment.box_cost,
                   note=f"Order {shipment.order.order_number}")


def label_event_record(*, shipment_id: int) -> BillableEvent:
    """Charge a bought label at what the carrier charged for it.

    A shipment's first label is caused by the shipment; a label bought again after a void is caused by the
    status change that recorded that purchase, so each purchase is charged once."""
    shipment = Shipment.objects.select_related("order", "service").get(pk=shipment_id)
    source, source_id = _label(Shipment), shipment.pk
    if BillableEvent.objects.filter(kind=EventKind.LABEL, source=source, source_id=source_id, sign=1).exists():
        purchase = _label_purchases(shipment.pk).order_by("-pk").first()
        if purchase is not None and not _label_charges(shipment.pk).filter(reversed_by__isnull=True).exists():
            source, source_id = _label(StatusChange), purchase.pk
    return _record(client_id=shipment.order.client_id, kind=EventKind.LABEL, source=source,
                   source_id=source_id, order_id=shipment.order_id, warehouse_id=shipment.warehouse_id,
                   occurred_at=shipment.labelled_at or timezone.now(), boxes=shipment.packages.count(),
                   cost=shipment.shipping_cost, carrier_id=shipment.service.carrier_id if shipment.service else None,
                   service_id=shipment.service_id, note=f"Order {shipment.order.order_number}")


def _label_purchases(shipment_id: int):
    return StatusChange.objects.filter(model=_label(Shipment), object_id=shipment_id,
                                       to_status=ShipmentStatus.LABELLED)


def _label_charges(shipment_id: int):
    """Every label charge of a shipment: the first purchase's and those of labels bought again after a void."""
    return BillableEvent.objects.filter(
        Q(source=_label(Shipment), source_id=shipment_id)
        | Q(source=_label(StatusChange), source_id__in=_label_purchases(shipment_id).values("pk")),
        kind=EventKind.LABEL, sign=1)


def return_event_record(*, rma_id: int) -> BillableEvent:
    """Charge an inspected return: the return, its units inspected, restocked and disposed."""
    rma = ReturnAuthorization.objects.get(pk=rma_id)
    units = rma.units.aggregate(
        units=Sum("quantity"), restocked=Sum("quantity", filter=Q(disposition=Disposition.RESTOCK)),
        disposed=Sum("quantity", filter=Q(disposition=Disposition.DISPOSE)))
    return _record(client_id=rma.client_id, kind=EventKind.RETURN, source=_label(ReturnAuthorization),
                   source_id=rma.pk, order_id=rma.order_id, warehouse_id=rma.warehouse_id,
                   units=units["units"] or 0, restocked=units["restocked"] or 0, disposed=units["disposed"] or 0,
                   note=f"Return {rma.number}")


def billable_event_reverse(*, event: BillableEvent, note: str = "", user=None,
                           occurred_at: datetime.datetime | None = None) -> BillableEvent:
    """Write the event that cancels `event` (same measures, sign -1), dated when it is written.

    Raises BillingError when the event is itself a reversal or was reversed already.
    """
    with transaction.atomic():
        original = BillableEvent.objects.select_for_update().get(pk=event.pk)
        if original.sign < 0:
            raise BillingError("A reversing event cannot be reversed.")
        if BillableEvent.objects.filter(reverses=original).exists():
            raise BillingError("This event was reversed already.")
        measures = {name: getattr(original, name) for name in (
            "client_id", "kind", "warehouse_id", "source", "source_id", "order_id", "units", "skus", "boxes",
            "cartons", "minutes", "restocked", "disposed", "quantity", "cost", "carrier_id", "service_id",
            "service_code")}
        return _record(**measures, sign=-1, reverses=original, occurred_at=occurred_at or timezone.now(),
                       note=(note or f"Reverses {original.note}")[:255], user=user_or_none(user))


def label_void_event_record(*, shipment_id: int) -> BillableEvent | None:
    """Reverse the charge of a shipment's label that was voided (none charged, or all reversed: nothing)."""
    charged = _label_charges(shipment_id).filter(reversed_by__isnull=True).order_by("-pk").first()
    if charged is None:
        return None
    return billable_event_reverse(event=charged, note=f"Label voided: {charged.note}")


def vas_record(*, client: Client, service_code: str, quantity: Decimal, note: str = "", user=None,
               work_date: datetime.date | None = None, warehouse=None) -> BillableEvent:
    """Record value-added work (kitting, labelling, a project) done for a client, priced by its service code.

    Raises BillingError for a quantity that is not positive or a missing note or code.
    """
    code = (service_code or "").strip().lower()
    if not code:
        raise BillingError("Choose the service.", field="service_code")
    if quantity is None or quantity <= 0:
        raise BillingError("The quantity must be more than zero.", field="quantity")
    if not note.strip():
        raise BillingError("Say what was done.", field="note")
    now = timezone.now()
    staff = user_or_none(user)
    # Staff-entered work is caused by the person who entered it.
    return BillableEvent.objects.create(
        client=client, kind=EventKind.VAS, source="auth.user", source_id=staff.pk if staff else 0,
        occurred_at=now, event_date=work_date or timezone.localdate(now), service_code=code, quantity=quantity,
        note=note.strip()[:255], user=staff, warehouse=warehouse)
