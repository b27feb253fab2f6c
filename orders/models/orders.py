from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import TimeStamped
from inventory.models import Client, Product, StockLevel
from orders.choices import (
    ORDER_TRANSITIONS,
    ChannelKind,
    DeliverySource,
    DeliveryState,
    OrderPriority,
    OrderStatus,
    PaymentStatus,
    ServiceLevel,
)
from warehouses.models import Warehouse


class SalesChannel(TimeStamped):
    """A storefront or intake path of one client: a Shopify shop, a WooCommerce store, CSV, API."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="channels")
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    name = models.CharField(max_length=120)
    store_url = models.URLField(blank=True, help_text="Shop or store base URL, for polling and updates.")
    credentials = models.JSONField(default=dict, blank=True, help_text="API keys or tokens for the storefront.")
    webhook_secret = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["client", "name"]

    def __str__(self) -> str:
        return f"{self.client} / {self.name}"


class Order(TimeStamped):
    # No single-column indexes: order_client_received_idx and order_channel_received_idx lead with them.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="orders", db_index=False)
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders", db_index=False)
    external_id = models.CharField(max_length=100, blank=True, help_text="The storefront's id of the order.")
    order_number = models.CharField(max_length=64)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)
    ship_name = models.CharField(max_length=200, blank=True)
    ship_company = models.CharField(max_length=200, blank=True)
    ship_address1 = models.CharField(max_length=255, blank=True)
    ship_address2 = models.CharField(max_length=255, blank=True)
    ship_city = models.CharField(max_length=100, blank=True)
    ship_state = models.CharField(max_length=50, blank=True, help_text="ISO 3166-2 subdivision code.")
    ship_postal_code = models.CharField(max_length=20, blank=True)
    ship_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    requested_service_level = models.CharField(
        max_length=20, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD
    )
    requested_shipping_method = models.CharField(max_length=200, blank=True, help_text="As the storefront named it.")
    currency = models.CharField(max_length=3, default="USD")
    total_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.RECEIVED)
    hold_reason = models.TextField(blank=True)
    # No single-column index: the (warehouse, status) index leads with it.
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts",
        help_text="The original order, for the parts of a split order.",
    )
    placed_at = models.DateTimeField(null=True, blank=True, help_text="When the customer ordered.")
    received_at = models.DateTimeField(auto_now_add=True, help_text="When Dockhand received it.")
    # Facts that rules and holds look at (orders.rules, orders.holds); intake fills them when the storefront
    # sends them.
    tags = models.JSONField(default=list, blank=True, help_text="Lower-case labels, from the storefront or rules.")
    customer_note = models.TextField(blank=True, help_text="The customer's or storefront's note on the order.")
    payment_status = models.CharField(max_length=20, choices=PaymentStatus.choices, blank=True, default="")
    billing_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    priority = models.PositiveSmallIntegerField(choices=OrderPriority.choices, default=OrderPriority.NORMAL)
    hold_until_date = models.DateField(null=True, blank=True, help_text="Held until this date (inclusive start).")
    # Decisions of rules, honoured by routing (warehouses) and shipping (carrier, service, box).
    forced_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Routing must ship from this warehouse.",
    )
    allowed_warehouses = models.ManyToManyField(
        Warehouse, blank=True, related_name="+", help_text="Routing may only use these; empty means any.",
    )
    carrier_code = models.CharField(max_length=40, blank=True)
    service_code = models.CharField(max_length=40, blank=True)
    box_type_code = models.CharField(max_length=40, blank=True, help_text="Packaging the packer must use.")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(parent__isnull=True) & ~Q(external_id=""),
                name="order_external_id_unique_per_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "status"]),
            models.Index(fields=["order_number"]),
            # The lists' sort (Meta.ordering), alone and under their filters: status, a client user's orders
            # (with and without status), a channel.
            models.Index(fields=["received_at", "id"], name="order_received_idx"),
            models.Index(fields=["status", "received_at", "id"], name="order_status_received_idx"),
            models.Index(fields=["client", "received_at", "id"], name="order_client_received_idx"),
            models.Index(fields=["client", "status", "received_at", "id"], name="order_client_status_recv_idx"),
            models.Index(fields=["channel", "received_at", "id"], name="order_channel_received_idx"),
            # The history that rules and holds look up for each new order: the customer's first order
            # (orders.facts.first_order_ids) and recent orders to one address (orders.holds.checks).
            models.Index(Lower("customer_email"), "client", name="order_customer_email_idx"),
            models.Index(fields=["ship_postal_code", "received_at"], name="order_postal_code_received_idx"),
        ]

    def __str__(self) -> str:
        return f"Order {self.order_number}"

    def can_transition_to(self, status: str) -> bool:
        return status in ORDER_TRANSITIONS.get(self.status, frozenset())

    @property
    def can_cancel(self) -> bool:
        return self.can_transition_to(OrderStatus.CANCELLED)

    @property
    def ship_to_lines(self) -> list[str]:
        city_line = " ".join(p for p in [self.ship_city + ("," if self.ship_city else ""), self.ship_state,
                                         self.ship_postal_code] if p)
        return [p for p in [self.ship_name, self.ship_company, self.ship_address1, self.ship_address2,
                            city_line, self.ship_country] if p]


class OrderLine(TimeStamped):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines",
        help_text="Empty while the SKU is not known for the client (the order is held).",
    )
    sku = models.CharField(max_length=64, help_text="The SKU as the storefront sent it.")
    name = models.CharField(max_length=255, blank=True)
    external_line_id = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    is_insert = models.BooleanField(default=False, help_text="Added by a rule (a flyer or sample), not ordered.")

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class Allocation(TimeStamped):
    """Units of an order line reserved at one stock level (location and lot)."""

    # No single-column index: allocation_unique_per_level leads with it.
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="allocations", db_index=False)
    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
            models.UniqueConstraint(fields=["line", "stock_level"], name="allocation_unique_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id} at stock {self.stock_level_id}"


class OrderEvent(models.Model):
    """The order's timeline: every status change and every decision, with who and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=100, blank=True, help_text="Who acted when it was not a user, e.g. a webhook.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"

    @property
    def who(self) -> str:
        if self.user_id:
            return self.user.get_username()
        return self.actor or "system"


