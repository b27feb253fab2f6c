from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStamped


class SkuMapping(TimeStamped):
    """A storefront's SKU that means one of the client's products, on one channel or on all of them.

    Intake consults these before matching the SKU to a product's own SKU: the channel's mapping first, then
    the client-wide one.
    """

    client = models.ForeignKey("inventory.Client", on_delete=models.CASCADE, related_name="sku_mappings")
    channel = models.ForeignKey(
        "orders.SalesChannel", null=True, blank=True, on_delete=models.CASCADE, related_name="sku_mappings",
        help_text="Only orders of this channel; empty means every channel of the client.",
    )
    external_sku = models.CharField(max_length=64, help_text="The SKU as the storefront sends it.")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="sku_mappings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["client", "external_sku", "channel", "id"]
        constraints = [
            # NULL channels are never equal in a plain unique index: one constraint for each case.
            models.UniqueConstraint(fields=["client", "channel", "external_sku"], condition=Q(channel__isnull=False),
                                    name="sku_mapping_unique_per_channel"),
            models.UniqueConstraint(fields=["client", "external_sku"], condition=Q(channel__isnull=True),
                                    name="sku_mapping_unique_per_client"),
            models.CheckConstraint(condition=~Q(external_sku=""), name="sku_mapping_external_sku_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.external_sku} → {self.product_id}"
