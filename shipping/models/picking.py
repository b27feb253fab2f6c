from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TimeStamped
from core.storage import PrivateName
from inventory.models import Product, StockLevel
from orders.choices import ServiceLevel
from orders.models import Order, OrderLine
from shipping.choices import OPEN_PICK_LIST_STATUSES, PickListKind, PickListStatus, ShortPickAction, WaveSplit
from warehouses.models import Location, Warehouse


class Wave(TimeStamped):
    """Allocated orders of one warehouse released together (before a carrier cut-off or of one service
    level), cut into pick lists by zone or cart size."""

    number = models.CharField(max_length=30, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="waves")
    service_level = models.CharField(max_length=20, choices=ServiceLevel.choices, blank=True)
    cutoff_at = models.DateTimeField(null=True, blank=True, help_text="Orders received before this carrier cut-off.")
    split = models.CharField(max_length=10, choices=WaveSplit.choices, default=WaveSplit.CART)
    cart_size = models.PositiveSmallIntegerField(default=8)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    pdf = models.FileField(upload_to=PrivateName("waves"), blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    pdf_paper = models.CharField(max_length=10, blank=True, help_text="The paper size the stored PDF is on.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class PickList(TimeStamped):
    """Work for one picker on one walk: the stops (lines) in walking order, and the orders they serve."""

    number = models.CharField(max_length=30, unique=True, help_text="Printed as a Code 128 barcode.")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="pick_lists")
    kind = models.CharField(max_length=10, choices=PickListKind.choices)
    status = models.CharField(max_length=12, choices=PickListStatus.choices, default=PickListStatus.RELEASED,
                              db_index=True)
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.PROTECT, related_name="pick_lists")
    packing_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+",
                                         help_text="Where picked units go (and stay reserved) for packing.")
    orders = models.ManyToManyField(Order, through="PickListOrder", related_name="pick_lists")
    picker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="pick_lists")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    picked_at = models.DateTimeField(null=True, blank=True, help_text="When the last stop was walked.")
    completed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=PrivateName("pick-lists"), blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    pdf_paper = models.CharField(max_length=10, blank=True, help_text="The paper size the stored PDF is on.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PickListKind.WAVE, wave__isnull=False) | (~Q(kind=PickListKind.WAVE) & Q(wave__isnull=True)),
                name="pick_list_wave_iff_kind_wave",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PICK_LIST_STATUSES

    @property
    def uses_totes(self) -> bool:
        return self.kind != PickListKind.SINGLE

    @property
    def can_start(self) -> bool:
        return self.status == PickListStatus.RELEASED

    @property
    def can_scan(self) -> bool:
        return self.status == PickListStatus.PICKING

    @property
    def can_sort(self) -> bool:
        return self.status == PickListStatus.SORTING

    @property
    def can_cancel(self) -> bool:
        return self.status == PickListStatus.RELEASED


class PickListOrder(TimeStamped):
    """An order on a pick list, with its tote on the cart. The partial unique constraint keeps an order
    on at most one open pick list."""

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        PICKED = "picked", "Picked"
        BACKORDERED = "backordered", "Backordered after a short pick"
        ON_HOLD = "on_hold", "On hold after a short pick"
        DROPPED = "dropped", "Taken off the list"

    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="list_orders")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="pick_list_entries")
    tote = models.PositiveSmallIntegerField(help_text="Numbered tote on the cart; 1 for single lists.")
    is_open = models.BooleanField(default=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default=Outcome.OPEN)
    note = models.TextField(blank=True, help_text="Why the order left the list early (shown to managers).")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pick_list", "tote"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(is_open=True), name="order_on_one_open_pick_list"),
            models.UniqueConstraint(fields=["pick_list", "order"], name="pick_list_order_unique"),
            models.UniqueConstraint(fields=["pick_list", "tote"], name="pick_list_tote_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pick_list_id} tote {self.tote}: order {self.order_id}"


class PickListLine(TimeStamped):
    """One stop: a product at a location, with every order's units there merged into one quantity."""

    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(default=0, help_text="Position on the walking path, from 1.")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    picked_quantity = models.PositiveIntegerField(default=0)
    short_quantity = models.PositiveIntegerField(default=0, help_text="Units not found at the location.")
    location_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pick_list", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pick_list", "location", "product"], name="pick_list_line_unique_stop"),
            models.CheckConstraint(condition=Q(picked_quantity__lte=F("quantity") - F("short_quantity")),
                                   name="pick_list_line_not_overpicked"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} @ {self.location_id}"

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked_quantity - self.short_quantity

    @property
    def is_done(self) -> bool:
        return self.remaining <= 0


class PickListAllocation(models.Model):
    """The link from a stop to an order's reservation (orders.Allocation of order_line at stock_level):
    how many of the stop's units go to which order and tote, and how far they got."""

    line = models.ForeignKey(PickListLine, on_delete=models.CASCADE, related_name="links")
    list_order = models.ForeignKey(PickListOrder, on_delete=models.CASCADE, related_name="links")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="+",
                                    help_text="Where the units were reserved (pick location and lot).")
    quantity = models.PositiveIntegerField()
    picked_quantity = models.PositiveIntegerField(default=0)
    short_quantity = models.PositiveIntegerField(default=0)
    sorted_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["line", "list_order__tote", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "order_line", "stock_level"], name="pick_list_link_unique"),
            models.CheckConstraint(condition=Q(picked_quantity__lte=F("quantity") - F("short_quantity")),
                                   name="pick_list_link_not_overpicked"),
            models.CheckConstraint(condition=Q(sorted_quantity__lte=F("picked_quantity")),
                                   name="pick_list_link_sorted_le_picked"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of order line {self.order_line_id} on stop {self.line_id}"

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked_quantity - self.short_quantity


class ShortPickRule(TimeStamped):
    """A client's rule for orders that cannot be completed after a short pick (default: backorder)."""

    client = models.OneToOneField("inventory.Client", on_delete=models.CASCADE, related_name="short_pick_rule")
    action = models.CharField(max_length=10, choices=ShortPickAction.choices, default=ShortPickAction.BACKORDER)

    def __str__(self) -> str:
        return f"{self.client}: {self.get_action_display()}"
