from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from core.storage import PrivateName
from inventory.models import Product
from orders.models import Order, SalesChannel
from shipping.choices import (
    OPEN_SHIPMENT_STATUSES,
    SHIPMENT_TRANSITIONS,
    NotificationKind,
    NotificationStatus,
    ScanResult,
    ShipmentStatus,
)
from shipping.models.boxes import BoxType
from shipping.models.carriers import Carrier, CarrierService
from warehouses.models import Warehouse


class Shipment(TimeStamped):
    """One order going out of one warehouse: verified at the pack station, then labelled and handed over."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.PACKING,
                              db_index=True)
    service = models.ForeignKey(CarrierService, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="shipments")
    shipping_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    box_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    rate_reason = models.TextField(blank=True, help_text="Why rate shopping chose this service and box.")
    station = models.CharField(max_length=40, blank=True)
    packed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    packed_at = models.DateTimeField(null=True, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    packing_slip_pdf = models.FileField(upload_to=PrivateName("packing-slips"), blank=True)
    label_error = models.TextField(blank=True, help_text="Why the label gateway refused or has not yet bought the label.")
    planned_packages = models.JSONField(
        default=list, blank=True,
        help_text="Boxes and items given before weighing (the API): [{box_type: id, items: {product id: units}}].")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status__in=sorted(OPEN_SHIPMENT_STATUSES)),
                name="one_open_shipment_per_order",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"])]

    def __str__(self) -> str:
        return f"Shipment {self.pk} of {self.order.order_number}"

    def can_transition_to(self, status: str) -> bool:
        return status in SHIPMENT_TRANSITIONS.get(self.status, frozenset())

    @property
    def total_cost(self) -> Decimal:
        return self.shipping_cost + self.box_cost

    @property
    def labels_printed(self) -> bool:
        """Every package's label was printed (downloaded by the floor), not only bought."""
        packages = list(self.packages.all())
        return bool(packages) and all(p.label_printed_at for p in packages)

    @property
    def status_text(self) -> str:
        if self.status == ShipmentStatus.LABELLED and self.labels_printed:
            return "Label printed"
        return self.get_status_display()


class Package(TimeStamped):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="packages")
    number = models.PositiveSmallIntegerField(help_text="Package n of m.")
    box_type = models.ForeignKey(BoxType, null=True, blank=True, on_delete=models.PROTECT, related_name="packages")
    length_mm = models.PositiveIntegerField(default=0, help_text="Outside dimensions.")
    width_mm = models.PositiveIntegerField(default=0)
    height_mm = models.PositiveIntegerField(default=0)
    weight_g = models.PositiveIntegerField(default=0, help_text="Weighed at the pack station, box included.")
    billable_weight_lb = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="packages")
    tracking_number = models.CharField(max_length=40, blank=True)
    label_pdf = models.FileField(upload_to=PrivateName("labels"), blank=True)
    label_zpl = models.TextField(blank=True)
    gateway_account = models.ForeignKey("shipping.GatewayAccount", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="packages", help_text="The label gateway account it is bought with.")
    gateway_shipment_id = models.CharField(
        max_length=64, blank=True,
        help_text="The gateway's shipment, kept before buying so a retried purchase finds it instead of buying again.")
    gateway_label_url = models.URLField(max_length=500, blank=True, help_text="The gateway's own label image.")
    # Buying a label is not printing it: the first download of the label by the floor is the print.
    label_printed_at = models.DateTimeField(null=True, blank=True)
    label_printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    manifest = models.ForeignKey("shipping.Manifest", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="packages")
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "number"], name="package_number_unique"),
            models.UniqueConstraint(fields=["tracking_number"], condition=~Q(tracking_number=""),
                                    name="package_tracking_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Package {self.number} of shipment {self.shipment_id}"

    @property
    def tracking_link(self) -> str:
        return self.carrier.tracking_link(self.tracking_number) if self.carrier_id else ""


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["package", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="package_item_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class PackScan(models.Model):
    """One barcode scanned at the pack station; refused scans are caught mis-picks that managers count."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="scans")
    barcode = models.CharField(max_length=64)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=20, choices=ScanResult.choices)
    message = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["result", "created_at"])]

    def __str__(self) -> str:
        return f"{self.barcode}: {self.result}"


class RateQuote(models.Model):
    """One option rate shopping compared for a shipment (a service with a box choice), chosen or not."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="rate_quotes")
    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="+")
    boxes = models.CharField(max_length=255, help_text="Box codes of the packages, in order.")
    packages = models.PositiveSmallIntegerField(default=1)
    billable_weight_lb = models.PositiveIntegerField(default=0)
    zone = models.PositiveSmallIntegerField(default=0)
    shipping_cost = models.DecimalField(max_digits=10, decimal_places=2)
    box_cost = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    eligible = models.BooleanField(default=True)
    note = models.CharField(max_length=255, blank=True, help_text="Why it was not eligible, or not chosen.")
    chosen = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-chosen", "-eligible", "total", "id"]

    def __str__(self) -> str:
        return f"{self.service_id} {self.boxes}: {self.total}"


class Manifest(TimeStamped):
    """The end-of-day list of packages one carrier's driver took from one warehouse."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="manifests")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="manifests")
    manifest_date = models.DateField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    pdf = models.FileField(upload_to=PrivateName("manifests"), blank=True)

    class Meta:
        ordering = ["-manifest_date", "carrier", "-id"]

    def __str__(self) -> str:
        return f"{self.carrier.code} manifest {self.manifest_date} ({self.warehouse.code})"


class ShipmentNotification(TimeStamped):
    """The customer email or storefront update of a shipped order, with its attempts and last error."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="notifications")
    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="shipment_notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    status = models.CharField(max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "kind"], name="one_notification_per_kind"),
        ]
        indexes = [models.Index(fields=["channel", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for shipment {self.shipment_id}: {self.status}"
