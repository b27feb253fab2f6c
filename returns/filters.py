"""FilterSets of returns, shared by the API and the managers' returns page, and of the survey cases page."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from inventory.filters import clients_of
from returns.choices import CaseStatus, ReturnReason, ReturnSource, ReturnStatus
from returns.models import FeedbackCase, ReturnAuthorization
from warehouses.filters import warehouses_of


class ReturnFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search",
                                  widget=forms.TextInput(attrs={"placeholder": "RMA, order or SKU"}))
    client = django_filters.ModelChoiceFilter(queryset=clients_of, empty_label=_("Any client"))
    warehouse = django_filters.ModelChoiceFilter(queryset=warehouses_of, empty_label=_("Any warehouse"))
    # Check boxes in a drop-down (templates/includes/filter_multi.html): a multi-select box shows two options.
    status = django_filters.MultipleChoiceFilter(choices=ReturnStatus.choices, distinct=False,
                                                 widget=forms.CheckboxSelectMultiple)
    reason = django_filters.ChoiceFilter(field_name="lines__reason", choices=ReturnReason.choices,
                                         empty_label=_("Any reason"), distinct=True)
    source = django_filters.ChoiceFilter(choices=ReturnSource.choices, empty_label=_("Any source"))
    order = django_filters.NumberFilter(field_name="order_id", label="Order id")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="From",
                                              widget=forms.DateInput(attrs={"type": "date"}))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="To",
                                               widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = ReturnAuthorization
        fields = ["q", "client", "warehouse", "status", "reason", "source", "created_after", "created_before", "order"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(order__order_number__icontains=value) | Q(lines__product__sku__iexact=value)
            | Q(customer_email__iexact=value)
        ).distinct()


class CaseFilter(FilterSet):
    """The survey cases page's filter (it has no API list)."""

    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, empty_label=_("Any status"))

    class Meta:
        model = FeedbackCase
        fields = ["status"]
