from django import forms

from inventory.models import Client, Product


class CsvUploadForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label=None,
                                    help_text="The merchant whose orders these are.")
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients if clients is not None else Client.objects.none()
        if clients is not None and clients.count() == 1:
            self.fields["client"].widget = forms.HiddenInput()
            self.fields["client"].initial = clients.first().pk


class LineMapForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label="Map to product")

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"].queryset = products
