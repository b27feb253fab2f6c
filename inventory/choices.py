from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADJUSTMENT = "adjustment", "Adjustment"
    ALLOCATE = "allocate", "Allocated to order"
    DEALLOCATE = "deallocate", "Released from order"
    PICK = "pick", "Picked to packing"
    SHORT_PICK = "short_pick", "Short pick (not found)"
    SHIP = "ship", "Shipped"
    TRANSFER = "transfer", "Transfer"
    COUNT = "count", "Cycle count correction"
    RETURN = "return", "Return restocked"
    DISPOSE = "dispose", "Disposed"
    RECEIPT_REVERSAL = "receipt_reversal", "Receipt reversed"


class StockStatus(models.TextChoices):
    """How one product stands in one warehouse; see inventory.figures for the rules."""

    STOCKOUT = "stockout", "Stock-out"
    UNDER = "under", "Under reorder point"
    HEALTHY = "healthy", "Healthy"
    OVER = "over", "Overstocked"
    DEAD = "dead", "Dead stock"


class InboundStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    RECEIVING = "receiving", _("Receiving")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REVERSED = "reversed", _("Reversed (booked in error)")


INBOUND_TRANSITIONS: dict[str, frozenset[str]] = {
    InboundStatus.EXPECTED: frozenset({InboundStatus.RECEIVING, InboundStatus.CLOSED, InboundStatus.CANCELLED}),
    InboundStatus.RECEIVING: frozenset({InboundStatus.CLOSED}),
    # A receipt booked in error (the wrong client, a duplicate ASN) is reversed: its units leave the bins.
    InboundStatus.CLOSED: frozenset({InboundStatus.REVERSED}),
    InboundStatus.CANCELLED: frozenset(),
    InboundStatus.REVERSED: frozenset(),
}
# Inbound units still to come count as "inbound" on the stock page while the shipment is in one of these.
INBOUND_OPEN_STATUSES = frozenset({InboundStatus.EXPECTED, InboundStatus.RECEIVING})


class DifferenceKind(models.TextChoices):
    OVER = "over", _("Over (more than expected)")
    SHORT = "short", _("Short (fewer than expected)")
    DAMAGED = "damaged", _("Damaged")
    UNEXPECTED = "unexpected", _("Unexpected SKU")


class CountStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    CLOSED = "closed", _("Closed")


# The only legal moves of a cycle count; inventory.control.counting settles a count's status from its lines.
COUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    # closed at once when every variance was within the threshold
    CountStatus.OPEN: frozenset({CountStatus.AWAITING_APPROVAL, CountStatus.CLOSED}),
    # back to counting when a manager rejects a variance for a recount
    CountStatus.AWAITING_APPROVAL: frozenset({CountStatus.OPEN, CountStatus.CLOSED}),
    CountStatus.CLOSED: frozenset(),
}


class CountLineStatus(models.TextChoices):
    PENDING = "pending", _("To count")
    NEEDS_APPROVAL = "needs_approval", _("Needs approval")
    ADJUSTED = "adjusted", _("Adjusted")
    MATCHED = "matched", _("Matched")
    REJECTED = "rejected", _("Rejected (recount)")


class TransferStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_TRANSIT = "in_transit", "In transit"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


TRANSFER_TRANSITIONS: dict[str, frozenset[str]] = {
    TransferStatus.DRAFT: frozenset({TransferStatus.IN_TRANSIT, TransferStatus.RECEIVED, TransferStatus.CANCELLED}),
    TransferStatus.IN_TRANSIT: frozenset({TransferStatus.RECEIVED}),
    TransferStatus.RECEIVED: frozenset(),
    TransferStatus.CANCELLED: frozenset(),
}
