"""Factories for packing and shipping (boxes, carriers, shipments, packages, rates, manifests)."""

from decimal import Decimal

import factory
from django.utils import timezone

from orders.choices import OrderStatus
from shipping.choices import CarrierAdapterKind, ShipmentStatus
from shipping.models import (
    BoxType,
    Carrier,
    CarrierService,
    ClientShippingProfile,
    GatewayAccount,
    Manifest,
    Package,
    PackageItem,
    RateQuote,
    Shipment,
)
from tests.factories import OrderFactory, ProductFactory, WarehouseFactory


class BoxTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoxType

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"BOX{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Box {o.code}")
    inner_length_mm = 300
    inner_width_mm = 200
    inner_height_mm = 150
    wall_mm = 4
    tare_weight_g = 200
    max_weight_g = 20_000
    cost = Decimal("0.80")
    stock_count = 100


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier
        django_get_or_create = ["code"]

    code = "UPS"
    name = factory.LazyAttribute(lambda o: o.code)
    adapter = CarrierAdapterKind.TEST
    account_number = "DH4R21"
    tracking_url = "https://track.example/?n=%s"


class CarrierServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarrierService

    carrier = factory.SubFactory(CarrierFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.LazyAttribute(lambda o: f"{o.carrier.code} service {o.code}")
    transit_days = 5
    service_code = "03"
    dim_divisor = Decimal("139")
    dim_min_volume_in3 = 0


class ClientShippingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientShippingProfile

    client = factory.SubFactory("tests.factories.ClientFactory")


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory, status=OrderStatus.SHIPPED)
    warehouse = factory.SubFactory(WarehouseFactory)
    status = ShipmentStatus.SHIPPED
    service = factory.SubFactory(CarrierServiceFactory)


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    shipment = factory.SubFactory(ShipmentFactory)
    number = 1
    box_type = factory.SubFactory(BoxTypeFactory, warehouse=factory.SelfAttribute("..shipment.warehouse"))
    carrier = factory.SelfAttribute("shipment.service.carrier")
    tracking_number = factory.Sequence(lambda n: f"1Z{n:016d}")


class PackageItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackageItem

    package = factory.SubFactory(PackageFactory)
    product = factory.SubFactory(ProductFactory, client=factory.SelfAttribute("..package.shipment.order.client"))
    quantity = 1


class RateQuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateQuote

    shipment = factory.SubFactory(ShipmentFactory)
    service = factory.SelfAttribute("shipment.service")
    boxes = "S"
    shipping_cost = Decimal("8.50")
    box_cost = Decimal("0.80")
    total = Decimal("9.30")
    chosen = True


class ManifestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Manifest

    carrier = factory.SubFactory(CarrierFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    manifest_date = factory.LazyFunction(timezone.localdate)


class GatewayAccountFactory(factory.django.DjangoModelFactory):
    """An EasyPost account of a warehouse; point base_url at tests.fakes.easypost.FakeEasyPost."""

    class Meta:
        model = GatewayAccount

    name = factory.Sequence(lambda n: f"EasyPost {n}")
    warehouse = factory.SubFactory(WarehouseFactory)
    api_key = "EZTK_fake_key"
    webhook_secret = "whsec_fake_secret"
    customs_signer = "Dana Export"
