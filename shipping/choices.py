from django.db import models
from django.utils.translation import gettext_lazy as _


class PickListKind(models.TextChoices):
    SINGLE = "single", _("Single order")
    BATCH = "batch", _("Batch (one tote per order)")
    WAVE = "wave", _("Wave")


class PickListStatus(models.TextChoices):
    RELEASED = "released", _("Ready to pick")
    PICKING = "picking", _("Picking")
    SORTING = "sorting", _("Sorting")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class WaveSplit(models.TextChoices):
    CART = "cart", "By cart size"
    ZONE = "zone", "By zone, then cart size"


class ShortPickAction(models.TextChoices):
    BACKORDER = "backorder", "Backorder the order"
    HOLD = "hold", "Put the order on hold"


P = PickListStatus

# The only legal moves of a pick list; shipping.picking.lists.pick_list_transition checks this table under the
# list's row lock.
PICK_LIST_TRANSITIONS: dict[str, frozenset[str]] = {
    P.RELEASED: frozenset({P.PICKING, P.CANCELLED}),
    # single lists finish straight from picking; batch and wave lists are sorted into orders first
    P.PICKING: frozenset({P.SORTING, P.COMPLETED}),
    P.SORTING: frozenset({P.COMPLETED}),
    P.COMPLETED: frozenset(),
    P.CANCELLED: frozenset(),
}

OPEN_PICK_LIST_STATUSES = frozenset({P.RELEASED, P.PICKING, P.SORTING})



class ShipmentStatus(models.TextChoices):
    PACKING = "packing", _("Packing")
    PACKED = "packed", _("Packed")
    LABELLED = "labelled", _("Label bought")
    SHIPPED = "shipped", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")


SS = ShipmentStatus

SHIPMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    SS.PACKING: frozenset({SS.PACKED, SS.CANCELLED}),
    SS.PACKED: frozenset({SS.LABELLED, SS.CANCELLED}),
    SS.LABELLED: frozenset({SS.SHIPPED, SS.CANCELLED, SS.PACKED}),  # back to packed: the label was voided
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


class TrackingStatus(models.TextChoices):
    LABEL_CREATED = "label_created", "Label created"
    IN_TRANSIT = "in_transit", "In transit"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Exception"
    RETURNED_TO_SENDER = "returned_to_sender", "Returned to sender"


class TrackingSource(models.TextChoices):
    WEBHOOK = "webhook", "Carrier webhook"
    POLL = "poll", "Poll"


class PrinterPurpose(models.TextChoices):
    LABEL = "label", "Label printer (ZPL)"
    DOCUMENT = "document", "Laser printer (pick lists, packing slips)"


class PrinterConnection(models.TextChoices):
    RAW_TCP = "raw_tcp", "Raw ZPL over TCP (port 9100)"
    CUPS = "cups", "CUPS queue (lp)"


class PrintJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RETRYING = "retrying", "Printer unreachable, retrying"
    PRINTED = "printed", "Sent to the printer"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
