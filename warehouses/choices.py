from django.db import models


class LocationKind(models.TextChoices):
    PICK = "pick", "Pick face"
    RESERVE = "reserve", "Reserve (overstock)"
    RECEIVING = "receiving", "Receiving dock"
    PACKING = "packing", "Packing area"
    RETURNS = "returns", "Returns area"
