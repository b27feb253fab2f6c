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


# Holds that Dockhand puts on by itself when an order arrives; a person's release of one of them is an
# override, so the same check does not put the order back on hold when it is processed again.
AUTOMATIC_HOLD_KINDS = frozenset({HoldKind.ADDRESS, HoldKind.PAYMENT, HoldKind.FRAUD})
# What a client user may release (on its own orders): only what it asked for.
CLIENT_RELEASABLE_KINDS = frozenset({HoldKind.CLIENT})
