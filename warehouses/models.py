from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import TimeStamped
from warehouses.choices import LocationKind


class Warehouse(TimeStamped):
    code = models.CharField(max_length=10, unique=True, help_text="Short code such as SLC or NSH.")
    name = models.CharField(max_length=120)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=50, blank=True, help_text="ISO 3166-2 subdivision code, e.g. UT.")
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2.")
    latitude = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    timezone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(TimeStamped):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=40, help_text="Zone-aisle-bay-level, e.g. A-03-02-B.")
    zone = models.CharField(max_length=20, blank=True)
    aisle = models.PositiveIntegerField(default=0)
    bay = models.PositiveIntegerField(default=0)
    level = models.CharField(max_length=5, blank=True)
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.PICK)
    walk_sequence = models.PositiveIntegerField(
        default=0, help_text="Position on the warehouse's walking path; pick lists sort by it."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse", "walk_sequence", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique_per_warehouse"),
        ]
        indexes = [models.Index(fields=["warehouse", "kind"])]

    def __str__(self) -> str:
        return f"{self.warehouse.code}:{self.code}" if self.warehouse_id else self.code


class ZoneLayout(TimeStamped):
    """Where a zone's aisles lie on the floor, for pick paths (warehouses.walk). Without a row, zones are
    walked in alphabetical order with their aisles 3 m apart, starting at the packing area."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="zone_layouts")
    zone = models.CharField(max_length=20)
    walk_position = models.PositiveSmallIntegerField(
        default=0, help_text="Where the zone comes across the floor from the packing area: lower first; zones with "
                             "the same number follow in alphabetical order.")
    first_aisle_m = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Metres across the floor from the packing area to the zone's lowest-numbered aisle; blank: "
                  "one aisle pitch after the zone before it.")
    aisle_pitch_m = models.DecimalField(
        max_digits=5, decimal_places=2, default=3, validators=[MinValueValidator(Decimal("0.5"))],
        help_text="Metres from one aisle of the zone to the next.")

    class Meta:
        ordering = ["warehouse", "walk_position", "zone"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "zone"], name="zone_layout_unique")]

    def __str__(self) -> str:
        return f"{self.warehouse_id}:{self.zone}"
