"""FilterSets shared by the orders API and the orders page (as NetBox does), scoped to the requesting user."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from orders.choices import OrderStatus
from orders.models import Order, OrderLine, SalesChannel


def _channels(request):
    from orders.selectors import channel_list

    return channel_list(user=getattr(request, "user", None)) if request else SalesChannel.objects.none()


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search",
                                  widget=forms.TextInput(attrs={"placeholder": "Order number, customer or SKU"}))
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    channel = django_filters.ModelChoiceFilter(queryset=_channels, empty_label="Any channel")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    received_from = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte", label="From",
                                              widget=forms.DateInput(attrs={"type": "date"}))
    received_to = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte", label="To",
                                            widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Order
        fields = ["client", "channel", "external_id", "order_number"]

    def filter_search(self, queryset, name, value):
        """Order number or storefront id, customer name or email, or an exact SKU on any line."""
        value = value.strip()
        if not value:
            return queryset
        sku = Exists(OrderLine.objects.filter(order_id=OuterRef("pk"), sku__iexact=value))
        return queryset.filter(
            Q(order_number__icontains=value) | Q(external_id=value) | Q(customer_name__icontains=value)
            | Q(customer_email__icontains=value) | Q(ship_name__icontains=value) | sku
        )
