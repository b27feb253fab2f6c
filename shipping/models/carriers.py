from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from shipping.choices import CarrierAdapterKind


class Carrier(TimeStamped):
    code = models.CharField(max_length=10, unique=True, help_text="UPS, FEDEX, USPS, DHL.")
    name = models.CharField(max_length=100)
    adapter = models.CharField(max_length=20, choices=CarrierAdapterKind.choices, default=CarrierAdapterKind.RATE_CARD)
    account_number = models.CharField(
        max_length=20, blank=True, help_text="Shipper number / mailer id used in tracking numbers."
    )
    spare_account_numbers = models.CharField(
        max_length=200, blank=True,
        help_text="Further shipper numbers / mailer ids, comma-separated: tracking numbers go on with the next one "
                  "when the one before has used its ten million serials (UPS, USPS).",
    )
    tracking_url = models.CharField(max_length=255, blank=True, help_text="With %s where the number goes.")
    gateway_code = models.CharField(
        max_length=40, blank=True,
        help_text="The carrier's name at the label gateway (EasyPost: USPS, UPS, FedEx, DHLExpress).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    @property
    def spare_accounts(self) -> list[str]:
        return [a.strip() for a in self.spare_account_numbers.replace(";", ",").split(",") if a.strip()]

    def __str__(self) -> str:
        return self.name

    def tracking_link(self, tracking_number: str) -> str:
        return self.tracking_url.replace("%s", tracking_number) if self.tracking_url and tracking_number else ""


class CarrierService(TimeStamped):
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=100)
    transit_days = models.PositiveSmallIntegerField(help_text="Business days door to door.")
    service_code = models.CharField(max_length=3, blank=True, help_text="Carrier's code printed in tracking numbers.")
    dim_divisor = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(1)],
                                      help_text="Cubic inches per pound: 139 UPS/FedEx daily, 166 USPS.")
    dim_min_volume_in3 = models.PositiveIntegerField(
        default=0, help_text="Dimensional weight applies only above this volume (USPS: 1728 in³)."
    )
    fuel_surcharge_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    residential_surcharge = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    gateway_code = models.CharField(
        max_length=60, blank=True,
        help_text="The service's name at the label gateway (EasyPost: GroundAdvantage, Priority, Ground, FEDEX_2_DAY).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["carrier", "transit_days", "code"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "code"], name="carrier_service_code_unique"),
        ]

    def __str__(self) -> str:
        carrier = self.carrier.name
        return self.name if self.name.upper().startswith((carrier.upper(), self.carrier.code)) else f"{carrier} {self.name}"


class RateZone(models.Model):
    """Zone by distance: a destination up to max_miles from the origin is in this zone."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="zones")
    zone = models.PositiveSmallIntegerField()
    max_miles = models.PositiveIntegerField()

    class Meta:
        ordering = ["carrier", "max_miles"]
        constraints = [models.UniqueConstraint(fields=["carrier", "zone"], name="rate_zone_unique")]

    def __str__(self) -> str:
        return f"{self.carrier_id} zone {self.zone} ≤ {self.max_miles} mi"


class RateCardEntry(models.Model):
    """The base price of one service for a billable weight (whole pounds, rounded up) to one zone."""

    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="rates")
    zone = models.PositiveSmallIntegerField()
    weight_lb = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["service", "zone", "weight_lb"]
        constraints = [
            models.UniqueConstraint(fields=["service", "zone", "weight_lb"], name="rate_card_entry_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="rate_card_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} zone {self.zone} {self.weight_lb} lb: {self.price}"


class TrackingSequence(models.Model):
    """The next package serial of a carrier; bumped under a row lock so numbers never repeat."""

    carrier = models.OneToOneField(Carrier, on_delete=models.CASCADE, related_name="tracking_sequence")
    next_value = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.carrier_id}: next {self.next_value}"
