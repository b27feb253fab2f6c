from django.db import models


class HoldKind(models.TextChoices):
    ADDRESS = "address", "Address"
    PAYMENT = "payment", "Payment"
    FRAUD = "fraud", "Fraud review"
    MANUAL = "manual", "Manual"
    CLIENT = "client", "Client request"
    UNTIL_DATE = "until_date", "Until a date"
    RULE = "rule", "Rule"
    UNKNOWN_SKU = "unknown_sku", "Unknown SKU"


# What a client user may release (on its own orders): only what it asked for.
CLIENT_RELEASABLE_KINDS = frozenset({HoldKind.CLIENT})
