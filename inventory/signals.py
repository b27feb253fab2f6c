"""Events the inventory layer announces to higher layers (orders listens to release backorders)."""

from django.dispatch import Signal

# Sent after commit when available stock of a product rose; kwargs: product_id, warehouse_id.
stock_available_increased = Signal()
