"""The FilterSet of SKU mappings, shared by /api/v1/sku-mappings/ and the mappings page."""

from __future__ import annotations

import django_filters

from core.filters import AnyYesNoSelect, FilterSet
from orders.models import SkuMapping


class SkuMappingFilter(FilterSet):
    external_sku = django_filters.CharFilter(lookup_expr="iexact", label="External SKU")
    client_wide = django_filters.BooleanFilter(field_name="channel", lookup_expr="isnull",
                                               label="Only mappings for all channels", widget=AnyYesNoSelect)

    class Meta:
        model = SkuMapping
        fields = ["client", "channel", "external_sku", "product"]
