from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from inventory.choices import MovementKind
from warehouses.models import Location, TimeStamped, Warehouse

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 currency code, e.g. USD.")


class Client(TimeStamped):
    """A merchant whose goods the warehouse holds and ships."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
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
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["client", "sku"]
        constraints = [models.UniqueConstraint(fields=["client", "sku"], name="product_sku_unique_per_client")]
        indexes = [models.Index(fields=["barcode"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class StockLevel(TimeStamped):
    """Units of one product (and lot) at one location. Written only by inventory.services."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
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

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
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


class UserProfile(TimeStamped):
    """Who a user works for: a client (client users) and, for staff, the warehouses they may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    warehouses = models.ManyToManyField(
        Warehouse, blank=True, related_name="staff", help_text="Empty means every warehouse."
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"
