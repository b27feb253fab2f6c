from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    CSV = "csv", "CSV upload"
    API = "api", "API"


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", "Standard (3-5 days)"
    EXPEDITED = "expedited", "Expedited (2 days)"
    OVERNIGHT = "overnight", "Overnight"
    ECONOMY = "economy", "Economy"


class OrderStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ALLOCATED = "allocated", _("Allocated")
    BACKORDERED = "backordered", _("Backordered")
    ON_HOLD = "on_hold", _("On hold")
    SPLIT = "split", _("Split into shipments")
    PICKING = "picking", _("Picking")
    PICKED = "picked", _("Picked")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


S = OrderStatus

# The only legal moves of an order. Everything that changes Order.status goes through
# orders.services.order_transition, which checks this table under a row lock.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.ALLOCATED, S.BACKORDERED, S.ON_HOLD, S.SPLIT, S.CANCELLED}),
    # back to RECEIVED when a manager re-routes; BACKORDERED / ON_HOLD after a short pick or a hold
    S.ALLOCATED: frozenset({S.PICKING, S.BACKORDERED, S.ON_HOLD, S.RECEIVED, S.CANCELLED}),
    S.BACKORDERED: frozenset({S.ALLOCATED, S.ON_HOLD, S.RECEIVED, S.SPLIT, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.RECEIVED, S.CANCELLED}),
    S.SPLIT: frozenset(),
    S.PICKING: frozenset({S.PICKED, S.ALLOCATED, S.BACKORDERED, S.ON_HOLD, S.CANCELLED}),
    S.PICKED: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset(
    {S.RECEIVED, S.ALLOCATED, S.BACKORDERED, S.ON_HOLD, S.PICKING, S.PICKED, S.PACKED}
)
# Before picking, an order's address and lines may still be changed by the storefront.
EDITABLE_STATUSES = frozenset({S.RECEIVED, S.ALLOCATED, S.BACKORDERED, S.ON_HOLD})


class PaymentStatus(models.TextChoices):
    """The storefront's payment state of an order; empty for channels without payments (CSV, API)."""

    NOT_APPLICABLE = "", "Not applicable"
    PENDING = "pending", "Pending"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"


# Storefront payment states that let an order ship; any other puts a storefront order on a payment hold.
# Authorized counts as paid: merchants who capture on fulfilment would otherwise never ship.
PAYMENT_CLEARED_STATUSES = frozenset({
    PaymentStatus.NOT_APPLICABLE, PaymentStatus.AUTHORIZED, PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED,
})


class OrderPriority(models.IntegerChoices):
    LOW = 10, "Low"
    NORMAL = 20, "Normal"
    HIGH = 30, "High"
    URGENT = 40, "Urgent"


class DeliverySource(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    POLL = "poll", "Polling sync"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    DUPLICATE = "duplicate", "Duplicate (already applied)"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected (malformed)"


# Deliveries that the sweep (or a manager's retry) may still process.
DELIVERY_RETRYABLE_STATES = frozenset({DeliveryState.PENDING, DeliveryState.FAILED})


class HoldKind(models.TextChoices):
    ADDRESS = "address", "Address"
    PAYMENT = "payment", "Payment"
    FRAUD = "fraud", "Fraud review"
    MANUAL = "manual", "Manual"
    CLIENT = "client", "Client request"
    UNTIL_DATE = "until_date", "Until a date"
    RULE = "rule", "Rule"
    UNKNOWN_SKU = "unknown_sku", "Unknown SKU"


# What a client user may release (on its own orders): only what it asked for.
CLIENT_RELEASABLE_KINDS = frozenset({HoldKind.CLIENT})


class RuleRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# A run in one of these is not finished: only one may exist at a time, and its page keeps refreshing.
OPEN_RULE_RUN_STATUSES = frozenset({RuleRunStatus.QUEUED, RuleRunStatus.RUNNING})
