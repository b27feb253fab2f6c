"""factory-boy factories of the core models; each app's own are here or in tests/<app>/factories.py."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from core.choices import Role
from core.models import UserProfile
from core.services import user_save
from inventory.figures.refresh import stock_summary_mark_changed
from inventory.models import (
    Client,
    CycleCount,
    CycleCountLine,
    InboundLine,
    InboundShipment,
    Product,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from orders.choices import ChannelKind, OrderStatus
from orders.models import Allocation, Order, OrderEvent, OrderLine, SalesChannel
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"W{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
    address_line1 = "100 Industrial Way"
    city = "Salt Lake City"
    state = "UT"
    postal_code = "84120"
    country = "US"
    latitude = Decimal("40.725190")
    longitude = Decimal("-111.985870")
    timezone = "America/Denver"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    warehouse = factory.SubFactory(WarehouseFactory)
    zone = "A"
    aisle = factory.Sequence(lambda n: n % 20 + 1)
    bay = factory.Sequence(lambda n: n % 10 + 1)
    level = "A"
    code = factory.Sequence(lambda n: f"A-{n % 20 + 1:02d}-{n % 10 + 1:02d}-{n:04d}")
    kind = LocationKind.PICK
    walk_sequence = factory.Sequence(lambda n: n * 10)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    code = factory.Sequence(lambda n: f"CLIENT{n}")
    name = factory.Sequence(lambda n: f"Merchant {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    client = factory.SubFactory(ClientFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    barcode = factory.Sequence(lambda n: f"0{n:011d}")
    weight_g = 500
    length_mm = 200
    width_mm = 150
    height_mm = 100
    unit_value = Decimal("19.99")


class StockLevelFactory(factory.django.DjangoModelFactory):
    """Raw stock rows for read tests; tests of stock changes go through inventory.services instead."""

    class Meta:
        model = StockLevel
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    location = factory.SubFactory(LocationFactory)
    on_hand = 10
    allocated = 0

    @factory.post_generation
    def queue_figures(obj, create, extracted, **kwargs):
        # Written around the services, so queue the stock page's refresh as they would.
        if create:
            stock_summary_mark_changed(product_id=obj.product_id, location_ids=[obj.location_id])


class StockMovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockMovement

    product = factory.SubFactory(ProductFactory)
    kind = "adjustment"
    quantity = 1
    to_location = factory.SubFactory(LocationFactory)
    reason = "factory"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            user_save(instance=self, role=extracted, client=kwargs.get("client"),
                      warehouses=kwargs.get("warehouses"))
        elif create:
            self.save()


class UserProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile

    user = factory.SubFactory(UserFactory)


class SalesChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel

    client = factory.SubFactory(ClientFactory)
    kind = ChannelKind.API
    name = factory.Sequence(lambda n: f"Channel {n}")
    webhook_secret = "test-webhook-secret"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    channel = factory.SubFactory(SalesChannelFactory)
    client = factory.SelfAttribute("channel.client")
    external_id = factory.Sequence(lambda n: str(450789469 + n))
    order_number = factory.Sequence(lambda n: f"#{1001 + n}")
    customer_name = "Avery Johnson"
    customer_email = "avery@example.com"
    ship_name = "Avery Johnson"
    ship_address1 = "1200 Senate St"
    ship_city = "Columbia"
    ship_state = "SC"
    ship_postal_code = "29201"
    ship_country = "US"
    status = OrderStatus.RECEIVED


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory, client=factory.SelfAttribute("..order.client"))
    sku = factory.LazyAttribute(lambda o: o.product.sku if o.product else "UNKNOWN")
    quantity = 1
    unit_price = Decimal("19.99")


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    from_status = ""
    to_status = OrderStatus.RECEIVED
    note = "Order received"


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    line = factory.SubFactory(OrderLineFactory)
    stock_level = factory.SubFactory(StockLevelFactory, product=factory.SelfAttribute("..line.product"),
                                     allocated=1)
    quantity = 1


def make_user(role: str, **kwargs):
    """A user with a role (and for client users a client)."""
    if role == Role.CLIENT and "client" not in kwargs:
        kwargs["client"] = ClientFactory()
    params = {f"role__{k}": v for k, v in kwargs.items()}
    return UserFactory(role=role, **params)


class InboundShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundShipment

    client = factory.SubFactory(ClientFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    reference = factory.Sequence(lambda n: f"ASN-{n:05d}")


class InboundLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundLine

    shipment = factory.SubFactory(InboundShipmentFactory)
    product = factory.SubFactory(ProductFactory, client=factory.SelfAttribute("..shipment.client"))
    expected_quantity = 10


class CycleCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleCount

    warehouse = factory.SubFactory(WarehouseFactory)
    basis = "ABC class A"


class CycleCountLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleCountLine

    count = factory.SubFactory(CycleCountFactory)
    location = factory.SubFactory(LocationFactory, warehouse=factory.SelfAttribute("..count.warehouse"))
    product = factory.SubFactory(ProductFactory)


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    from_warehouse = factory.SubFactory(WarehouseFactory)
    to_warehouse = factory.SubFactory(WarehouseFactory)


class TransferLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransferLine

    transfer = factory.SubFactory(TransferFactory)
    product = factory.SubFactory(ProductFactory)
    from_location = factory.SubFactory(LocationFactory, warehouse=factory.SelfAttribute("..transfer.from_warehouse"))
    quantity = 1
