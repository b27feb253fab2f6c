from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from returns.choices import Disposition, Resolution, ReturnReason, SurveyProblem
from returns.services.opening import ReturnLineRequest


class CustomerLookupForm(forms.Form):
    order_number = forms.CharField(
        max_length=64, label="Order number",
        widget=forms.TextInput(attrs={"placeholder": "e.g. #1042", "autocomplete": "off", "inputmode": "text"}),
    )
    email_or_postcode = forms.CharField(
        max_length=254, label="Email or postal code",
        widget=forms.TextInput(attrs={"placeholder": "The email or ZIP code on the order", "autocomplete": "email"}),
    )


class OrderLookupForm(forms.Form):
    order_number = forms.CharField(max_length=64, label="Order number")


def parse_line_requests(data, order_lines, *, allow_exchange_sku: bool = False
                        ) -> tuple[list[ReturnLineRequest], list[str]]:
    """Read the per-item fields (qty_<id>, reason_<id>, note_<id>, resolution_<id>) of a return form.

    Returns the requested lines (items with a quantity above zero) and messages for fields that are wrong.
    """
    requests, errors = [], []
    for line in order_lines:
        raw = (data.get(f"qty_{line.pk}") or "0").strip()
        try:
            quantity = int(raw)
        except ValueError:
            errors.append(f"{line.sku}: the quantity must be a whole number.")
            continue
        if quantity <= 0:
            continue
        reason = data.get(f"reason_{line.pk}", "")
        if reason not in ReturnReason.values:
            errors.append(f"{line.sku}: choose a reason.")
            continue
        resolution = data.get(f"resolution_{line.pk}", Resolution.REFUND) or Resolution.REFUND
        if resolution not in Resolution.values:
            errors.append(f"{line.sku}: choose refund or exchange.")
            continue
        requests.append(ReturnLineRequest(
            order_line_id=line.pk, quantity=quantity, reason=reason,
            reason_note=(data.get(f"note_{line.pk}") or "")[:500], resolution=resolution,
            exchange_sku=(data.get(f"exchange_sku_{line.pk}") or "")[:64] if allow_exchange_sku else "",
        ))
    if not requests and not errors:
        errors.append("Choose at least one item and how many to return.")
    return requests, errors


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "Reason"}))


class NoteForm(forms.Form):
    note = forms.CharField(max_length=1000, required=False, widget=forms.TextInput(attrs={"placeholder": "Note"}))


class ScanReturnForm(forms.Form):
    number = forms.CharField(max_length=40, label=_("RMA number"), widget=forms.TextInput(
        attrs={"autofocus": True, "placeholder": _("Scan the RMA label"), "autocomplete": "off", "data-scan-input": True}))


SUGGESTED = "suggested"


class _SuggestedFirst(ModelChoiceIterator):
    def __iter__(self):
        yield (SUGGESTED, _("Suggested bin for the item (its own bins first)"))
        yield from super().__iter__()


class LocationOrSuggestedField(forms.ModelChoiceField):
    """A location, or SUGGESTED: the putaway suggestion for the product scanned decides."""

    iterator = _SuggestedFirst

    def to_python(self, value):
        return SUGGESTED if value == SUGGESTED else super().to_python(value)

    def validate(self, value):
        if value != SUGGESTED:
            super().validate(value)


class ReceiveUnitForm(forms.Form):
    barcode = forms.CharField(max_length=64, label=_("Item barcode or SKU"), widget=forms.TextInput(
        attrs={"autofocus": True, "placeholder": _("Scan the item"), "autocomplete": "off", "data-scan-input": True}))
    quantity = forms.IntegerField(min_value=1, max_value=999, initial=1)
    disposition = forms.ChoiceField(choices=Disposition.choices, widget=forms.RadioSelect,
                                    initial=Disposition.RESTOCK)
    location = LocationOrSuggestedField(queryset=None, required=False, initial=SUGGESTED,
                                        empty_label=_("Returns area (refurbish, quarantine, dispose)"),
                                        label=_("Put to location"))
    allow_mixing = forms.BooleanField(required=False, label=_("Put it there anyway (the bin holds other stock)"))
    condition_note = forms.CharField(max_length=500, required=False, label=_("Condition / reason"),
                                     widget=forms.TextInput(attrs={"placeholder": _("e.g. sealed, scuffed, torn")}))

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def clean(self):
        data = super().clean()
        if data.get("location") == SUGGESTED and data.get("disposition") != Disposition.RESTOCK:
            data["location"] = None  # the returns area
        if data.get("disposition") == Disposition.RESTOCK and not data.get("location"):
            self.add_error("location", "Choose the location to restock to.")
        if data.get("disposition") == Disposition.DISPOSE and not (data.get("condition_note") or "").strip():
            self.add_error("condition_note", "Say why the item is disposed of.")
        return data


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)], widget=forms.RadioSelect,
        label="How did we do? (5 is best)",
    )
    anything_wrong = forms.TypedChoiceField(
        coerce=lambda v: v == "yes", choices=[("no", "No, all good"), ("yes", "Yes")], widget=forms.RadioSelect,
        label="Was anything wrong with your order?", initial="no",
    )
    problems = forms.MultipleChoiceField(choices=SurveyProblem.choices, widget=forms.CheckboxSelectMultiple,
                                         required=False, label="What was wrong?")
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              label="Anything else you want to tell us?")

    def clean(self):
        data = super().clean()
        if data.get("anything_wrong") and not data.get("problems"):
            self.add_error("problems", "Tick what was wrong.")
        if not data.get("anything_wrong"):
            data["problems"] = []
        return data


class CaseResolveForm(forms.Form):
    note = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={"placeholder": "What was done"}))


class AnalyticsFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(choices=[("month", "By month"), ("week", "By week")], required=False)
    client = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any client")
    warehouse = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any warehouse")

    def __init__(self, *args, clients=None, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["warehouse"].queryset = warehouses
