from django import forms

from orders.models import ChannelStockSync


class StockSyncForm(forms.ModelForm):
    class Meta:
        model = ChannelStockSync
        fields = ["is_enabled", "buffer", "location_id"]
        labels = {"is_enabled": "Push available stock to the storefront", "buffer": "Buffer (units per SKU)",
                  "location_id": "Shopify location id"}


class HoldBackForm(forms.Form):
    sku = forms.CharField(max_length=64, label="Storefront SKU")
    hold_back = forms.IntegerField(min_value=0, required=False, label="Units held back",
                                   help_text="Empty: the channel's buffer.")
