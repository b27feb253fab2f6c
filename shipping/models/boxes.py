from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from core.storage import PrivateName
from inventory.models import Client
from warehouses.models import Warehouse


class BoxType(TimeStamped):
    """A carton a warehouse packs into; with a client set, that client's own (branded) packaging."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="box_types")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="box_types",
        help_text="Set for a client's custom packaging: used only for that client's orders, preferred when it fits.",
    )
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    inner_length_mm = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    inner_width_mm = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    inner_height_mm = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    wall_mm = models.PositiveIntegerField(
        default=4, help_text="Board thickness; carriers measure the outside, inner + 2 × wall."
    )
    tare_weight_g = models.PositiveIntegerField(default=0)
    max_weight_g = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Gross: contents plus the empty box."
    )
    cost = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"),
                               validators=[MinValueValidator(0)])
    stock_count = models.IntegerField(default=0, help_text="Flat boxes on hand at the warehouse.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse", "client", "inner_length_mm", "inner_width_mm", "inner_height_mm", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="box_type_code_unique_per_warehouse"),
            models.CheckConstraint(condition=Q(stock_count__gte=0), name="box_type_stock_not_negative"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="box_type_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.inner_length_mm}×{self.inner_width_mm}×{self.inner_height_mm} mm)"

    @property
    def outer_dims_mm(self) -> tuple[int, int, int]:
        w = 2 * self.wall_mm
        return (self.inner_length_mm + w, self.inner_width_mm + w, self.inner_height_mm + w)

    @property
    def is_custom(self) -> bool:
        return self.client_id is not None


class ClientShippingProfile(TimeStamped):
    """A client's shipping rules and branding: which carriers it allows or prefers, its packing-slip logo."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="shipping_profile")
    allowed_carriers = models.ManyToManyField(
        "shipping.Carrier", blank=True, related_name="+", help_text="Empty means every active carrier."
    )
    preferred_carrier = models.ForeignKey(
        "shipping.Carrier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preferred_tolerance = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("1.00"), validators=[MinValueValidator(0)],
        help_text="The preferred carrier wins when it costs at most this much more than the cheapest.",
    )
    logo = models.FileField(upload_to=PrivateName("client-logos"), blank=True, help_text="PNG or SVG for packing slips.")
    packing_slip_message = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Shipping profile of {self.client}"
