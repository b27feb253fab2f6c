"""Events shipping announces to higher layers (returns listens for its return labels' tracking)."""

from django.dispatch import Signal

# Sent after commit for every new carrier tracking event; kwargs: carrier_id, tracking_number, status, occurred_at.
tracking_event_received = Signal()
