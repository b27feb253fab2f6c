from django.db import models


class PickListKind(models.TextChoices):
    SINGLE = "single", "Single order"
    BATCH = "batch", "Batch (one tote per order)"
    WAVE = "wave", "Wave"


class PickListStatus(models.TextChoices):
    RELEASED = "released", "Ready to pick"
    PICKING = "picking", "Picking"
    SORTING = "sorting", "Sorting"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class WaveSplit(models.TextChoices):
    CART = "cart", "By cart size"
    ZONE = "zone", "By zone, then cart size"


class ShortPickAction(models.TextChoices):
    BACKORDER = "backorder", "Backorder the order"
    HOLD = "hold", "Put the order on hold"


P = PickListStatus

# The only legal moves of a pick list; shipping.picking checks this table under the list's row lock.
PICK_LIST_TRANSITIONS: dict[str, frozenset[str]] = {
    P.RELEASED: frozenset({P.PICKING, P.CANCELLED}),
    # single lists finish straight from picking; batch and wave lists are sorted into orders first
    P.PICKING: frozenset({P.SORTING, P.COMPLETED}),
    P.SORTING: frozenset({P.COMPLETED}),
    P.COMPLETED: frozenset(),
    P.CANCELLED: frozenset(),
}

OPEN_PICK_LIST_STATUSES = frozenset({P.RELEASED, P.PICKING, P.SORTING})
