from django import forms


class StockFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(
        attrs={"placeholder": "SKU, product or location"}))
    warehouse = forms.CharField(required=False, max_length=10)
