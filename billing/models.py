"""Price lists, billable events, storage snapshots and invoices.

Events and snapshots are facts, never edited: an invoice is a pure function of them and of the price lists in
force on each fact's date, so a draft can be rebuilt at any time and gives the same lines to the cent.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from billing.choices import EventKind, InvoiceStatus, LineCategory, PackagingMode, StoragePeriod, StorageUnit
from core.models import TimeStamped
from inventory.models import Client
from shipping.models import Carrier, CarrierService
from warehouses.choices import LocationKind
from warehouses.models import Warehouse

ZERO = Decimal("0")


def money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=4, default=ZERO, validators=[MinValueValidator(0)],
                               **kwargs)


class PriceList(TimeStamped):
    """What one client pays for each service from `effective_from` until the next list of the client starts.

    Amounts are in the client's currency. A new list never changes an invoice of an earlier date: each event is
    priced by the list in force on its own date.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="price_lists")
    effective_from = models.DateField()
    note = models.CharField(max_length=255, blank=True)
    # Fulfilment
    order_fee = money(help_text="Per order shipped (its first unit and SKU).")
    extra_unit_fee = money(help_text="Per unit after the first of an order.")
    extra_sku_fee = money(help_text="Per SKU after the first of an order.")
    extra_box_fee = money(help_text="Multi-box surcharge: per box after the first of an order.")
    # Packaging
    packaging_mode = models.CharField(max_length=20, choices=PackagingMode.choices, default=PackagingMode.COST_PLUS)
    packaging_markup_pct = money(help_text="Cost plus: percentage added to each box's cost.")
    packaging_fixed_price = money(help_text="Fixed: price per box.")
    # Shipping (a carrier or service row overrides these)
    shipping_markup_pct = money(help_text="Percentage added to the label cost.")
    shipping_markup_fixed = money(help_text="Amount added to each label.")
    # Receiving
    receiving_order_fee = money(help_text="Per receiving order (ASN) closed.")
    receiving_unit_fee = money(help_text="Per unit received.")
    receiving_carton_fee = money(help_text="Per carton received.")
    receiving_hourly_rate = money(help_text="Per hour of receiving labour over the free allowance.")
    receiving_free_minutes = models.PositiveIntegerField(default=0, help_text="Free labour per receiving order.")
    # Storage (rates per location kind are StorageRate rows)
    storage_free_days = models.PositiveIntegerField(
        default=0, help_text="Units received fewer than this many days before a night are not charged that night.")
    # Returns
    return_fee = money(help_text="Per return processed.")
    return_inspected_unit_fee = money(help_text="Per unit inspected.")
    return_restocked_unit_fee = money(help_text="Per unit restocked.")
    return_disposed_unit_fee = money(help_text="Per unit disposed.")
    # Minimum
    monthly_minimum = money(help_text="An invoice of a whole month below this is topped up to it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["client", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["client", "effective_from"], name="price_list_one_per_client_and_date"),
        ]

    def __str__(self) -> str:
        return f"{self.client} from {self.effective_from:%Y-%m-%d}"

    @property
    def currency(self) -> str:
        return self.client.currency


class StorageRate(models.Model):
    """How one location kind is stored and charged under a price list."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="storage_rates")
    location_kind = models.CharField(max_length=20, choices=LocationKind.choices)
    unit = models.CharField(max_length=20, choices=StorageUnit.choices)
    period = models.CharField(max_length=10, choices=StoragePeriod.choices, default=StoragePeriod.MONTH)
    price = money()

    class Meta:
        ordering = ["price_list", "location_kind"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "location_kind"], name="storage_rate_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.location_kind}: {self.price} {self.unit}/{self.period}"


class ShippingMarkup(models.Model):
    """A carrier's or one service's own label markup, instead of the price list's default."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="shipping_markups")
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(CarrierService, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                help_text="Empty: every service of the carrier.")
    markup_pct = money()
    markup_fixed = money()

    class Meta:
        ordering = ["price_list", "carrier", "service"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "carrier", "service"], name="shipping_markup_unique",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.service or self.carrier}: +{self.markup_pct}% +{self.markup_fixed}"


