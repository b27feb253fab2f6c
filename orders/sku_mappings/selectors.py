"""Reads of SKU mappings: the list a user may see, and resolving storefront SKUs to products."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from core.access import restrict, user_access
from inventory.models import Product
from orders.sku_mappings.models import SkuMapping


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


def products_for_skus(*, client_id: int, channel_id: int | None, skus: Iterable[str]) -> dict[str, Product]:
    """Resolve storefront SKUs to the client's products: the channel's mapping, then the client-wide mapping,
    then the product with that SKU. SKUs that resolve to nothing are left out. Two queries at most."""
    skus = {sku for sku in skus if sku}
    if not skus:
        return {}
    found: dict[str, Product] = {}
    scope = Q(channel__isnull=True) | Q(channel_id=channel_id) if channel_id else Q(channel__isnull=True)
    mappings = SkuMapping.objects.filter(scope, client_id=client_id, external_sku__in=skus).select_related("product")
    # Client-wide first, so that a channel's own mapping overwrites it.
    for mapping in sorted(mappings, key=lambda m: m.channel_id is not None):
        found[mapping.external_sku] = mapping.product
    rest = skus - set(found)
    if rest:
        found.update({p.sku: p for p in Product.objects.filter(client_id=client_id, sku__in=rest)})
    return found
