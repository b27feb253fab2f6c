from django import forms

from inventory.models import Client, Product
from inventory.selectors import product_list
from orders.models import SalesChannel, SkuMapping


class SkuMappingForm(forms.Form):
    external_sku = forms.CharField(label="Storefront SKU",
                                   max_length=SkuMapping._meta.get_field("external_sku").max_length)
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label="Our product")
    channel = forms.ModelChoiceField(queryset=SalesChannel.objects.none(), required=False,
                                     empty_label="All the client's channels", label="For")

    def __init__(self, *args, products=None, channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"].queryset = products
        if channels is not None:
            self.fields["channel"].queryset = channels
        self.fields["product"].label_from_instance = lambda p: f"{p.sku} — {p.name}"


class OrderSkuMapForm(forms.Form):
    """The order page's one form per unknown SKU: which product it is, and how far that answer reaches."""

    CLIENT, CHANNEL, ORDER = "client", "channel", "order"

    external_sku = forms.CharField(widget=forms.HiddenInput,
                                   max_length=SkuMapping._meta.get_field("external_sku").max_length)
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label="Our product")
    scope = forms.ChoiceField(widget=forms.RadioSelect, initial=CLIENT, label="Use it for")

    def __init__(self, *args, order, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["product"].label_from_instance = lambda p: f"{p.sku} — {p.name}"
        self.fields["scope"].choices = [
            (self.CLIENT, f"every order of {order.client.name} (all channels)"),
            (self.CHANNEL, f"every order from the {order.channel.name} channel"),
            (self.ORDER, f"only this order ({order.order_number})"),
        ]


class ClientPickForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, empty_label="Choose a client")

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients


def order_sku_map_form(request, order, data=None) -> OrderSkuMapForm:
    """The order page's form for one unknown SKU: the client's active products, and how far it reaches."""
    return OrderSkuMapForm(
        data,
        auto_id=False,  # one form per unknown SKU on the page: no repeated ids
        order=order,
        products=product_list(user=request.user).filter(client_id=order.client_id, is_active=True).order_by("sku"),
    )

