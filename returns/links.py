"""Signed links for customers, who have no login: the chosen order on the self-service page and the
status page of their return. Tokens carry an id and are checked with django.core.signing."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

ORDER_SALT = "dockhand.returns.self-service-order"
RETURN_SALT = "dockhand.returns.customer-return"
ORDER_LINK_MAX_AGE = datetime.timedelta(hours=2)
RETURN_LINK_MAX_AGE = datetime.timedelta(days=120)


def order_token(*, order_id: int) -> str:
    return signing.TimestampSigner(salt=ORDER_SALT).sign(str(order_id))


def order_id_from_token(token: str) -> int | None:
    """The order id of a self-service token, or None when it was altered or is older than two hours."""
    try:
        return int(signing.TimestampSigner(salt=ORDER_SALT).unsign(token, max_age=ORDER_LINK_MAX_AGE))
    except (signing.BadSignature, ValueError):
        return None


def return_token(*, rma_id: int) -> str:
    return signing.TimestampSigner(salt=RETURN_SALT).sign(str(rma_id))


def return_id_from_token(token: str) -> int | None:
    try:
        return int(signing.TimestampSigner(salt=RETURN_SALT).unsign(token, max_age=RETURN_LINK_MAX_AGE))
    except (signing.BadSignature, ValueError):
        return None


def public_url(path: str) -> str:
    return getattr(settings, "DOCKHAND_PUBLIC_URL", "").rstrip("/") + path


def return_status_url(*, rma_id: int) -> str:
    return public_url(reverse("returns:status", kwargs={"token": return_token(rma_id=rma_id)}))


def return_label_url(*, rma_id: int) -> str:
    return public_url(reverse("returns:label", kwargs={"token": return_token(rma_id=rma_id)}))


def return_start_url(*, order_number: str) -> str:
    """The self-service return page with the order number filled in (the customer adds email or postcode)."""
    return public_url(reverse("returns:start") + "?" + urlencode({"order": order_number}))
