"""Events returns announces to higher layers (billing charges an inspected return)."""

from django.dispatch import Signal

# Sent inside the transaction that finished inspecting a return (its units received and dispositioned);
# kwargs: rma_id.
return_inspected = Signal()
