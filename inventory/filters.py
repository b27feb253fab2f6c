"""FilterSets of inventory's lists, shared by the stock-control pages and the API; the stock figures' form."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.filters import AnyYesNoSelect, FilterSet
from inventory.choices import CountStatus, InboundStatus, StockStatus, TransferStatus
from inventory.figures.read import ORDERINGS, StockFigureFilters
from inventory.models import Client, CycleCount, InboundShipment, Product, StockLevel, StockMovement, Transfer
from inventory.selectors import client_list

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


def clients_of(request):
    """The clients the requesting user may see: the choices of a client filter."""
    return client_list(user=request.user) if request is not None else Client.objects.none()


class ClientFilter(FilterSet):
    class Meta:
        model = Client
        fields = ["code", "is_active"]


class ProductFilter(FilterSet):
    class Meta:
        model = Product
        fields = {"client": ["exact"], "sku": ["exact"], "barcode": ["exact"], "is_active": ["exact"]}


class StockLevelFilter(FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku")
    client = django_filters.NumberFilter(field_name="product__client")
    warehouse = django_filters.CharFilter(field_name="location__warehouse__code", label="Warehouse code")
    in_stock = django_filters.BooleanFilter(field_name="on_hand", lookup_expr="gt", label="On hand > 0",
                                            method="filter_in_stock", widget=AnyYesNoSelect)

    class Meta:
        model = StockLevel
        fields = {"product": ["exact"], "location": ["exact"], "lot_number": ["exact"]}

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(on_hand__gt=0) if value else queryset.filter(on_hand=0)


class StockMovementFilter(FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = {"product": ["exact"], "kind": ["exact"], "reference": ["exact"]}


class UserFilter(FilterSet):
    class Meta:
        model = get_user_model()
        fields = ["is_active"]


class InboundShipmentFilter(FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=clients_of, empty_label=_("Any client"))
    status = django_filters.ChoiceFilter(choices=InboundStatus.choices, empty_label=_("Any status"))
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")

    class Meta:
        model = InboundShipment
        fields = ["client", "status", "warehouse", "reference"]


class CycleCountFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=CountStatus.choices, empty_label=_("Any status"))
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")

    class Meta:
        model = CycleCount
        fields = ["status", "warehouse"]


class TransferFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=TransferStatus.choices, empty_label=_("Any status"))
    from_warehouse = django_filters.CharFilter(field_name="from_warehouse__code", label="From (warehouse code)")
    to_warehouse = django_filters.CharFilter(field_name="to_warehouse__code", label="To (warehouse code)")

    class Meta:
        model = Transfer
        fields = ["status", "from_warehouse", "to_warehouse"]
