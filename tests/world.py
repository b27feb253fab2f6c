"""A small world with one object of every kind a page is about, and the users of every role who look at it.

The page walks (tests/browser/test_page_layout.py, tests/reports/test_link_walk.py) open every page of the
URLconf; a page whose path needs an id takes it from `World.kwargs`, so a new page is walked as soon as its
URL name is given an object here (the walks fail and say so until it is).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from billing.services import invoice_draft
from core.choices import Role
from orders.choices import OrderStatus
from returns.choices import ReturnReason
from returns.links import order_token, return_token
from returns.surveys import survey_token
from shipping.packing.services import shipment_start
from shipping.picking.release import pick_list_release_single, wave_release
from tests.billing.factories import price_list
from tests.factories import (
    ClientFactory,
    CycleCountFactory,
    CycleCountLineFactory,
    InboundLineFactory,
    InboundShipmentFactory,
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    SalesChannelFactory,
    TransferFactory,
    TransferLineFactory,
    WarehouseFactory,
    make_user,
)
from tests.returns.factories import FeedbackSurveyFactory, delivered_order, open_return
from tests.rules.factories import HoldFactory, RuleFactory, RuleRunFactory
from tests.shipping.factories import allocated_order, make_floor, product
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import GatewayAccountFactory
from warehouses.choices import LocationKind

# Paths no person browses: machine endpoints, the admin (Django's own pages) and the API (its own tests).
NOT_PAGES = ("api/", "admin/", "webhooks/", "metrics", "livez/", "readyz/", "healthz/", "favicon.ico", "logout/")
# Files rather than pages, by how the path ends.
FILE_SUFFIXES = (".pdf", ".zpl", ".csv", "/pdf/")


@dataclass
class World:
    users: dict[str, object]
    kwargs: dict[str, dict] = field(default_factory=dict)
    parent_order_id: int = 0  # the split order, in SLC, whose part ships from NSH (orders:detail)


def build_world() -> World:
    """Two warehouses, two clients, and an object behind every page that needs one."""
    slc = WarehouseFactory(code="SLC", name="Salt Lake City")
    nsh = WarehouseFactory(code="NSH", name="Nashville")
    cascade = ClientFactory(code="CASCADE", name="Cascade Outdoor")
    other = ClientFactory(code="BRIGHT", name="Brightleaf Tea")
    floor = make_floor(slc, aisles=(1,), bays=3)
    LocationFactory(warehouse=slc, kind=LocationKind.RETURNS, code="RET-01", zone="RET")
    users = {
        "manager": make_user(Role.MANAGER, is_staff=True),
        "picker": make_user(Role.PICKER, warehouses=[slc]),
        "packer": make_user(Role.PACKER, warehouses=[slc]),
        "nsh-picker": make_user(Role.PICKER, warehouses=[nsh]),
        "client": make_user(Role.CLIENT, client=cascade),
    }
    jacket = product(client=cascade, sku="CO-JKT-M", name="Rain jacket, medium")
    tea = product(client=other, sku="BL-GRN-50", name="Green tea 50 g")

    allocated_order(slc, [(jacket, floor["A-01-01-A"], 2)], client=cascade, order_number="#3001")
    wave = wave_release(warehouse=slc)
    single = allocated_order(slc, [(tea, floor["A-01-02-A"], 1)], client=other, order_number="#3002")
    pick_list = pick_list_release_single(order=single)
    picked = make_picked_order(warehouse=slc, client=cascade, order_number="#3003")
    shipment = shipment_start(order=picked, user=users["packer"])

    channel = SalesChannelFactory(client=cascade, name="Cascade Shopify")
    parent = OrderFactory(channel=channel, order_number="#3004", status=OrderStatus.SPLIT, warehouse=slc)
    child = OrderFactory(channel=channel, order_number="#3004-2", parent=parent, warehouse=nsh,
                         status=OrderStatus.ALLOCATED, external_id="")
    OrderLineFactory(order=child, product=jacket, quantity=1)
    # A storefront SKU nobody has mapped yet: the order page offers a product choice of long product names.
    product(client=cascade, sku="CO-JKT-XL-STORM",
            name="Men's waterproof breathable three-layer mountain rain jacket, extra large, storm blue")
    OrderLineFactory(order=child, product=None, sku="CSC-NEW-JACKET", quantity=1)

    returned = delivered_order(client=cascade, warehouse=slc, order_number="#3005")
    rma = open_return(returned, [(returned.lines.order_by("pk").first(), 1, ReturnReason.TOO_SMALL)])
    survey = FeedbackSurveyFactory(order=returned)

    inbound = InboundShipmentFactory(client=cascade, warehouse=slc)
    InboundLineFactory(shipment=inbound, product=jacket)
    count = CycleCountFactory(warehouse=slc)
    CycleCountLineFactory(count=count, location=floor["A-01-01-A"], product=jacket)
    transfer = TransferFactory(from_warehouse=slc, to_warehouse=nsh)
    TransferLineFactory(transfer=transfer, product=jacket, from_location=floor["A-01-01-A"])
    rule = RuleFactory(client=cascade)
    run = RuleRunFactory()
    hold = HoldFactory(order__channel=channel, order__warehouse=slc)
    prices = price_list(cascade, datetime.date(2026, 1, 1))
    invoice = invoice_draft(client=cascade, period_start=datetime.date(2026, 3, 1))
    gateway_account = GatewayAccountFactory(warehouse=slc)

    kwargs = {
        "orders:detail": {"pk": child.pk}, "intake:channel": {"pk": channel.pk},
        "rules:edit": {"pk": rule.pk}, "rules:try": {"pk": rule.pk}, "rules:run": {"pk": run.pk},
        "holds:address": {"pk": hold.pk},
        "shipping:detail": {"pk": pick_list.pk}, "shipping:print": {"pk": pick_list.pk},
        "shipping:scan": {"pk": pick_list.pk}, "shipping:sort": {"pk": pick_list.pk},
        "shipping:wave": {"pk": wave.pk}, "shipping:wave_print": {"pk": wave.pk},
        "packing:shipment": {"pk": shipment.pk},
        "inventory:product": {"pk": jacket.pk},
        "inventory:inbound_detail": {"pk": inbound.pk}, "inventory:count_detail": {"pk": count.pk},
        "inventory:transfer_detail": {"pk": transfer.pk},
        "returns:detail": {"pk": rma.pk}, "returns:receive": {"pk": rma.pk},
        "returns:start_items": {"token": order_token(order_id=returned.pk)},
        "returns:status": {"token": return_token(rma_id=rma.pk)},
        "returns:label": {"token": return_token(rma_id=rma.pk)},
        "returns:survey": {"token": survey_token(survey=survey)},
        "billing:price_list": {"pk": prices.pk}, "billing:invoice": {"pk": invoice.pk},
        "packing:gateway_account": {"pk": gateway_account.pk},
    }
    return World(users=users, kwargs=kwargs, parent_order_id=parent.pk)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry.url_patterns, route, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route


def page_names() -> list[tuple[str, str]]:
    """Every named URL that may be a page (name, route), from the URLconf: machine endpoints and files left out."""
    seen = {}
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith(NOT_PAGES) or route.endswith(FILE_SUFFIXES) or name in seen:
            continue
        seen[name] = route
    return sorted(seen.items())


def world_path(world: World, name: str) -> str | None:
    """The path of a page in this world; None for a path with ids the world has no object for (an action)."""
    if name in world.kwargs:
        return reverse(name, kwargs=world.kwargs[name])
    route = dict(page_names())[name]
    return None if "<" in route else reverse(name)
