"""Forms of the receiving, cycle count and transfer pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class InboundForm(forms.Form):
    client = forms.ModelChoiceField(queryset=None)
    warehouse = forms.ModelChoiceField(queryset=None)
    reference = forms.CharField(max_length=64)
    expected_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    carrier = forms.CharField(max_length=100, required=False)
    lines_text = forms.CharField(required=False, label="Lines (one 'SKU, quantity' per line)",
                                 widget=forms.Textarea(attrs={"rows": 6, "placeholder": "CO-HL-400, 24"}))
    csv_file = forms.FileField(required=False, label="…or a CSV file with columns sku, quantity")

    def __init__(self, *args, clients, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["warehouse"].queryset = warehouses

    def clean(self):
        data = super().clean()
        if not data.get("lines_text", "").strip() and not data.get("csv_file"):
            raise forms.ValidationError("Type the lines or upload a CSV file.")
        return data


class ScanForm(forms.Form):
    code = forms.CharField(max_length=64, label=_("Scan SKU or barcode"),
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off",
                                                         "data-scan-input": True}))
    quantity = forms.IntegerField(min_value=1, max_value=100_000, initial=1, label=_("Qty"))
    damaged = forms.BooleanField(required=False, label=_("Damaged"))
    location = forms.CharField(max_length=40, required=False, label=_("Location (blank: suggested)"))
    allow_mixing = forms.BooleanField(required=False, label=_("Put it in this bin anyway"))


class InboundReverseForm(forms.Form):
    reason = forms.CharField(max_length=200, label=_("Why is the receipt reversed?"),
                             widget=forms.TextInput(attrs={"placeholder": _("Booked to the wrong client")}))


class CycleCountCreateForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=None)
    abc_class = forms.ChoiceField(required=False, choices=[("", "—"), ("A", "A (fast movers)"), ("B", "B"),
                                                           ("C", "C (slow and unsold)")], label="ABC class")
    locations = forms.CharField(required=False, label="…or location codes (comma separated)")
    approval_threshold = forms.IntegerField(min_value=0, initial=5, label="Approval above (units)")

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses


class TransferForm(forms.Form):
    from_warehouse = forms.ModelChoiceField(queryset=None, label="From")
    to_warehouse = forms.ModelChoiceField(queryset=None, label="To")
    lines_text = forms.CharField(label="Lines (one 'SKU, from location, quantity[, to location]' per line)",
                                 widget=forms.Textarea(attrs={"rows": 5, "placeholder": "CO-HL-400, A-01-01-A, 6"}))
    note = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_warehouse"].queryset = warehouses
        self.fields["to_warehouse"].queryset = warehouses
