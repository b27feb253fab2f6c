from django.dispatch import Signal

# Sent after commit whenever an order's status changed; kwargs: order_id, from_status, to_status.
order_status_changed = Signal()
