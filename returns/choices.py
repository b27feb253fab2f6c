from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AUTHORISED = "authorised", _("Authorised")
    IN_TRANSIT = "in_transit", _("On its way back")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    REFUNDED = "refunded", _("Refunded")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


R = ReturnStatus

# The only legal moves of a return (RMA). Every change of ReturnAuthorization.status goes through
# returns.services.status.return_transition, which checks this table under a row lock.
RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    R.REQUESTED: frozenset({R.AUTHORISED, R.REJECTED, R.CLOSED}),
    # a parcel may arrive without the carrier ever reporting it in transit
    R.AUTHORISED: frozenset({R.IN_TRANSIT, R.RECEIVED, R.CLOSED}),
    R.IN_TRANSIT: frozenset({R.RECEIVED, R.CLOSED}),
    R.RECEIVED: frozenset({R.INSPECTED}),
    # closed without a refund: everything exchanged, or nothing refundable came back
    R.INSPECTED: frozenset({R.REFUNDED, R.CLOSED}),
    R.REFUNDED: frozenset(),
    R.CLOSED: frozenset(),
    R.REJECTED: frozenset(),
}

# A parcel can be scanned in at the returns desk in these statuses.
RECEIVABLE_STATUSES = frozenset({R.AUTHORISED, R.IN_TRANSIT, R.RECEIVED})
# Units already claimed by a return in these statuses cannot be claimed again.
CLAIMING_STATUSES = frozenset({R.REQUESTED, R.AUTHORISED, R.IN_TRANSIT, R.RECEIVED, R.INSPECTED, R.REFUNDED})


class ReturnReason(models.TextChoices):
    WRONG_ITEM = "wrong_item", "Wrong item sent"
    DAMAGED = "damaged", "Arrived damaged"
    DEFECTIVE = "defective", "Defective"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    TOO_SMALL = "too_small", "Too small"
    TOO_LARGE = "too_large", "Too large"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
    MISSING_ITEM = "missing_item", "Item missing from the parcel"
    OTHER = "other", "Other"


# Reasons that are the warehouse's mistake: traced to the step that made it.
PICK_PACK_REASONS = frozenset({ReturnReason.WRONG_ITEM, ReturnReason.MISSING_ITEM})
TRANSPORT_REASONS = frozenset({ReturnReason.DAMAGED})
# Nothing comes back for a missing item: the claim is refunded without a unit to receive.
NOTHING_TO_SEND_BACK = frozenset({ReturnReason.MISSING_ITEM})


class ReturnSource(models.TextChoices):
    CUSTOMER = "customer", "Customer (self-service)"
    MANAGER = "manager", "Manager"
    API = "api", "Merchant API"


class Resolution(models.TextChoices):
    REFUND = "refund", "Refund"
    EXCHANGE = "exchange", "Exchange"


class Disposition(models.TextChoices):
    RESTOCK = "restock", "Restock (back to sellable stock)"
    REFURBISH = "refurbish", "Refurbish (returns area)"
    QUARANTINE = "quarantine", "Quarantine (returns area)"
    DISPOSE = "dispose", "Dispose (out of stock)"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Sending to the storefront"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Refunded on the storefront"
    FAILED = "failed", "Failed (needs a manager)"
    MANUAL = "manual", "Recorded (no storefront to call)"


class SurveyProblem(models.TextChoices):
    WRONG_ITEM = "wrong_item", "Wrong item"
    DAMAGED = "damaged", "Damaged"
    LATE = "late", "Arrived late"
    MISSING_ITEM = "missing_item", "Missing item"
    OTHER = "other", "Something else"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
