"""Events the inventory layer announces to higher layers (orders listens to release backorders)."""

from django.dispatch import Signal

# Sent inside the transaction that raised a product's available stock; kwargs: product_id, warehouse_id.
# Receivers only queue durable work (core.work), which commits or rolls back with the stock change.
stock_available_increased = Signal()

# Sent inside the transaction of every stock change (each ledger write): kwargs product_ids, the products
# whose on-hand or allocated units moved. Receivers only queue durable work that commits with the change.
stock_changed = Signal()

# Sent inside the transaction that closed an ASN (receiving finished); kwargs: shipment_id. Billing charges it.
receipt_closed = Signal()

# Sent inside the transaction that reversed a closed ASN (its units taken back out); kwargs: shipment_id. Billing
# writes the reversing charge.
receipt_reversed = Signal()
