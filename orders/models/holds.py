from django.conf import settings
from django.db import models
from django.db.models import Q

from orders.choices import HoldKind


class Hold(models.Model):
    """One reason an order is on hold. The order leaves on_hold when its last open hold is released."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(max_length=20, choices=HoldKind.choices)
    reason = models.TextField()
    rule = models.ForeignKey(
        "orders.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="holds",
        help_text="The rule that put the hold on, for rule and until-date holds.",
    )
    until_date = models.DateField(null=True, blank=True, help_text="Released automatically on this date.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=100, blank=True, help_text="Who held it when it was not a user.")
    released_at = models.DateTimeField(null=True, blank=True, db_index=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    release_note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open hold per kind per order (per rule for rule-made holds).
            models.UniqueConstraint(
                fields=["order", "kind"], condition=Q(released_at__isnull=True, rule__isnull=True),
                name="hold_one_open_per_kind",
            ),
            models.UniqueConstraint(
                fields=["order", "kind", "rule"], condition=Q(released_at__isnull=True, rule__isnull=False),
                name="hold_one_open_per_rule",
            ),
            models.CheckConstraint(
                condition=~Q(kind=HoldKind.UNTIL_DATE) | Q(until_date__isnull=False),
                name="hold_until_date_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "released_at"]),
            # The holds page lists open holds oldest first; released ones pile up with every order.
            models.Index(fields=["created_at", "id"], condition=Q(released_at__isnull=True), name="hold_open_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} hold on order {self.order_id}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None

    @property
    def created_by_label(self) -> str:
        if self.created_by_id:
            return self.created_by.get_username()
        return self.actor or "system"
