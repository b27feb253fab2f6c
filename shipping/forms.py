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


class GatewayAccountForm(forms.Form):
    """A label gateway account: whose (a client, or a warehouse), its keys (never shown back) and carriers."""

    name = forms.CharField(max_length=100)
    client = forms.ModelChoiceField(queryset=None, required=False, empty_label="—",
                                    help_text="Bring your own carrier account: this client's orders use it first.")
    warehouse = WarehouseChoiceField(queryset=None, required=False, empty_label="—",
                                     help_text="Or the warehouse's account, for every client without their own.")
    api_key = forms.CharField(required=False, max_length=255, label="API key",
                              widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    webhook_secret = forms.CharField(required=False, max_length=255, label="Webhook secret",
                                     widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    customs_signer = forms.CharField(required=False, max_length=100, label="Customs signer",
                                     help_text="Who certifies customs declarations.")
    carriers = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple,
                                              help_text="Carriers this account rates and labels; the others keep "
                                                        "their rate cards.")
    base_url = forms.URLField(initial="https://api.easypost.com", label="API root", assume_scheme="https")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, clients=None, warehouses=None, carriers=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["client"].queryset = clients
        self.fields["warehouse"].queryset = warehouses
        self.fields["carriers"].queryset = carriers
        if editing:
            for name in ("api_key", "webhook_secret"):
                self.fields[name].help_text = "Leave empty to keep the stored one."

    def clean(self):
        data = super().clean()
        if bool(data.get("client")) == bool(data.get("warehouse")):
            self.add_error("client", "Choose either a client or a warehouse.")
        if not self.editing and not (data.get("api_key") or "").strip():
            self.add_error("api_key", "Give the account's EasyPost API key.")
        return data
