from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStamped
from inventory.choices import (
    INBOUND_OPEN_STATUSES,
    INBOUND_TRANSITIONS,
    CountLineStatus,
    CountStatus,
    DifferenceKind,
    InboundStatus,
    MovementKind,
    StockStatus,
    TransferStatus,
)
from warehouses.models import Location, Warehouse

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 currency code, e.g. USD.")
hs_code_validator = RegexValidator(r"^\d{4}(\.?\d{2}){1,3}$", "Use a 6- to 10-digit HS code, e.g. 6109.10 or 610910.")
country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166-1 country code, e.g. CN.")


class Client(TimeStamped):
    """A merchant whose goods the warehouse holds and ships."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3, default="USD", validators=[currency_validator],
                                help_text="What the client is invoiced in (ISO 4217).")
    is_active = models.BooleanField(default=True)
    # Routing rules (orders.routing reads them).
    allow_split_shipments = models.BooleanField(
        default=False, help_text="Ship what is in stock from several warehouses instead of waiting for one."
    )
    allowed_warehouses = models.ManyToManyField(
        Warehouse, blank=True, related_name="allowed_clients", help_text="Empty means every active warehouse."
    )
    preferred_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.SET_NULL, related_name="preferring_clients",
        help_text="Used whenever it can ship the whole order, even when another warehouse is nearer.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStamped):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    barcode = models.CharField(max_length=64, blank=True, help_text="GTIN / UPC / EAN as printed on the item.")
    weight_g = models.PositiveIntegerField(default=0)
    length_mm = models.PositiveIntegerField(default=0)
    width_mm = models.PositiveIntegerField(default=0)
    height_mm = models.PositiveIntegerField(default=0)
    unit_value = models.DecimalField(max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD", validators=[currency_validator])
    is_lot_tracked = models.BooleanField(default=False, help_text="Allocate first-expired-first-out by lot.")
    hs_code = models.CharField(max_length=14, blank=True, validators=[hs_code_validator],
                               help_text="Harmonized System tariff number (6 to 10 digits) for customs.")
    country_of_origin = models.CharField(max_length=2, blank=True, validators=[country_code_validator],
                                         help_text="Where it was made (ISO 3166-1 alpha-2), for customs.")
    customs_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(0)],
                                        help_text="Value of one unit declared to customs, in the product's currency; "
                                                  "empty: the unit value.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["client", "sku"]
        constraints = [models.UniqueConstraint(fields=["client", "sku"], name="product_sku_unique_per_client")]
        indexes = [models.Index(fields=["barcode"]), models.Index(fields=["sku"], name="product_sku")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def declared_value(self):
        return self.customs_value if self.customs_value is not None else self.unit_value


class StockLevel(TimeStamped):
    """Units of one product (and lot) at one location. Written only by inventory.services."""

    # No single-column index: stock_level_unique leads with it.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels", db_index=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    lot_number = models.CharField(max_length=64, blank=True, default="")
    expiry_date = models.DateField(null=True, blank=True)
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)

    class Meta:
        ordering = ["product", "location"]
        constraints = [
            models.UniqueConstraint(fields=["product", "location", "lot_number"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_allocated_not_negative"),
            models.CheckConstraint(condition=Q(allocated__lte=F("on_hand")), name="stock_available_not_negative"),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.location}: {self.on_hand} on hand, {self.allocated} allocated"


class StockMovement(models.Model):
    """One immutable row of the stock ledger."""

    # No single-column index: the (product, created_at) index leads with it.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements", db_index=False)
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Units moved; positive. Direction comes from the locations.")
    from_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="movements_out"
    )
    to_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="movements_in"
    )
    lot_number = models.CharField(max_length=64, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, help_text="Order, pick list, receipt or count.")
    reason = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive")]
        indexes = [models.Index(fields=["product", "created_at"]), models.Index(fields=["reference"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} × {self.product_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Stock movements are immutable; record a correcting movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stock movements are immutable and cannot be deleted.")


# --- Stock control: receiving, reorder settings, cycle counts, transfers ----------------------------------


class InboundShipment(TimeStamped):
    """An advance shipping notice (ASN): what a client says is on its way to one warehouse."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="inbound_shipments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbound_shipments")
    reference = models.CharField(max_length=64, help_text="The client's ASN or PO number.")
    carrier = models.CharField(max_length=100, blank=True)
    expected_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=InboundStatus.choices, default=InboundStatus.EXPECTED,
                              db_index=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    cartons = models.PositiveIntegerField(default=0, help_text="Cartons unloaded, counted when receiving closes.")
    labour_minutes = models.PositiveIntegerField(default=0, help_text="Receiving labour, entered when it closes.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "reference"], name="inbound_reference_unique_per_client"),
        ]

    def __str__(self) -> str:
        return f"ASN {self.reference}"

    @property
    def ledger_reference(self) -> str:
        return f"ASN-{self.pk}"

    @property
    def can_receive(self) -> bool:
        return self.status in INBOUND_OPEN_STATUSES

    @property
    def can_close(self) -> bool:
        return InboundStatus.CLOSED in INBOUND_TRANSITIONS.get(self.status, frozenset())

    @property
    def all_received(self) -> bool:
        """Every expected unit is in (received or set aside as damaged)."""
        return not any(line.outstanding for line in self.lines.all())

    @property
    def can_reverse(self) -> bool:
        return InboundStatus.REVERSED in INBOUND_TRANSITIONS.get(self.status, frozenset())


