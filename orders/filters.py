"""FilterSets of orders and channels, shared by the API and the pages (as NetBox does), scoped to the requesting
user."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from inventory.filters import clients_of
from orders.choices import ChannelKind, OrderStatus
from orders.models import Order, OrderLine, SalesChannel
from orders.selectors import channel_list


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant of a day in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def channels_of(request):
    """The sales channels the requesting user may see: the choices of a channel filter."""
    return channel_list(user=getattr(request, "user", None)) if request else SalesChannel.objects.none()


class OrderFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search",
                                  widget=forms.TextInput(attrs={"placeholder": "Order number, customer or SKU"}))
    # distinct=False: status is a column of the order itself, so no row repeats, and DISTINCT over every
    # column of a wide table would sort the whole match before the page could be cut.
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices, distinct=False)
    channel = django_filters.ModelChoiceFilter(queryset=channels_of, empty_label=_("Any channel"))
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    # Days in the current time zone, compared as instants so that the received_at indexes serve them
    # (received_at__date would convert every row).
    received_from = django_filters.DateFilter(field_name="received_at", method="filter_received_from", label="From",
                                              widget=forms.DateInput(attrs={"type": "date"}))
    received_to = django_filters.DateFilter(field_name="received_at", method="filter_received_to", label="To",
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

    def filter_received_from(self, queryset, name, value):
        return queryset.filter(**{f"{name}__gte": start_of_day(value)})

    def filter_received_to(self, queryset, name, value):
        return queryset.filter(**{f"{name}__lt": start_of_day(value + datetime.timedelta(days=1))})


class SalesChannelFilter(FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=clients_of, empty_label=_("Any client"))
    kind = django_filters.ChoiceFilter(choices=ChannelKind.choices, empty_label=_("Any kind"))

    class Meta:
        model = SalesChannel
        fields = ["client", "kind", "is_active"]
