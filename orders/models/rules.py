from django.conf import settings
from django.db import models
from django.db.models import Q

from orders.choices import OPEN_RULE_RUN_STATUSES, RuleRunStatus


class Rule(models.Model):
    """An if-then rule run on every order when it arrives, before routing: all conditions must hold.

    `conditions` is a list of {"field", "op", "value"}, `actions` a list of {"type", "value"}; both are
    checked by orders.rules.schema whenever orders.rules.services saves the rule, so a stored rule always
    makes sense.
    """

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    client = models.ForeignKey(
        "inventory.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="rules",
        help_text="Empty: the rule runs on every client's orders.",
    )
    position = models.PositiveIntegerField(default=100, help_text="Rules run in ascending position.")
    is_active = models.BooleanField(default=False, help_text="A new rule is a draft until switched on.")
    stop_processing = models.BooleanField(default=False, help_text="When it matches, later rules do not run.")
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list)
    match_count = models.PositiveIntegerField(default=0)
    last_matched_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="rule_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One background re-run of the active rules on the open orders not yet being picked.

    Orders are processed in ascending pk; `last_order_id` is the last one done, written in the same
    transaction as that order's changes, so a run that crashed resumes after it and never applies an order
    twice. Only one run may be open (queued or running) at a time.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        "inventory.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Empty: every client's open orders.",
    )
    status = models.CharField(max_length=10, choices=RuleRunStatus.choices, default=RuleRunStatus.QUEUED)
    orders_considered = models.PositiveIntegerField(default=0)
    orders_matched = models.PositiveIntegerField(default=0)
    orders_changed = models.PositiveIntegerField(default=0)
    actions_applied = models.PositiveIntegerField(default=0, help_text="Changes written, over all orders.")
    orders_held = models.PositiveIntegerField(default=0)
    orders_rerouted = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0, help_text="Orders a rule could not be applied to.")
    last_order_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the run failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open run in the whole house: a constant expression makes every open row collide.
            models.UniqueConstraint(
                models.Value(True), condition=Q(status__in=sorted(OPEN_RULE_RUN_STATUSES)),
                name="one_open_rule_run",
            ),
        ]

    def __str__(self) -> str:
        return f"Rule run #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RULE_RUN_STATUSES


class RuleRunError(models.Model):
    """One order a re-run could not apply the rules to, and why.

    Rows, not a JSON list on the run: each is written in the same transaction as the run's count, links to its
    order without a lookup by number, and the run page reads them in one joined query. Only the first
    RULE_RUN_ERRORS_KEPT of a run are kept; RuleRun.errors stays the exact count.
    """

    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="failures")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "order"], name="one_error_per_order_per_rule_run"),
        ]

    def __str__(self) -> str:
        return f"Rule run #{self.run_id}: order #{self.order_id}: {self.message[:60]}"
