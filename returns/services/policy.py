"""Changing a client's return policy (returns.policies reads it and creates the default one)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.exceptions import DomainError
from returns.choices import ReturnReason
from returns.models import ReturnPolicy, ReturnReasonRule
from returns.policies import return_policy_for_client


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
