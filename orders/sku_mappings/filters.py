"""The FilterSet of SKU mappings, shared by /api/v1/sku-mappings/ and the mappings page."""

from __future__ import annotations

import django_filters

from orders.models import SkuMapping


class SkuMappingFilter(django_filters.FilterSet):
    external_sku = django_filters.CharFilter(lookup_expr="iexact", label="External SKU")
    client_wide = django_filters.BooleanFilter(field_name="channel", lookup_expr="isnull",
                                               label="Only mappings for all channels")

    class Meta:
        model = SkuMapping
        fields = ["client", "channel", "external_sku", "product"]
