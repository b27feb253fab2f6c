"""Billing listens to the layers below: each piece of work they finish becomes a billable event, written
synchronously in the sender's transaction, so the charge commits or rolls back with the work itself.
"""

from __future__ import annotations

from django.dispatch import receiver

from billing import events
from inventory.signals import receipt_closed, receipt_reversed
from returns.signals import return_inspected
from shipping.signals import shipment_label_voided, shipment_labelled, shipment_shipped


@receiver(receipt_closed, dispatch_uid="billing.receipt_closed")
def on_receipt_closed(sender, *, shipment_id: int, **kwargs) -> None:
    events.receipt_event_record(shipment_id=shipment_id)


@receiver(receipt_reversed, dispatch_uid="billing.receipt_reversed")
def on_receipt_reversed(sender, *, shipment_id: int, **kwargs) -> None:
    events.receipt_reverse_event_record(shipment_id=shipment_id)


@receiver(shipment_shipped, dispatch_uid="billing.shipment_shipped")
def on_shipment_shipped(sender, *, shipment_id: int, **kwargs) -> None:
    events.shipment_shipped_event_record(shipment_id=shipment_id)


@receiver(shipment_labelled, dispatch_uid="billing.shipment_labelled")
def on_shipment_labelled(sender, *, shipment_id: int, **kwargs) -> None:
    events.label_event_record(shipment_id=shipment_id)


@receiver(shipment_label_voided, dispatch_uid="billing.shipment_label_voided")
def on_label_voided(sender, *, shipment_id: int, **kwargs) -> None:
    events.label_void_event_record(shipment_id=shipment_id)


@receiver(return_inspected, dispatch_uid="billing.return_inspected")
def on_return_inspected(sender, *, rma_id: int, **kwargs) -> None:
    events.return_event_record(rma_id=rma_id)
