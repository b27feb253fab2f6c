"""Two people mapping the same SKU for all channels at the same moment give one mapping and one release: the
NULL channel is caught by its own conditional unique constraint (PostgreSQL only)."""

import pytest

from core.exceptions import DomainError
from orders.choices import HoldKind, OrderStatus
from orders.intake.creation import order_create
from orders.models import Hold, SkuMapping
from orders.sku_mappings.services import sku_mapping_create
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ClientFactory, ProductFactory, SalesChannelFactory

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_sku_mapped_twice_at_once_gives_one_mapping_and_one_release():
    client = ClientFactory()
    channel = SalesChannelFactory(client=client)
    tee = ProductFactory(client=client, sku="TS-BLK-M")
    orders = [order_create(channel=channel, order_number=f"#{n}", lines=[{"sku": "TEE-2024", "quantity": 1}])
              for n in range(3)]
    assert all(o.status == OrderStatus.ON_HOLD for o in orders)

    results, errors = run_together([
        lambda: sku_mapping_create(client=client, external_sku="TEE-2024", product=tee),
        lambda: sku_mapping_create(client=client, channel=None, external_sku="TEE-2024", product=tee),
    ])

    assert len(results) == 1
    assert [type(e) for e in errors] == [DomainError]
    assert errors[0].field == "external_sku"
    assert SkuMapping.objects.count() == 1
    for order in orders:
        # (routing may hold it again for its own reasons: these orders have no address)
        assert order.lines.get().product == tee
        assert not Hold.objects.filter(order=order, kind=HoldKind.UNKNOWN_SKU, released_at__isnull=True).exists()
        assert Hold.objects.filter(order=order, kind=HoldKind.UNKNOWN_SKU, released_at__isnull=False).count() == 1
        assert order.events.filter(from_status=OrderStatus.ON_HOLD, to_status=OrderStatus.RECEIVED).count() == 1
