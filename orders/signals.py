from django.dispatch import Signal

# Sent inside the transaction whenever an order's status changed; kwargs: order_id, from_status, to_status.
# A receiver only queues durable work by id (core.work.work_enqueue), which commits with the change.
order_status_changed = Signal()
