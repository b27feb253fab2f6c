"""Shipping models, one module per feature: add yours as shipping/models/<feature>.py and import it here."""

from shipping.models.boxes import BoxType, ClientShippingProfile
from shipping.models.carriers import Carrier, CarrierService, RateCardEntry, RateZone, TrackingSequence
from shipping.models.documents import DocumentLock
from shipping.models.gateway import GatewayAccount
from shipping.models.picking import (
    PickList,
    PickListAllocation,
    PickListLine,
    PickListOrder,
    ShortPickRule,
    Wave,
)
from shipping.models.printers import PackStation, Printer, PrintJob
from shipping.models.shipments import (
    Manifest,
    Package,
    PackageItem,
    PackScan,
    RateQuote,
    Shipment,
    ShipmentNotification,
)
from shipping.models.tracking import CarrierTracking, PackageTracking, TrackingEvent

__all__ = [
    "BoxType", "ClientShippingProfile",
    "Carrier", "CarrierService", "RateCardEntry", "RateZone", "TrackingSequence",
    "DocumentLock",
    "GatewayAccount",
    "PickList", "PickListAllocation", "PickListLine", "PickListOrder", "ShortPickRule", "Wave",
    "Manifest", "Package", "PackageItem", "PackScan", "RateQuote", "Shipment", "ShipmentNotification",
    "CarrierTracking", "PackageTracking", "TrackingEvent",
    "PackStation", "Printer", "PrintJob",
]
