"""Every list the API's router registers takes as many statements at 3N rows as at N (no query per row), and
none of them writes.

The lists are read from the router itself, so a new list is covered as soon as it is registered; it then needs
a row builder in BUILDERS below (a test says so by name until it has one). Each list is read by a manager, who
sees everything, and, where client users may read it, by a client user whose client owns the rows.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.choices import EventKind
from billing.models import PriceList
from billing.services import invoice_draft, invoice_finalise
from config.api_urls import router
from core.choices import Role
from core.permissions import ALL_ROLES
from inventory.choices import DifferenceKind
from inventory.figures.refresh import stock_summary_refresh_pending
from inventory.models import ReceiptDifference
from orders.sku_mappings.services import sku_mapping_create
from shipping.picking.release import pick_list_release_single
from tests.billing.factories import event, price_list
from tests.conftest import api_client_for
from tests.factories import (
    ClientFactory,
    CycleCountFactory,
    CycleCountLineFactory,
    InboundLineFactory,
    InboundShipmentFactory,
    LocationFactory,
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SalesChannelFactory,
    StockLevelFactory,
    StockMovementFactory,
    TransferFactory,
    TransferLineFactory,
    WarehouseFactory,
    make_user,
)
from tests.returns.factories import delivered_order, open_return
from tests.rules.factories import HoldFactory, RuleFactory, RuleRunFactory
from tests.shipping.factories import allocated_order
from tests.shipping.helpers import packing_location
from tests.shipping.packing_factories import (
    BoxTypeFactory,
    CarrierFactory,
    ManifestFactory,
    PackageFactory,
    PackageItemFactory,
    RateQuoteFactory,
    ShipmentFactory,
)

pytestmark = pytest.mark.django_db

N = 2
# Tables a read may write: /stock/ first folds the queued stock changes into its figures (inventory.figures), a
# cache of the ledger, so that a reader sees every committed change.
DERIVED_TABLES = ("inventory_stocksummarychange", "inventory_stocksummary")
EXTERNAL_SKUS = itertools.count(1)
DAYS = itertools.count(1)
MONTHS = itertools.count(0)


@dataclass
class Scene:
    """What the rows hang on: the client whose user reads client-scoped lists, a warehouse, a manager."""

    client: object
    warehouse: object
    manager: object


def _clients(scene: Scene, n: int) -> None:
    ClientFactory.create_batch(n)


def _channels(scene: Scene, n: int) -> None:
    SalesChannelFactory.create_batch(n, client=scene.client)


def _warehouses(scene: Scene, n: int) -> None:
    WarehouseFactory.create_batch(n)


def _locations(scene: Scene, n: int) -> None:
    LocationFactory.create_batch(n, warehouse=scene.warehouse)


def _products(scene: Scene, n: int) -> None:
    ProductFactory.create_batch(n, client=scene.client)


def _stock_movements(scene: Scene, n: int) -> None:
    for _ in range(n):
        StockMovementFactory(product=ProductFactory(client=scene.client), user=scene.manager,
                             from_location=LocationFactory(warehouse=scene.warehouse),
                             to_location=LocationFactory(warehouse=scene.warehouse))


def _stock_levels(scene: Scene, n: int) -> None:
    for _ in range(n):
        StockLevelFactory(product=ProductFactory(client=scene.client),
                          location=LocationFactory(warehouse=scene.warehouse))
    stock_summary_refresh_pending()  # the figures of /stock/ are kept per product and warehouse


def _orders(scene: Scene, n: int) -> None:
    channel = SalesChannelFactory(client=scene.client)
    for _ in range(n):
        order = OrderFactory(channel=channel, warehouse=scene.warehouse)
        OrderLineFactory.create_batch(2, order=order)
        OrderEventFactory(order=order)


def _inbound(scene: Scene, n: int) -> None:
    for _ in range(n):
        shipment = InboundShipmentFactory(client=scene.client, warehouse=scene.warehouse, created_by=scene.manager)
        InboundLineFactory.create_batch(2, shipment=shipment)
        ReceiptDifference.objects.create(shipment=shipment, kind=DifferenceKind.UNEXPECTED, code="X-1", quantity=1)


def _cycle_counts(scene: Scene, n: int) -> None:
    for _ in range(n):
        CycleCountLineFactory.create_batch(2, count=CycleCountFactory(warehouse=scene.warehouse,
                                                                        created_by=scene.manager))


def _transfers(scene: Scene, n: int) -> None:
    for _ in range(n):
        TransferLineFactory.create_batch(2, transfer=TransferFactory(from_warehouse=scene.warehouse,
                                                                     created_by=scene.manager))


def _users(scene: Scene, n: int) -> None:
    for i in range(n):
        if i % 2:
            make_user(Role.CLIENT, client=scene.client)
        else:
            make_user(Role.PICKER, warehouses=[scene.warehouse])


def _rule_runs(scene: Scene, n: int) -> None:
    RuleRunFactory.create_batch(n, client=scene.client, requested_by=scene.manager)


def _rules(scene: Scene, n: int) -> None:
    RuleFactory.create_batch(n, client=scene.client, created_by=scene.manager, updated_by=scene.manager)


def _holds(scene: Scene, n: int) -> None:
    for _ in range(n):
        HoldFactory(order__channel__client=scene.client, rule=RuleFactory(), created_by=scene.manager)


def _sku_mappings(scene: Scene, n: int) -> None:
    channel = SalesChannelFactory(client=scene.client)
    for i in range(n):
        sku_mapping_create(client=scene.client, channel=channel if i % 2 else None, user=scene.manager,
                           external_sku=f"EXT-{next(EXTERNAL_SKUS)}",
                           product=ProductFactory(client=scene.client))


def _pick_lists(scene: Scene, n: int) -> None:
    packing_location(scene.warehouse)  # where the picked units go
    for _ in range(n):
        product = ProductFactory(client=scene.client)
        order = allocated_order(scene.warehouse, [(product, LocationFactory(warehouse=scene.warehouse), 1)])
        pick_list_release_single(order=order, user=scene.manager)


def _shipments(scene: Scene, n: int) -> None:
    for _ in range(n):
        shipment = ShipmentFactory(order__channel__client=scene.client, warehouse=scene.warehouse,
                                   packed_by=scene.manager)
        PackageItemFactory(package=PackageFactory(shipment=shipment))
        RateQuoteFactory(shipment=shipment)


def _box_types(scene: Scene, n: int) -> None:
    for i in range(n):
        BoxTypeFactory(warehouse=scene.warehouse, client=scene.client if i % 2 else None)


def _manifests(scene: Scene, n: int) -> None:
    for _ in range(n):
        manifest = ManifestFactory(warehouse=scene.warehouse, closed_by=scene.manager)
        PackageFactory(shipment__warehouse=scene.warehouse, manifest=manifest)


def _return_policies(scene: Scene, n: int) -> None:
    ClientFactory.create_batch(n)  # each new client gets its policy


def _returns(scene: Scene, n: int) -> None:
    for _ in range(n):
        order = delivered_order(client=scene.client, warehouse=scene.warehouse)
        open_return(order, [(line, 1, "damaged") for line in order.lines.order_by("pk")], user=scene.manager)


def _price_lists(scene: Scene, n: int) -> None:
    for _ in range(n):
        price_list(scene.client, datetime.date(2020, 1, 1) + datetime.timedelta(days=next(DAYS)),
                   markups=[(CarrierFactory(), None, Decimal("5"), Decimal("0.50"))])


def _billable_events(scene: Scene, n: int) -> None:
    for _ in range(n):
        event(scene.client, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 2), units=3, skus=2, boxes=1,
              warehouse=scene.warehouse)


def _invoices(scene: Scene, n: int) -> None:
    if not PriceList.objects.filter(client=scene.client).exists():
        price_list(scene.client, datetime.date(2020, 1, 1))
    for _ in range(n):
        month = next(MONTHS)
        start = datetime.date(2020 + month // 12, month % 12 + 1, 1)
        event(scene.client, EventKind.ORDER_SHIPPED, start, units=3, skus=2, boxes=1, warehouse=scene.warehouse)
        invoice_finalise(invoice=invoice_draft(client=scene.client, period_start=start))  # a client sees only these


# basename (as registered in config/api_urls.py) -> what makes n more rows of that list
BUILDERS: dict[str, Callable[[Scene, int], None]] = {
    "client": _clients,
    "channel": _channels,
    "warehouse": _warehouses,
    "location": _locations,
    "product": _products,
    "stock-movement": _stock_movements,
    "stock-level": _stock_levels,
    "stock": _stock_levels,
    "order": _orders,
    "inbound": _inbound,
    "cycle-count": _cycle_counts,
    "transfer": _transfers,
    "user": _users,
    "rule-run": _rule_runs,
    "rule": _rules,
    "hold": _holds,
    "sku-mapping": _sku_mappings,
    "pick-list": _pick_lists,
    "shipment": _shipments,
    "box-type": _box_types,
    "manifest": _manifests,
    "return-policy": _return_policies,
    "return": _returns,
    "price-list": _price_lists,
    "billable-event": _billable_events,
    "invoice": _invoices,
}


def registered_lists() -> list[tuple[str, type]]:
    """(basename, viewset) of every router registration that answers a list."""
    return [(basename, viewset) for _, viewset, basename in router.registry if hasattr(viewset, "list")]


def list_readers() -> list:
    params = []
    for basename, viewset in registered_lists():
        params.append(pytest.param(basename, Role.MANAGER, id=f"{basename}-manager"))
        if Role.CLIENT in getattr(viewset, "read_roles", ALL_ROLES):
            params.append(pytest.param(basename, Role.CLIENT, id=f"{basename}-client"))
    return params


def statements_of(api, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["count"] > 0, f"{url} listed nothing: its builder makes rows this reader cannot see"
    return [q["sql"] for q in ctx.captured_queries]


def test_every_registered_list_has_a_row_builder():
    missing = sorted(basename for basename, _ in registered_lists() if basename not in BUILDERS)

    assert not missing, (f"Lists registered in config/api_urls.py without a row builder in {__name__}.BUILDERS: "
                         f"{', '.join(missing)}. Add one that makes n rows of each, so their query count is checked.")


@pytest.mark.parametrize(("basename", "role"), list_readers())
def test_list_takes_the_same_statements_at_n_and_at_three_times_n_rows(basename, role):
    if basename not in BUILDERS:
        pytest.fail(f"/{basename}/ is registered but has no row builder in {__name__}.BUILDERS")
    # Given N rows of the list, read by a manager or by the user of the client owning them
    scene = Scene(client=ClientFactory(), warehouse=WarehouseFactory(), manager=make_user(Role.MANAGER))
    reader = scene.manager if role == Role.MANAGER else make_user(Role.CLIENT, client=scene.client)
    api, url = api_client_for(reader), reverse(f"{basename}-list")
    BUILDERS[basename](scene, N)
    api.get(url)  # the first request of a client loads what later ones find cached
    at_n = statements_of(api, url)

    # When there are three times as many
    BUILDERS[basename](scene, 2 * N)
    at_3n = statements_of(api, url)

    # Then the list takes exactly as many statements, and none of them writes
    assert len(at_3n) == len(at_n), (f"/{basename}/ read by a {role}: {len(at_n)} statements at {N} rows, "
                                     f"{len(at_3n)} at {3 * N}:\n" + "\n".join(at_3n))
    writes = [sql for sql in at_3n if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")
              and not any(f'"{table}"' in sql for table in DERIVED_TABLES)]
    assert not writes, f"/{basename}/ wrote on a GET:\n" + "\n".join(writes)
