"""Every client has a return policy from its creation on (returns.receivers); give one to the clients made before."""

from decimal import Decimal

from django.db import migrations

# The defaults of returns.services.DEFAULT_REASON_RULES when this migration was written: a migration keeps
# the values of its time, whatever the code says later.
DEFAULT_REASON_RULES = {
    "wrong_item": (True, Decimal("0")),
    "damaged": (True, Decimal("0")),
    "defective": (True, Decimal("0")),
    "not_as_described": (True, Decimal("0")),
    "missing_item": (True, Decimal("0")),
    "too_small": (False, Decimal("0")),
    "too_large": (False, Decimal("0")),
    "no_longer_needed": (False, Decimal("15")),
    "other": (False, Decimal("10")),
}


def create_missing_policies(apps, schema_editor):
    Client = apps.get_model("inventory", "Client")
    ReturnPolicy = apps.get_model("returns", "ReturnPolicy")
    ReturnReasonRule = apps.get_model("returns", "ReturnReasonRule")
    for client in Client.objects.filter(return_policy__isnull=True).order_by("pk").iterator():
        policy = ReturnPolicy.objects.create(client=client)
        ReturnReasonRule.objects.bulk_create(
            ReturnReasonRule(policy=policy, reason=reason, free_label=free, restocking_fee_percent=fee)
            for reason, (free, fee) in DEFAULT_REASON_RULES.items()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0004_stock_summary"),
        ("returns", "0002_return_label_pdf"),
    ]

    operations = [
        migrations.RunPython(create_missing_policies, migrations.RunPython.noop),
    ]
