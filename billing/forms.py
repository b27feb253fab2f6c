from django import forms

from billing.choices import StoragePeriod, StorageUnit
from billing.models import PriceList
from inventory.models import Client
from shipping.models import Carrier, CarrierService
from warehouses.choices import LocationKind


def _money(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(max_digits=12, decimal_places=4, min_value=0, **kwargs)


class DraftForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    period_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="To", required=False,
                                 help_text="Empty: the end of that month.")

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients if clients is not None else Client.objects.none()


class VasForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    service_code = forms.CharField(max_length=40, label="Service code", help_text="As in the price list, e.g. kitting.")
    quantity = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    work_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date")
    note = forms.CharField(max_length=255, help_text="What was done.")

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients if clients is not None else Client.objects.none()


class PriceListForm(forms.ModelForm):
    class Meta:
        model = PriceList
        fields = [f.name for f in PriceList._meta.concrete_fields
                  if f.name not in {"id", "created_by", "created_at", "updated_at"}]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients


class StorageRateForm(forms.Form):
    location_kind = forms.ChoiceField(choices=LocationKind.choices, label="Location kind")
    unit = forms.ChoiceField(choices=StorageUnit.choices, label="Charged")
    period = forms.ChoiceField(choices=StoragePeriod.choices)
    price = _money()


class ShippingMarkupForm(forms.Form):
    carrier = forms.ModelChoiceField(queryset=Carrier.objects.order_by("name"))
    service = forms.ModelChoiceField(queryset=CarrierService.objects.select_related("carrier").order_by(
        "carrier__name", "name"), required=False, empty_label="Every service")
    markup_pct = _money(label="Markup %")
    markup_fixed = _money(label="Per label")


class ServiceRateForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="What staff type when recording the work, e.g. kitting.")
    name = forms.CharField(max_length=120)
    price = _money()
