from django.db import models

from core.models import TimeStamped


class DocumentLock(TimeStamped):
    """One row per stored document ("shipping.wave.pdf:12"): whoever holds its row lock renders the document,
    every other request, process or machine wanting it waits there and then reads the file it wrote."""

    key = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.key
