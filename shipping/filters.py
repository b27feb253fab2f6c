"""FilterSets of shipping's lists, shared by the API and the pages (as NetBox does)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from inventory.filters import clients_of
from orders.filters import channels_of
from shipping.choices import (
    OPEN_PICK_LIST_STATUSES,
    NotificationStatus,
    PickListKind,
    PickListStatus,
    ShipmentStatus,
)
from shipping.models import BoxType, Manifest, PickList, Shipment, ShipmentNotification
from warehouses.filters import warehouses_of

OPEN = "open"  # any of OPEN_PICK_LIST_STATUSES: the pick list page's first tab


class PickListFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=[(OPEN, "Open (ready, picking or sorting)"), *PickListStatus.choices], method="filter_status")
    kind = django_filters.ChoiceFilter(choices=PickListKind.choices, empty_label=_("Any kind"))
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    wave = django_filters.CharFilter(field_name="wave__number", label="Wave number")

    class Meta:
        model = PickList
        fields = ["number"]

    def filter_status(self, queryset, name, value):
        statuses = set(value)
        if OPEN in statuses:
            statuses = (statuses - {OPEN}) | OPEN_PICK_LIST_STATUSES
        return queryset.filter(status__in=sorted(statuses))  # a column: no repeats, no DISTINCT


class ShipmentFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ShipmentStatus.choices, distinct=False)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    carrier = django_filters.CharFilter(field_name="service__carrier__code", label="Carrier code")
    tracking_number = django_filters.CharFilter(field_name="packages__tracking_number", distinct=True)
    shipped_after = django_filters.IsoDateTimeFilter(field_name="shipped_at", lookup_expr="gte")

    class Meta:
        model = Shipment
        fields = ["order"]


class ManifestFilter(FilterSet):
    manifest_date = django_filters.DateFilter(widget=forms.DateInput(attrs={"type": "date"}), label="Date")

    class Meta:
        model = Manifest
        fields = ["manifest_date"]


class BoxTypeFilter(FilterSet):
    warehouse = django_filters.ModelChoiceFilter(queryset=warehouses_of, empty_label=_("Any warehouse"))
    client = django_filters.ModelChoiceFilter(queryset=clients_of, empty_label=_("Any client"))

    class Meta:
        model = BoxType
        fields = ["warehouse", "client", "is_active"]


class NotificationFilter(FilterSet):
    """The notifications page's filters (it has no API list)."""

    channel = django_filters.ModelChoiceFilter(queryset=channels_of, empty_label=_("Any channel"))
    failed = django_filters.BooleanFilter(method="filter_failed", widget=forms.CheckboxInput,
                                          label="Only failures")

    class Meta:
        model = ShipmentNotification
        fields = ["channel"]

    def filter_failed(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.RETRYING])
