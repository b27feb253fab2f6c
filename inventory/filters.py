"""Filters shared by the stock-control pages and the API."""

from __future__ import annotations

import django_filters
from django import forms

from inventory.choices import CountStatus, InboundStatus, StockStatus, TransferStatus
from inventory.figures.read import ORDERINGS, StockFigureFilters
from inventory.models import CycleCount, InboundShipment, Transfer

ORDERING_CHOICES = [(key, key) for key in ORDERINGS] + [(f"-{key}", f"-{key}") for key in ORDERINGS]


class StockFigureFilterForm(forms.Form):
    """The stock page's and /api/v1/stock/'s filters; bad values are form errors (a page message or a 400)."""

    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={"placeholder": "SKU or product", "type": "search"}))
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    warehouse = forms.CharField(required=False, max_length=10)
    status = forms.ChoiceField(required=False, choices=[("", "All")] + StockStatus.choices)
    sku = forms.CharField(required=False, max_length=64)
    ordering = forms.ChoiceField(required=False, choices=ORDERING_CHOICES)

    def to_filters(self) -> StockFigureFilters:
        data = self.cleaned_data
        return StockFigureFilters(
            client_id=data.get("client"), warehouse_code=(data.get("warehouse") or "").strip(),
            status=data.get("status") or "", search=(data.get("q") or "").strip(), sku=(data.get("sku") or "").strip(),
            ordering=data.get("ordering") or "sku",
        )


class InboundShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InboundStatus.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")

    class Meta:
        model = InboundShipment
        fields = ["client", "status", "warehouse", "reference"]


class CycleCountFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CountStatus.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")

    class Meta:
        model = CycleCount
        fields = ["status", "warehouse"]


class TransferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TransferStatus.choices)
    from_warehouse = django_filters.CharFilter(field_name="from_warehouse__code")
    to_warehouse = django_filters.CharFilter(field_name="to_warehouse__code")

    class Meta:
        model = Transfer
        fields = ["status", "from_warehouse", "to_warehouse"]
