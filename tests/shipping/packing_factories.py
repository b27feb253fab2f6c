"""Factories for packing and shipping (boxes, carriers, shipments)."""

from decimal import Decimal

import factory

from shipping.choices import CarrierAdapterKind
from shipping.models import BoxType, Carrier, CarrierService, ClientShippingProfile
from tests.factories import WarehouseFactory


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
