import datetime
from decimal import Decimal

from django import forms


class PeriodForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError("The period must start before it ends.")
            if end - start > datetime.timedelta(days=731):
                raise forms.ValidationError("Choose a period of at most two years.")
        return data


class ReorderSettingForm(forms.Form):
    reorder_point = forms.IntegerField(min_value=0, max_value=10_000_000)
    reorder_quantity = forms.IntegerField(min_value=0, max_value=10_000_000)
    lead_time_days = forms.IntegerField(min_value=1, max_value=365)
    service_level = forms.DecimalField(min_value=Decimal("0.5"), max_value=Decimal("0.999"), decimal_places=3)
