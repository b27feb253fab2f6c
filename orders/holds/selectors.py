"""Reads of holds, scoped like orders: a client user sees only its own orders' holds."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from core.access import restrict, user_access
from orders.choices import HoldKind
from orders.models import Hold


def hold_list(*, user) -> QuerySet[Hold]:
    """Holds the user may see: managers all, client users their client's; other roles none."""
    access = user_access(user)
    qs = Hold.objects.select_related("order", "order__client", "rule", "created_by", "released_by")
    if not (access.is_manager or access.is_client_user):
        return qs.none()
    return restrict(qs, user, client="order__client", warehouse=None)


def hold_get(*, user, pk: int) -> Hold:
    """Return one hold the user may see. Raises Hold.DoesNotExist (a 404, never a 403)."""
    return hold_list(user=user).get(pk=pk)


def hold_open_counts(*, user) -> list[tuple[str, str, int]]:
    """(kind, label, number of open holds) for every kind, in the kinds' order."""
    rows = hold_list(user=user).filter(released_at__isnull=True).order_by().values("kind").annotate(n=Count("pk"))
    counts = {r["kind"]: r["n"] for r in rows}
    return [(kind, label, counts.get(kind, 0)) for kind, label in HoldKind.choices]