class InboundLine(TimeStamped):
    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inbound_lines")
    expected_quantity = models.PositiveIntegerField(default=0, help_text="0 for a SKU that arrived unannounced.")
    received_quantity = models.PositiveIntegerField(default=0, help_text="Good units taken into stock.")
    damaged_quantity = models.PositiveIntegerField(default=0, help_text="Units set aside as damaged.")

    class Meta:
        ordering = ["shipment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "product"], name="inbound_line_unique_product"),
        ]

    def __str__(self) -> str:
        return f"{self.expected_quantity} × {self.product_id}"

    @property
    def outstanding(self) -> int:
        return max(self.expected_quantity - self.received_quantity - self.damaged_quantity, 0)


class ReceiptDifference(TimeStamped):
    """A difference between an ASN and what arrived, reported to the client."""

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="differences")
    line = models.ForeignKey(InboundLine, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="differences")
    kind = models.CharField(max_length=20, choices=DifferenceKind.choices)
    code = models.CharField(max_length=64, blank=True, help_text="SKU or barcode as scanned.")
    quantity = models.PositiveIntegerField()
    note = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        ordering = ["shipment", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="difference_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.code}"


class ReorderSetting(TimeStamped):
    """When and how much to reorder one product for one warehouse (set by a manager or from a suggestion)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reorder_settings")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="reorder_settings")
    reorder_point = models.PositiveIntegerField(help_text="Reorder when available + inbound falls to this.")
    reorder_quantity = models.PositiveIntegerField(help_text="How many to order each time.")
    lead_time_days = models.PositiveIntegerField(default=14, validators=[MinValueValidator(1)])
    service_level = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.950"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
        help_text="Chance of not running out during the lead time (sets the safety stock).",
    )
    is_suggested = models.BooleanField(default=False, help_text="Last set from the velocity suggestion.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["product", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="reorder_setting_unique"),
        ]

    def __str__(self) -> str:
        return f"Reorder {self.product_id}@{self.warehouse_id} at {self.reorder_point}"


class CycleCount(TimeStamped):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="cycle_counts")
    status = models.CharField(max_length=20, choices=CountStatus.choices, default=CountStatus.OPEN, db_index=True)
    basis = models.CharField(max_length=100, help_text="How the lines were chosen, e.g. 'ABC class A'.")
    approval_threshold = models.PositiveIntegerField(
        default=5, help_text="Variances of more units than this wait for a manager's approval.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Count {self.pk} ({self.basis})"

    @property
    def ledger_reference(self) -> str:
        return f"COUNT-{self.pk}"

    @property
    def all_counted(self) -> bool:
        return not self.lines.filter(counted_quantity__isnull=True).exists()


class CycleCountLine(TimeStamped):
    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot_number = models.CharField(max_length=64, blank=True, default="")
    expected_quantity = models.IntegerField(null=True, blank=True, help_text="On hand when counted.")
    counted_quantity = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=CountLineStatus.choices, default=CountLineStatus.PENDING)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    counted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["count", "location__walk_sequence", "location__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "location", "product", "lot_number"], name="count_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}"

    @property
    def variance(self) -> int | None:
        if self.counted_quantity is None or self.expected_quantity is None:
            return None
        return self.counted_quantity - self.expected_quantity


class Transfer(TimeStamped):
    """Stock moved between warehouses (through the destination's virtual TRANSIT location) or locations."""

    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_out")
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(max_length=20, choices=TransferStatus.choices, default=TransferStatus.DRAFT,
                              db_index=True)
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Transfer {self.pk} {self.from_warehouse_id}→{self.to_warehouse_id}"

    @property
    def ledger_reference(self) -> str:
        return f"TRF-{self.pk}"

    @property
    def is_between_warehouses(self) -> bool:
        return self.from_warehouse_id != self.to_warehouse_id


class TransferLine(TimeStamped):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text="Empty: the putaway suggestion decides on arrival.")
    lot_number = models.CharField(max_length=64, blank=True, default="")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["transfer", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class StockDigestDelivery(models.Model):
    """One daily stock digest sent to one address; makes the digest task safe to run twice a day."""

    digest_date = models.DateField()
    recipient = models.EmailField()
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    lines = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-digest_date", "recipient"]
        constraints = [
            models.UniqueConstraint(fields=["digest_date", "recipient"], name="stock_digest_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"Digest {self.digest_date} to {self.recipient}"


# --- Stock figures kept per product and warehouse (inventory.figures) ---------------------------------------


class StockSummary(TimeStamped):
    """The stock page's figures for one product in one warehouse, kept by inventory.figures.

    A cache of what inventory.figures computes from stock levels, the ledger, open ASNs and reorder
    settings, so that the stock page can filter, sort and count a million rows through indexes. Rows are
    refreshed from StockSummaryChange as stock moves, and all of them nightly (sales windows slide).
    """

    # No single-column indexes: stock_summary_unique and stock_summary_wh_status lead with them.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+", db_index=False)
    on_hand = models.IntegerField()
    allocated = models.IntegerField()
    available = models.IntegerField()
    inbound = models.IntegerField()
    sold_30 = models.IntegerField(help_text="Units shipped in the last 30 days.")
    sold_90 = models.IntegerField(help_text="Units shipped in the last 90 days.")
    first_at = models.DateTimeField(null=True, help_text="When the product first had a bin in this warehouse.")
    reorder_point = models.IntegerField()
    reorder_quantity = models.IntegerField()
    has_setting = models.BooleanField(help_text="The reorder point and quantity were set by a manager.")
    days_of_cover = models.FloatField(null=True)
    status = models.CharField(max_length=20, choices=StockStatus.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_summary_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "warehouse"], name="stock_summary_status"),
            models.Index(fields=["warehouse", "status"], name="stock_summary_wh_status"),
            models.Index(fields=["sold_30"], name="stock_summary_sold_30"),
            models.Index(fields=["days_of_cover"], name="stock_summary_cover"),
            models.Index(fields=["available"], name="stock_summary_available"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.warehouse_id}: {self.status}"


class StockSummaryChange(models.Model):
    """A product whose figures in a warehouse changed and are not yet in StockSummary.

    Appended in the same transaction as the change (no unique key, so writers never wait on each other);
    taken off by inventory.figures.refresh.stock_summary_refresh_pending, which the stock page, the API and a
    Celery task all call.
    """

    product_id = models.BigIntegerField()
    warehouse_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.warehouse_id} changed at {self.created_at}"