class ServiceRate(models.Model):
    """The price of one value-added service (kitting, labelling, a special project) per unit of quantity."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="service_rates")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    price = money()

    class Meta:
        ordering = ["price_list", "code"]
        constraints = [models.UniqueConstraint(fields=["price_list", "code"], name="service_rate_unique")]

    def __str__(self) -> str:
        return f"{self.code}: {self.price}"


class BillableEvent(models.Model):
    """One piece of work the client is charged for, written in the transaction that did it. Immutable.

    `sign` is -1 on a reversing event (a voided label, a reversed receipt), which names the event it reverses;
    quantities and costs are always positive and the invoice subtracts them.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    sign = models.SmallIntegerField(default=1, validators=[MinValueValidator(-1), MaxValueValidator(1)])
    occurred_at = models.DateTimeField()
    event_date = models.DateField(help_text="The day it is priced and invoiced by.")
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What caused it (the model label and id), and the event it reverses
    source = models.CharField(max_length=60)
    source_id = models.BigIntegerField()
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    order_id = models.BigIntegerField(null=True, blank=True)
    # Measures; which ones a kind fills is in billing.events
    units = models.PositiveIntegerField(default=0)
    skus = models.PositiveIntegerField(default=0)
    boxes = models.PositiveIntegerField(default=0)
    cartons = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    restocked = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, help_text="Value-added work.")
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO,
                               help_text="What the warehouse paid: the label, or the boxes.")
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(CarrierService, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_code = models.CharField(max_length=40, blank=True, help_text="Value-added service code.")
    note = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-event_date", "-id"]
        constraints = [
            # The work happened once; a signal delivered twice must not charge twice.
            models.UniqueConstraint(fields=["kind", "source", "source_id", "sign"],
                                    condition=~Q(kind=EventKind.VAS), name="billable_event_once_per_cause"),
            models.CheckConstraint(condition=Q(sign__in=[1, -1]), name="billable_event_sign"),
            models.CheckConstraint(condition=Q(sign=1) | Q(reverses__isnull=False),
                                   name="billable_event_reversal_names_event"),
            models.CheckConstraint(condition=Q(quantity__gte=0) & Q(cost__gte=0),
                                   name="billable_event_amounts_not_negative"),
        ]
        indexes = [models.Index(fields=["client", "event_date"], name="billable_event_client_date")]

    def __str__(self) -> str:
        return f"{'-' if self.sign < 0 else ''}{self.get_kind_display()} {self.source}#{self.source_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Billable events are immutable; record a reversing event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Billable events are immutable and cannot be deleted.")


class StorageSnapshotRun(models.Model):
    """That the stock of one night was taken: a second run for the same night finds this row and does nothing."""

    snapshot_date = models.DateField(unique=True)
    from_ledger = models.BooleanField(default=False, help_text="Filled in later from the ledger (a missed night).")
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-snapshot_date"]

    def __str__(self) -> str:
        return f"Storage snapshot {self.snapshot_date}"


class StorageSnapshot(models.Model):
    """What one client had in one kind of location of one warehouse at the end of one day."""

    snapshot_date = models.DateField()
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    location_kind = models.CharField(max_length=20, choices=LocationKind.choices)
    units = models.BigIntegerField()
    bins = models.IntegerField(help_text="Locations holding the client's stock.")
    volume_cm3 = models.BigIntegerField(help_text="Units × each product's volume.")
    new_units = models.BigIntegerField(default=0, help_text="Of the units, received that day.")

    class Meta:
        ordering = ["-snapshot_date", "client", "warehouse", "location_kind"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot_date", "client", "warehouse", "location_kind"],
                                    name="storage_snapshot_once_per_day"),
        ]
        indexes = [models.Index(fields=["client", "snapshot_date"], name="storage_snapshot_client_date")]

    def __str__(self) -> str:
        return f"{self.snapshot_date} {self.client_id} {self.location_kind}: {self.units}"


class InvoiceCounter(models.Model):
    """The last invoice number given; finalising locks this row, so numbers have no gaps and never repeat."""

    name = models.CharField(max_length=20, unique=True, default="invoice")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class Invoice(TimeStamped):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    built_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-period_start", "client", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "period_start", "period_end"],
                                    condition=Q(status=InvoiceStatus.DRAFT), name="invoice_one_draft_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="invoice_period"),
            models.CheckConstraint(condition=Q(status=InvoiceStatus.DRAFT) | Q(number__isnull=False),
                                   name="invoice_final_has_number"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.client} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def can_finalise(self) -> bool:
        return self.is_draft


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    category = models.CharField(max_length=20, choices=LineCategory.choices)
    description = models.CharField(max_length=255)
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    unit_price = models.DecimalField(max_digits=14, decimal_places=6)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    late = models.BooleanField(default=False, help_text="Work of an earlier, already finalised period.")
    price_list = models.ForeignKey(PriceList, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    events = models.ManyToManyField(BillableEvent, through="InvoiceLineEvent", related_name="invoice_lines")

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class InvoiceLineEvent(models.Model):
    """Which events an invoice line bills. A month's invoice writes one row per event, so the rows carry no
    database foreign-key triggers (checked one by one at commit, they cost more than the whole build): events
    are never deleted (BillableEvent.delete refuses), and lines delete their rows with them (Django's cascade)."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    event = models.ForeignKey(BillableEvent, on_delete=models.PROTECT, related_name="+", db_constraint=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "event"], name="invoice_line_event_unique")]

    def __str__(self) -> str:
        return f"line {self.line_id} ← event {self.event_id}"
