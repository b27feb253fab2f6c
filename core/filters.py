"""The base of every list's FilterSet (pages and API share them): yes/no filters offer Any, Yes and No."""

from __future__ import annotations

import django_filters
from django.db import models
from django.forms import NullBooleanSelect
from django.utils.translation import gettext_lazy as _


class AnyYesNoSelect(NullBooleanSelect):
    """A yes/no filter's choice: Any (not filtered), Yes or No. Django's own says "Unknown" for not filtered,
    which on a filter bar reads as a value of its own."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class FilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": django_filters.BooleanFilter,
                              "extra": lambda field: {"widget": AnyYesNoSelect}},
    }
