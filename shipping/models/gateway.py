"""A multi-carrier label API (EasyPost) account: whose it is, its keys, and which of our carriers it labels."""

from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from inventory.models import Client
from shipping.models.carriers import Carrier
from warehouses.models import Warehouse

EASYPOST_URL = "https://api.easypost.com"


class GatewayAccount(TimeStamped):
    """An EasyPost account that rates and buys labels for one client (their own carrier accounts) or for one
    warehouse. For a shipment the client's account is chosen first, then the warehouse's; a carrier no account
    covers keeps its rate card."""

    name = models.CharField(max_length=100)
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="gateway_accounts")
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="gateway_accounts")
    api_key = models.CharField(max_length=255, help_text="EasyPost API key (test keys start EZTK, production EZAK).")
    webhook_secret = models.CharField(max_length=255, blank=True,
                                      help_text="The secret of the EasyPost webhook that posts tracking events here.")
    customs_signer = models.CharField(max_length=100, blank=True,
                                      help_text="The person who certifies customs declarations of this account.")
    base_url = models.URLField(default=EASYPOST_URL, help_text="EasyPost's API root.")
    carriers = models.ManyToManyField(Carrier, related_name="gateway_accounts",
                                      help_text="Our carriers this account rates and labels.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(client__isnull=False) & Q(warehouse__isnull=True))
                | (Q(client__isnull=True) & Q(warehouse__isnull=False)),
                name="gateway_account_client_or_warehouse",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self):
        return self.client or self.warehouse

    @property
    def api_key_hint(self) -> str:
        """The key as pages show it: never more than its last four characters."""
        return f"••••{self.api_key[-4:]}" if len(self.api_key) > 8 else "••••"

    @property
    def is_test_mode(self) -> bool:
        return self.api_key.startswith("EZTK")
