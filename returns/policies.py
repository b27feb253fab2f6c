"""Each client's return policy: how long a return is open, and per reason whether the label is free and the
restocking fee. Below services and refunds, which both read it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from returns.choices import ReturnReason
from returns.models import ReturnPolicy, ReturnReasonRule

# Reasons that are the warehouse's or the carrier's fault get a free label and no fee by default.
DEFAULT_REASON_RULES: dict[str, tuple[bool, Decimal]] = {
    ReturnReason.WRONG_ITEM: (True, Decimal("0")),
    ReturnReason.DAMAGED: (True, Decimal("0")),
    ReturnReason.DEFECTIVE: (True, Decimal("0")),
    ReturnReason.NOT_AS_DESCRIBED: (True, Decimal("0")),
    ReturnReason.MISSING_ITEM: (True, Decimal("0")),
    ReturnReason.TOO_SMALL: (False, Decimal("0")),
    ReturnReason.TOO_LARGE: (False, Decimal("0")),
    ReturnReason.NO_LONGER_NEEDED: (False, Decimal("15")),
    ReturnReason.OTHER: (False, Decimal("10")),
}


@transaction.atomic
def return_policy_for_client(*, client) -> ReturnPolicy:
    """Return the client's return policy, creating the default one (30 days, fault reasons free) if missing."""
    policy, created = ReturnPolicy.objects.get_or_create(client=client)
    if created:
        ReturnReasonRule.objects.bulk_create(
            ReturnReasonRule(policy=policy, reason=reason, free_label=free, restocking_fee_percent=fee)
            for reason, (free, fee) in DEFAULT_REASON_RULES.items()
        )
    return policy
