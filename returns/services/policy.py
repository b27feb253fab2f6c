"""Each client's return policy: how long a return is open, and per reason the label and the restocking fee."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.exceptions import DomainError
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


@transaction.atomic
def return_policy_update(*, client, rules: dict[str, dict] | None = None, **fields) -> ReturnPolicy:
    """Change a client's policy: fields of ReturnPolicy, and per reason {"free_label", "restocking_fee_percent"}.

    Raises DomainError for an unknown reason or a fee outside 0-100 %.
    """
    policy = return_policy_for_client(client=client)
    for name, value in fields.items():
        setattr(policy, name, value)
    if fields:
        policy.full_clean(exclude=["client"])
        policy.save()
    for reason, values in (rules or {}).items():
        if reason not in ReturnReason.values:
            raise DomainError(f"Unknown return reason {reason!r}.", field="rules")
        fee = Decimal(str(values.get("restocking_fee_percent", 0)))
        if not Decimal("0") <= fee <= Decimal("100"):
            raise DomainError("A restocking fee is a percentage between 0 and 100.", field="rules")
        ReturnReasonRule.objects.update_or_create(
            policy=policy, reason=reason,
            defaults={"free_label": bool(values.get("free_label", False)), "restocking_fee_percent": fee},
        )
    return policy
