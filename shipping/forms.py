from decimal import Decimal

from django import forms

from orders.choices import ServiceLevel
from shipping.choices import WaveSplit


class WarehouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}"


class ReleaseForm(forms.Form):
    """The manager's release form: one order, one cart of small orders, or a wave."""

    KIND_CHOICES = [("single", "Single order"), ("batch", "Batch (one cart)"), ("wave", "Wave")]

    kind = forms.ChoiceField(choices=KIND_CHOICES)
    warehouse = WarehouseChoiceField(queryset=None, required=False, empty_label=None)
    order_number = forms.CharField(required=False, max_length=64, label="Order number",
                                   widget=forms.TextInput(attrs={"placeholder": "e.g. DEMO-1001"}))
    cart_size = forms.IntegerField(required=False, min_value=1, max_value=99, label="Cart size (totes)")
    max_units = forms.IntegerField(required=False, min_value=1, max_value=999, label="Small order: max units")
    service_level = forms.ChoiceField(required=False, choices=[("", "Any service level"), *ServiceLevel.choices])
    cutoff_at = forms.DateTimeField(required=False, label="Received before (carrier cut-off)",
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    split = forms.ChoiceField(required=False, choices=WaveSplit.choices, initial=WaveSplit.CART)

    def __init__(self, *args, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses

    def clean(self):
        data = super().clean()
        if data.get("kind") == "single" and not (data.get("order_number") or "").strip():
            self.add_error("order_number", "Give the order number to release.")
        if data.get("kind") in ("batch", "wave") and not data.get("warehouse"):
            self.add_error("warehouse", "Choose a warehouse.")
        return data


class ScanForm(forms.Form):
    code = forms.CharField(max_length=128, strip=True)


class ShortForm(forms.Form):
    line = forms.IntegerField(min_value=1)
    found = forms.IntegerField(min_value=0, max_value=100_000, required=False, initial=0)


class ZoneLayoutForm(forms.Form):
    """Where one zone's aisles lie on the floor (warehouses.ZoneLayout)."""

    zone = forms.CharField(max_length=20, widget=forms.HiddenInput)
    walk_position = forms.IntegerField(min_value=0, max_value=999, label="Walk position")
    first_aisle_m = forms.DecimalField(required=False, min_value=0, max_value=99999, decimal_places=2,
                                       label="First aisle at (m)")
    aisle_pitch_m = forms.DecimalField(min_value=Decimal("0.5"), max_value=100, decimal_places=2,
                                       label="Aisle pitch (m)")
