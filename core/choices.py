from django.db import models


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed (needs a person)"


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
