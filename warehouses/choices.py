from django.db import models


class LocationKind(models.TextChoices):
    PICK = "pick", "Pick face"
    RESERVE = "reserve", "Reserve (overstock)"
    RECEIVING = "receiving", "Receiving dock"
    PACKING = "packing", "Packing area"
    RETURNS = "returns", "Returns area"
    # A virtual location per warehouse holding units shipped to it by another warehouse and not yet arrived:
    # a transfer moves them source bin -> destination's TRANSIT -> destination bin, so the ledger stays whole.
    TRANSIT = "transit", "In transit (virtual)"
