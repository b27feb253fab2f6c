from django.conf import settings
from django.db import models
from django.db.models import Q


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
