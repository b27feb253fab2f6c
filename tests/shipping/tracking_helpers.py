"""An order really shipped through the pack station (test carrier), in one or more packages."""

from __future__ import annotations

from shipping.carriers.testing import TestCarrierAdapter
from shipping.models import CarrierTracking
from shipping.packing.services import (
    PackageInput,
    pack_scan,
    shipment_label,
    shipment_pack,
    shipment_ship,
    shipment_start,
)
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory, CarrierServiceFactory

WEBHOOK_SECRET = "trk-secret-for-tests"


def tracking_carrier_service(code: str = "UPS", name: str | None = None):
    extra = {"name": name} if name else {}
    service = CarrierServiceFactory(carrier__code=code, transit_days=2, **extra)
    CarrierTracking.objects.update_or_create(carrier=service.carrier, defaults={"webhook_secret": WEBHOOK_SECRET})
    TestCarrierAdapter.scripted_events = {}
    return service




def shipped_order(*, packages: int = 2, packer=None, station: str = "PACK-01", service=None, **order_fields):
    """Return (order, shipment) handed over to the test carrier; with packages=2 each product its own box."""
    service = service or tracking_carrier_service()
    order = make_picked_order(**order_fields)
    box = BoxTypeFactory(warehouse=order.warehouse, code=f"M{order.pk}", inner_length_mm=450, inner_width_mm=350,
                         inner_height_mm=300)
    shipment = shipment_start(order=order, user=packer, station=station)
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            pack_scan(shipment=shipment, barcode=line.product.barcode, user=packer)
    lines = list(order.lines.order_by("pk"))
    if packages == 1:
        inputs = [PackageInput(box_type=box, weight_g=2000, items={ln.product_id: ln.quantity for ln in lines})]
    else:
        inputs = [PackageInput(box_type=box, weight_g=1500, items={ln.product_id: ln.quantity}) for ln in lines]
    shipment = shipment_pack(shipment=shipment, packages=inputs, user=packer)
    shipment = shipment_label(shipment=shipment, user=packer, service=service)
    shipment = shipment_ship(shipment=shipment, user=packer)
    order.refresh_from_db()
    return order, shipment
