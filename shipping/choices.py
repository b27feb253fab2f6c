from django.db import models


class ShipmentStatus(models.TextChoices):
    PACKING = "packing", "Packing"
    PACKED = "packed", "Packed"
    LABELLED = "labelled", "Label printed"
    SHIPPED = "shipped", "Handed over"
    CANCELLED = "cancelled", "Cancelled"


SS = ShipmentStatus

SHIPMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    SS.PACKING: frozenset({SS.PACKED, SS.CANCELLED}),
    SS.PACKED: frozenset({SS.LABELLED, SS.CANCELLED}),
    SS.LABELLED: frozenset({SS.SHIPPED, SS.CANCELLED}),
    SS.SHIPPED: frozenset(),
    SS.CANCELLED: frozenset(),
}
OPEN_SHIPMENT_STATUSES = frozenset({SS.PACKING, SS.PACKED, SS.LABELLED})


class ScanResult(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    WRONG_ITEM = "wrong_item", "Wrong item (not on the order)"
    EXTRA_ITEM = "extra_item", "One too many"
    UNKNOWN_BARCODE = "unknown", "Unknown barcode"


MISPICK_RESULTS = frozenset({ScanResult.WRONG_ITEM, ScanResult.EXTRA_ITEM, ScanResult.UNKNOWN_BARCODE})


class CarrierAdapterKind(models.TextChoices):
    RATE_CARD = "rate_card", "Rate card (CSV tables, local tracking numbers)"
    TEST = "test", "Test carrier (fixed prices, for tests)"


class NotificationKind(models.TextChoices):
    CUSTOMER_EMAIL = "customer_email", "Customer email"
    STOREFRONT = "storefront", "Storefront update"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not needed"
