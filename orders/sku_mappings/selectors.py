"""Reads of SKU mappings: the list a user may see, and resolving storefront SKUs to products."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import restrict, user_access
from orders.models import SkuMapping


def sku_mapping_list(*, user) -> QuerySet[SkuMapping]:
    """Mappings the user may see: managers all, a client user its client's; other roles none."""
    access = user_access(user)
    qs = SkuMapping.objects.select_related("client", "channel", "product", "created_by")
    if not (access.is_manager or access.is_client_user):
        return qs.none()
    return restrict(qs, user, client="client", warehouse=None).order_by("client__name", "external_sku", "channel_id", "pk")


def sku_mapping_get(*, user, pk: int) -> SkuMapping:
    """Return one mapping the user may see. Raises SkuMapping.DoesNotExist (a 404, never a 403)."""
    return sku_mapping_list(user=user).get(pk=pk)
