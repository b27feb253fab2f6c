from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from core.storage import PrivateName
from inventory.models import Client, Product, StockMovement
from orders.models import Order, OrderLine
from returns.choices import (
    NOTHING_TO_SEND_BACK,
    RECEIVABLE_STATUSES,
    RETURN_TRANSITIONS,
    CaseStatus,
    Disposition,
    RefundStatus,
    Resolution,
    ReturnReason,
    ReturnSource,
    ReturnStatus,
)
from warehouses.models import Location, Warehouse


class ReturnPolicy(TimeStamped):
    """A client's return rules: the window, and per reason a free label and a restocking fee."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="return_policy")
    window_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after delivery (or shipping, until delivered) in which a return may be opened."
    )
    auto_authorise = models.BooleanField(
        default=True, help_text="Authorise customers' self-service returns inside the window at once."
    )
    label_fee = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("7.50"), validators=[MinValueValidator(0)],
        help_text="Deducted from the refund when no reason of the return earns a free label.",
    )
    survey_enabled = models.BooleanField(default=True, help_text="Email the “how did we do?” survey.")
    survey_delay_days = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(60)], help_text="Days after delivery to email the survey."
    )

    class Meta:
        verbose_name_plural = "return policies"
        constraints = [models.CheckConstraint(condition=Q(label_fee__gte=0), name="return_policy_label_fee_not_negative")]

    def __str__(self) -> str:
        return f"Return policy of {self.client}"


class ReturnReasonRule(models.Model):
    """How one reason is treated under a client's policy."""

    policy = models.ForeignKey(ReturnPolicy, on_delete=models.CASCADE, related_name="reason_rules")
    reason = models.CharField(max_length=30, choices=ReturnReason.choices)
    free_label = models.BooleanField(default=False)
    restocking_fee_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent of the item price kept back from the refund.",
    )

    class Meta:
        ordering = ["policy", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "reason"], name="return_reason_rule_unique"),
            models.CheckConstraint(
                condition=Q(restocking_fee_percent__gte=0) & Q(restocking_fee_percent__lte=100),
                name="return_reason_rule_fee_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.client}: {self.reason}"


class ReturnAuthorization(TimeStamped):
    """A return (RMA): which units of an order come back, why, and what happened to them."""

    number = models.CharField(max_length=20, unique=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="returns")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="returns",
        help_text="Where the parcel goes back to.",
    )
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED,
                              db_index=True)
    source = models.CharField(max_length=20, choices=ReturnSource.choices)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_note = models.TextField(blank=True)
    decision_note = models.TextField(blank=True, help_text="Why it was rejected or closed.")
    free_label = models.BooleanField(default=False)
    label_carrier = models.CharField(max_length=100, blank=True)
    label_service = models.CharField(max_length=100, blank=True)
    label_tracking_number = models.CharField(max_length=40, blank=True)
    label_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    label_emailed_at = models.DateTimeField(null=True, blank=True)
    label_pdf = models.FileField(upload_to=PrivateName("return-labels"), blank=True,
                                 help_text="The return label as printed and emailed (rendered once).")
    exchange_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="exchange_for",
        help_text="The replacement order of exchanged units.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    authorised_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Refunded, closed or rejected.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["warehouse", "status"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    def can_transition_to(self, status: str) -> bool:
        return status in RETURN_TRANSITIONS.get(self.status, frozenset())

    @property
    def can_authorise(self) -> bool:
        return self.can_transition_to(ReturnStatus.AUTHORISED)

    @property
    def can_reject(self) -> bool:
        return self.can_transition_to(ReturnStatus.REJECTED)

    @property
    def can_close(self) -> bool:
        return self.can_transition_to(ReturnStatus.CLOSED)

    @property
    def label_service_name(self) -> str:
        """The label's carrier and service as printed, the carrier said once ("USPS Ground Advantage")."""
        carrier, service = self.label_carrier, self.label_service
        if not service:
            return carrier
        return service if service.upper().startswith(carrier.upper()) else f"{carrier} {service}".strip()

    @property
    def can_print_label(self) -> bool:
        """The customer still has to send the parcel: the label is there to print."""
        return self.status in (ReturnStatus.AUTHORISED, ReturnStatus.IN_TRANSIT)

    @property
    def can_receive(self) -> bool:
        return self.status in RECEIVABLE_STATUSES

    @property
    def can_finish_inspection(self) -> bool:
        return self.status == ReturnStatus.RECEIVED

    @property
    def all_items_in(self) -> bool:
        """Every unit the customer was to send back has been scanned at the desk."""
        return not any(line.outstanding > 0 for line in self.lines.all())

    @property
    def can_refund(self) -> bool:
        return self.can_transition_to(ReturnStatus.REFUNDED)


