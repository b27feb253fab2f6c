import datetime

from django import forms
from django.utils import timezone

from reports.kpis import KpiFilters

MAX_DAYS = 366


class KpiFilterForm(forms.Form):
    """Period and scope of the dashboard and of /api/v1/reports/kpis/ (defaults: the last 14 days)."""

    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    warehouse = forms.ModelChoiceField(queryset=None, required=False, empty_label="All warehouses")
    client = forms.ModelChoiceField(queryset=None, required=False, empty_label="All clients")

    def __init__(self, *args, warehouses, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses
        self.fields["client"].queryset = clients

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - datetime.timedelta(days=13)
        if data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The period must start before it ends.")
        if (data["date_to"] - data["date_from"]).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose a period of at most {MAX_DAYS} days.")
        return data

    def to_filters(self) -> KpiFilters:
        data = self.cleaned_data
        return KpiFilters(date_from=data["date_from"], date_to=data["date_to"],
                          warehouse_id=data["warehouse"].pk if data.get("warehouse") else None,
                          client_id=data["client"].pk if data.get("client") else None)
