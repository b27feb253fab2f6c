from django import forms


class ReleaseForm(forms.Form):
    note = forms.CharField(required=False, max_length=255,
                           widget=forms.TextInput(attrs={"placeholder": "Note (optional)"}))


class AddressForm(forms.Form):
    ship_name = forms.CharField(max_length=200, required=False, label="Name")
    ship_company = forms.CharField(max_length=200, required=False, label="Company")
    ship_address1 = forms.CharField(max_length=255, required=False, label="Address")
    ship_address2 = forms.CharField(max_length=255, required=False, label="Address line 2")
    ship_city = forms.CharField(max_length=100, required=False, label="City")
    ship_state = forms.CharField(max_length=50, required=False, label="State")
    ship_postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    ship_country = forms.CharField(max_length=2, min_length=2, label="Country (ISO code)")
    release_anyway = forms.BooleanField(required=False, label="Release even if the address still looks wrong")
