"""FilterSets of rules and their re-runs, shared by /api/v1/rules/ (and /rules/runs/) and the rules page."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from inventory.filters import clients_of
from orders.models import Rule, RuleRun


class RuleFilter(FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=clients_of, empty_label=_("Any client"))

    class Meta:
        model = Rule
        fields = ["client", "is_active"]


class RuleRunFilter(FilterSet):
    class Meta:
        model = RuleRun
        fields = ["status"]
