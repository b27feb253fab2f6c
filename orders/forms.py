from django import forms

from orders.choices import OrderStatus


class OrderFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(
        attrs={"placeholder": "Order number, customer or SKU"}))
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *OrderStatus.choices])


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "Reason"}))