class ReturnLine(TimeStamped):
    """Units of one order line the customer sends back, with the reason."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    reason = models.CharField(max_length=30, choices=ReturnReason.choices, db_index=True)
    reason_note = models.CharField(max_length=500, blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, default=Resolution.REFUND)
    exchange_product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    received_quantity = models.PositiveIntegerField(default=0)
    missing_quantity = models.PositiveIntegerField(default=0, help_text="Expected but not in the parcel.")

    class Meta:
        ordering = ["rma", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive"),
            models.CheckConstraint(condition=Q(received_quantity__lte=models.F("quantity")),
                                   name="return_line_received_at_most_expected"),
            models.CheckConstraint(
                condition=Q(resolution=Resolution.REFUND) | Q(exchange_product__isnull=False),
                name="return_line_exchange_has_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.sku} ({self.reason})"

    @property
    def expects_units(self) -> bool:
        return self.reason not in NOTHING_TO_SEND_BACK

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received_quantity if self.expects_units else 0


class ReturnUnit(models.Model):
    """One scan at the returns desk: what came back, how it was inspected and where it went."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="units")
    line = models.ForeignKey(ReturnLine, null=True, blank=True, on_delete=models.PROTECT, related_name="units",
                             help_text="Empty for an item that was not expected.")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    disposition = models.CharField(max_length=20, choices=Disposition.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    condition_note = models.CharField(max_length=500, blank=True)
    in_movement = models.ForeignKey(StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    out_movement = models.ForeignKey(StockMovement, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    inspected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rma", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="return_unit_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} → {self.disposition}"

    @property
    def expected(self) -> bool:
        return self.line_id is not None


class ReturnEvent(models.Model):
    """The return's timeline: every status change and every decision, with who and when."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReturnStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReturnStatus.choices, blank=True)
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=100, blank=True, help_text="Who acted when it was not a user.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.rma_id}: {self.from_status} → {self.to_status}"

    @property
    def who(self) -> str:
        if self.user_id:
            return self.user.get_username()
        return self.actor or "system"


class Refund(TimeStamped):
    """The money going back for a return, as computed from what was received, and its storefront call."""

    rma = models.OneToOneField(ReturnAuthorization, on_delete=models.PROTECT, related_name="refund")
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    restocking_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    label_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="The storefront's id of the refund.")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_not_negative"),
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="refund_subtotal_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} for {self.rma}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    return_line = models.ForeignKey(ReturnLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    fee = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["refund", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.return_line_id}: {self.amount}"


class FeedbackSurvey(TimeStamped):
    """The “how did we do?” survey of one order: emailed once, answered once."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="feedback_survey")
    email = models.EmailField()
    nonce = models.CharField(max_length=32, help_text="Part of the signed link; a new link needs a new nonce.")
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    problems = models.JSONField(default=list, blank=True, help_text="SurveyProblem values.")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="survey_rating_one_to_five"),
        ]

    def __str__(self) -> str:
        return f"Survey of {self.order}"


class FeedbackCase(TimeStamped):
    """A “something was wrong” survey answer, for a manager to follow up."""

    survey = models.OneToOneField(FeedbackSurvey, on_delete=models.CASCADE, related_name="case")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="feedback_cases")
    problems = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Case for {self.order}"
