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
