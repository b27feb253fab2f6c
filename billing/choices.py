from django.db import models


class EventKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt closed"
    ORDER_SHIPPED = "order_shipped", "Order shipped"
    LABEL = "label", "Label bought"
    RETURN = "return", "Return processed"
    VAS = "vas", "Value-added service"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINAL = "final", "Finalised"


INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.DRAFT: frozenset({InvoiceStatus.FINAL}),
    InvoiceStatus.FINAL: frozenset(),
}


class PackagingMode(models.TextChoices):
    COST_PLUS = "cost_plus", "Box cost plus a markup"
    FIXED = "fixed", "A fixed price per box"


class StorageUnit(models.TextChoices):
    UNIT = "unit", "Per unit"
    BIN = "bin", "Per bin"
    PALLET = "pallet", "Per pallet position"
    CUBIC_FOOT = "cubic_foot", "Per cubic foot"


class StoragePeriod(models.TextChoices):
    DAY = "day", "Per day"
    MONTH = "month", "Per month"


class LineCategory(models.TextChoices):
    FULFILMENT = "fulfilment", "Fulfilment"
    PACKAGING = "packaging", "Packaging"
    SHIPPING = "shipping", "Shipping"
    RECEIVING = "receiving", "Receiving"
    STORAGE = "storage", "Storage"
    RETURNS = "returns", "Returns"
    VAS = "vas", "Value-added services"
    MINIMUM = "minimum", "Monthly minimum"