class WebhookDelivery(TimeStamped):
    """One storefront delivery, stored as it arrived before anything else happens.

    Processing (and every retry) starts from this row and its durable job (core.work), so a delivery survives
    a broker outage or a failed processing attempt. Pending with an error: being retried; failed: a person
    has to look.
    """

    # No single-column index: the (channel, state), (channel, source) and (channel, external id) indexes lead with it.
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="deliveries", db_index=False)
    source = models.CharField(max_length=10, choices=DeliverySource.choices, default=DeliverySource.WEBHOOK)
    topic = models.CharField(max_length=100, blank=True)
    delivery_id = models.CharField(max_length=255, blank=True, help_text="X-Shopify-Webhook-Id / "
                                   "X-WC-Webhook-Delivery-ID: the same on every retry of one delivery.")
    event_id = models.CharField(max_length=255, blank=True, help_text="X-Shopify-Event-Id.")
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="The storefront's order id.")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["channel", "delivery_id"], condition=~Q(delivery_id=""),
                                    name="delivery_id_unique_per_channel"),
            models.UniqueConstraint(fields=["channel", "topic", "event_id"], condition=~Q(event_id=""),
                                    name="delivery_event_unique_per_channel_topic"),
        ]
        indexes = [
            models.Index(fields=["channel", "external_id"]),
            # The channel pages: deliveries per state, in all and lately, and the last webhook of each channel.
            models.Index(fields=["channel", "state", "received_at"], name="delivery_channel_state_idx"),
            models.Index(fields=["channel", "source", "received_at"], name="delivery_channel_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic or 'delivery'} #{self.pk} ({self.state})"

    @property
    def can_retry(self) -> bool:
        return self.state in (DeliveryState.FAILED, DeliveryState.PENDING)


class StorefrontOrder(TimeStamped):
    """The storefront's side of one order: which version Dockhand applied last.

    Its row is the lock that serialises concurrent deliveries of the same storefront order, and its
    `source_updated_at` makes a stale or repeated delivery (or `updated` arriving before `create`) a no-op.
    """

    # No single-column index: storefront_order_unique leads with it.
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="storefront_orders",
                                db_index=False)
    external_id = models.CharField(max_length=100)
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="storefront_ref")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    source_status = models.CharField(max_length=40, blank=True)
    found_by_sync = models.BooleanField(default=False, help_text="No webhook delivered it; polling found it.")

    class Meta:
        ordering = ["channel", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="storefront_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class ChannelSync(TimeStamped):
    """Polling state of a Shopify or WooCommerce channel."""

    channel = models.OneToOneField(SalesChannel, on_delete=models.CASCADE, related_name="sync_state")
    cursor_at = models.DateTimeField(null=True, blank=True, help_text="Changes up to here have been fetched.")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    last_sync_orders = models.PositiveIntegerField(default=0, help_text="Orders seen by the last sync.")
    missed_by_webhooks = models.PositiveIntegerField(default=0, help_text="Orders only polling found.")
    last_missed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sync of {self.channel_id}"

