"""Events shipping announces to higher layers (returns listens for its return labels' tracking and adds its
instructions to packing slips)."""

from django.dispatch import Signal

# Sent inside the recording transaction for every new carrier tracking event; kwargs: event_id, carrier_id,
# tracking_number, status, occurred_at. A receiver only queues durable work (core.work.work_enqueue) by id.
tracking_event_received = Signal()

# Sent while a packing slip is rendered; kwargs: order. A receiver returns a section for the slip, a dict with
# "title", "text" and "url" (or None): returns answers with the client's return window and self-service page.
packing_slip_sections = Signal()

# Sent inside the transaction of each step of a shipment that costs the client something (billing charges it);
# kwargs: shipment_id. A label bought, then handed over; a bought label voided when its shipment is cancelled.
shipment_labelled = Signal()
shipment_shipped = Signal()
shipment_label_voided = Signal()
