"""The FilterSet of holds, shared by /api/v1/holds/ and the holds page."""

from __future__ import annotations

import django_filters
from django import forms

from core.filters import AnyYesNoSelect, FilterSet
from orders.choices import HoldKind
from orders.models import Hold

HOLD_STATES = [("open", "Open"), ("released", "Released")]


class HoldFilter(FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=HoldKind.choices, distinct=False,  # a column: no repeats
                                               widget=forms.CheckboxSelectMultiple)
    open = django_filters.BooleanFilter(field_name="released_at", lookup_expr="isnull", label="Open holds only",
                                       widget=AnyYesNoSelect)
    state = django_filters.ChoiceFilter(choices=HOLD_STATES, method="filter_state", empty_label=None,
                                        label="State")

    class Meta:
        model = Hold
        fields = ["order", "rule"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(released_at__isnull=value == "open")
