"""FilterSets shared by the billing API and pages."""

import django_filters

from billing.choices import EventKind, InvoiceStatus
from billing.models import BillableEvent, Invoice
from core.filters import FilterSet
from inventory.models import Client


class BillableEventFilter(FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=Client.objects.all())
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    date_after = django_filters.DateFilter(field_name="event_date", lookup_expr="gte", label="From")
    date_before = django_filters.DateFilter(field_name="event_date", lookup_expr="lte", label="To")

    class Meta:
        model = BillableEvent
        fields = ["client", "kind", "date_after", "date_before"]


class InvoiceFilter(FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=Client.objects.order_by("name"))
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)

    class Meta:
        model = Invoice
        fields = ["client", "status"]
