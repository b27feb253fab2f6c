from django.db import models


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADJUSTMENT = "adjustment", "Adjustment"
    ALLOCATE = "allocate", "Allocated to order"
    DEALLOCATE = "deallocate", "Released from order"
    PICK = "pick", "Picked to packing"
    SHORT_PICK = "short_pick", "Short pick (not found)"
    SHIP = "ship", "Shipped"
    TRANSFER = "transfer", "Transfer"
    COUNT = "count", "Cycle count correction"
    RETURN = "return", "Return restocked"
    DISPOSE = "dispose", "Disposed"


class Role(models.TextChoices):
    PICKER = "picker", "Picker"
    PACKER = "packer", "Packer"
    MANAGER = "manager", "Manager"
    CLIENT = "client", "Client user"


ROLE_GROUP_NAMES: dict[str, str] = {
    Role.PICKER: "Picker",
    Role.PACKER: "Packer",
    Role.MANAGER: "Manager",
    Role.CLIENT: "Client",
}
