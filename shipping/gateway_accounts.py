"""Label gateway accounts (EasyPost): a client's own carrier accounts, or a warehouse's, kept with their keys.

The API key and webhook secret are written here and never read back to a page or the API in full
(GatewayAccount.api_key_hint shows the last four characters).
"""

from __future__ import annotations

from django.db import transaction

from shipping.models import GatewayAccount

EDITABLE = ("name", "client", "warehouse", "customs_signer", "base_url", "is_active")


@transaction.atomic
def gateway_account_save(*, account: GatewayAccount | None = None, data: dict, user=None) -> GatewayAccount:
    """Create a gateway account, or update one; an empty api_key or webhook_secret keeps the stored one.

    `data` holds the EDITABLE fields, `api_key`, `webhook_secret` and `carriers`. Raises ValueError when a new
    account has no API key.
    """
    account = account if account is not None else GatewayAccount()
    for name in EDITABLE:
        if name in data:
            setattr(account, name, data[name])
    for secret in ("api_key", "webhook_secret"):
        value = (data.get(secret) or "").strip()
        if value:
            setattr(account, secret, value)
    if not account.api_key:
        raise ValueError("Give the account's EasyPost API key.")
    account.full_clean(exclude=["carriers"])
    account.save()
    if "carriers" in data:
        account.carriers.set(data["carriers"])
    return account
