"""Pack stations, their printers and the print jobs sent to them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from shipping.choices import PrinterConnection, PrinterPurpose, PrintJobStatus
from shipping.models.picking import PickList
from shipping.models.shipments import Package, Shipment
from warehouses.models import Warehouse


class PackStation(TimeStamped):
    """A bench of the pack area; a shipment opened there carries its code (Shipment.station)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="pack_stations")
    code = models.CharField(max_length=40, help_text="What packers type or scan as their station, e.g. PACK-01.")
    name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="pack_station_code_unique")]

    def __str__(self) -> str:
        return f"{self.warehouse.code} {self.code}"


class Printer(TimeStamped):
    """A station's label printer (raw ZPL over TCP, port 9100) or laser printer (a CUPS queue)."""

    station = models.ForeignKey(PackStation, on_delete=models.CASCADE, related_name="printers")
    purpose = models.CharField(max_length=20, choices=PrinterPurpose.choices)
    connection = models.CharField(max_length=20, choices=PrinterConnection.choices)
    name = models.CharField(max_length=100, blank=True)
    host = models.CharField(max_length=255, blank=True, help_text="Raw TCP: the printer's address.")
    port = models.PositiveIntegerField(default=9100, help_text="Raw TCP: 9100 on Zebra and most label printers.")
    queue = models.CharField(max_length=127, blank=True, help_text="CUPS: the queue name given to lp -d.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["station", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["station", "purpose"], condition=Q(is_active=True),
                                    name="one_active_printer_per_station_purpose"),
            models.CheckConstraint(
                condition=(Q(connection="raw_tcp") & ~Q(host="") & Q(port__gte=1) & Q(port__lte=65535))
                | (Q(connection="cups") & ~Q(queue="")),
                name="printer_connection_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.station} {self.get_purpose_display()}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}" if self.connection == PrinterConnection.RAW_TCP else f"lp -d {self.queue}"


class PrintJob(TimeStamped):
    """One document sent to one printer: queued as durable work, retried while the printer is off."""

    printer = models.ForeignKey(Printer, on_delete=models.PROTECT, related_name="jobs")
    document = models.CharField(max_length=30)
    package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.CASCADE, related_name="print_jobs")
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="print_jobs")
    pick_list = models.ForeignKey(PickList, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="print_jobs")
    status = models.CharField(max_length=20, choices=PrintJobStatus.choices, default=PrintJobStatus.QUEUED,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Print job {self.pk}: {self.document} on {self.printer}"
