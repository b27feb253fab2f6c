"""Events shipping announces to higher layers (returns listens for its return labels' tracking)."""

from django.dispatch import Signal

# Sent inside the recording transaction for every new carrier tracking event; kwargs: event_id, carrier_id,
# tracking_number, status, occurred_at. A receiver only queues durable work (core.work.work_enqueue) by id.
tracking_event_received = Signal()
