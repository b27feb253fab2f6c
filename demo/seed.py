"""Build the demo: warehouses with a real floor layout, two merchants, stock, users and a first few orders.

Idempotent: every object is looked up by its natural key first, and stock is only seeded once
(the ledger holds a DEMO-SEED receipt for it), so running it again changes nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from billing.choices import EventKind, StoragePeriod, StorageUnit
from billing.events import vas_record
from billing.models import BillableEvent, PriceList, ServiceRate, StorageRate
from billing.services import invoice_draft, month_period
from billing.storage import storage_snapshots_catch_up
from core.access import ensure_role_groups
from core.choices import Role
from core.services import user_save
from demo.catalog import BRIGHTLEAF_PRODUCTS, CASCADE_PRODUCTS, CLIENTS, LOT_TRACKED_SKUS, WAREHOUSES, upc_a
from inventory.choices import MovementKind
from inventory.control.counting import cycle_count_create, cycle_count_record, cycle_count_submit
from inventory.control.receiving import inbound_create
from inventory.figures.refresh import stock_summary_refresh_all
from inventory.models import Client, InboundShipment, Product, StockLevel, StockMovement
from inventory.reorder import reorder_setting_save
from inventory.services import stock_receive, stock_remove
from orders.choices import ChannelKind, OrderStatus, ServiceLevel
from orders.holds.services import order_hold
from orders.intake.creation import order_create
from orders.models import Order, OrderEvent, OrderLine, Rule, SalesChannel
from orders.routing import order_route
from orders.rules.services import rule_create
from orders.services import order_transition
from orders.tasks import order_route_task
from returns.choices import Disposition, ReturnSource
from returns.models import FeedbackSurvey
from returns.services.opening import ReturnLineRequest, return_request
from returns.services.policy import return_policy_update
from returns.services.receiving import return_inspection_finish, return_unit_receive
from returns.services.refunding import return_refund
from returns.surveys import survey_answer, survey_token
from shipping.exceptions import PickingError
from shipping.models import BoxType, Carrier, ClientShippingProfile, PickList
from shipping.picking.release import pick_list_release_single, pick_lists_release_due, wave_release
from shipping.picking.scan import (
    pick_list_complete,
    pick_list_current_line,
    pick_list_line_confirm,
    pick_list_start,
)
from shipping.rate_cards import rate_cards_load_directory
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse
from warehouses.walk import Spot
from warehouses.walk import serpentine_sequence as walk_serpentine_sequence

DEMO_PASSWORD = "dockhand-demo"
SEED_REFERENCE = "DEMO-SEED"

DEMO_USERS = [
    # username, role, client code, warehouse codes
    ("manager", Role.MANAGER, None, []),
    ("picker", Role.PICKER, None, ["SLC"]),
    ("packer", Role.PACKER, None, ["SLC"]),
    ("nsh-picker", Role.PICKER, None, ["NSH"]),
    ("cascade", Role.CLIENT, "CASCADE", []),
]

# zone, aisles, bays per aisle, levels, kind
FLOOR_LAYOUT = [
    ("A", range(1, 5), 6, "ABC", LocationKind.PICK),
    ("B", range(5, 7), 6, "AB", LocationKind.PICK),
    ("R", range(7, 9), 4, "ABCD", LocationKind.RESERVE),
]
SPECIAL_LOCATIONS = [
    ("RCV-01", "DOCK", LocationKind.RECEIVING),
    ("RCV-02", "DOCK", LocationKind.RECEIVING),
    ("PACK-01", "PACK", LocationKind.PACKING),
    ("PACK-02", "PACK", LocationKind.PACKING),
    ("RET-01", "RET", LocationKind.RETURNS),
]

DEMO_ORDERS = [
    # number, name, address1, city, state, zip, service, lines [(sku, qty)]
    ("DEMO-1001", "Avery Johnson", "1200 Senate St", "Columbia", "SC", "29201", ServiceLevel.STANDARD,
     [("CO-HL-400", 2), ("CO-SCK-3P", 1)]),
    ("DEMO-1002", "Mia Chen", "400 Pine St", "Seattle", "WA", "98101", ServiceLevel.EXPEDITED,
     [("CO-TNT-2P", 1), ("CO-PAD-UL", 1), ("CO-SB-20F", 1)]),
    ("DEMO-1003", "Jordan Alvarez", "2100 Main St", "Dallas", "TX", "75201", ServiceLevel.STANDARD,
     [("CO-PK-28", 1), ("CO-BTL-1L", 2)]),
    ("DEMO-1004", "Sam Patel", "77 Massachusetts Ave", "Cambridge", "MA", "02139", ServiceLevel.OVERNIGHT,
     [("CO-JKT-RN-M", 1)]),
    ("DEMO-2001", "Riley Thompson", "1600 Pennsylvania Ave NW", "Washington", "DC", "20500", ServiceLevel.STANDARD,
     [("BL-GRN-MAT-30", 2), ("BL-WHK-BMB", 1)]),
    ("DEMO-2002", "Casey Morgan", "350 5th Ave", "New York", "NY", "10118", ServiceLevel.STANDARD,
     [("BL-TPT-CI-800", 1), ("BL-BLK-EGR-100", 2), ("BL-CUP-PRC-2", 1)]),
    ("DEMO-2003", "Taylor Brooks", "1 Market St", "San Francisco", "CA", "94105", ServiceLevel.ECONOMY,
     [("BL-SMP-DSC-8", 1)]),
    ("DEMO-2004", "Drew Kim", "500 W 2nd St", "Austin", "TX", "78701", ServiceLevel.STANDARD,
     [("BL-UNKNOWN-SKU", 1), ("BL-INF-STL", 1)]),
]


def serpentine_sequence(layout) -> dict[str, int]:
    """Walking order for a pick path: up one aisle, down the next, zone by zone (warehouses.walk)."""
    return walk_serpentine_sequence(
        Spot(zone=zone, aisle=aisle, bay=bay, level=level, code=f"{zone}-{aisle:02d}-{bay:02d}-{level}")
        for zone, aisles, bays, levels, _kind in layout
        for aisle in aisles
        for bay in range(1, bays + 1)
        for level in levels
    )


def seed_warehouses() -> list[Warehouse]:
    warehouses = []
    sequence = serpentine_sequence(FLOOR_LAYOUT)
    for data in WAREHOUSES:
        warehouse, _ = Warehouse.objects.update_or_create(code=data["code"], defaults=data)
        warehouses.append(warehouse)
        existing = set(warehouse.locations.values_list("code", flat=True))
        new = []
        for zone, aisles, bays, levels, kind in FLOOR_LAYOUT:
            for aisle in aisles:
                for bay in range(1, bays + 1):
                    for level in levels:
                        code = f"{zone}-{aisle:02d}-{bay:02d}-{level}"
                        if code not in existing:
                            new.append(Location(warehouse=warehouse, code=code, zone=zone, aisle=aisle, bay=bay,
                                                level=level, kind=kind, walk_sequence=sequence[code]))
        for i, (code, zone, kind) in enumerate(SPECIAL_LOCATIONS):
            if code not in existing:
                new.append(Location(warehouse=warehouse, code=code, zone=zone, kind=kind,
                                    walk_sequence=100_000 + i))
        Location.objects.bulk_create(new)
    return warehouses


def seed_clients_and_products() -> dict[str, Client]:
    clients = {}
    for data in CLIENTS:
        client, _ = Client.objects.update_or_create(code=data["code"], defaults=data)
        clients[client.code] = client
    for client_code, catalog, prefix in (("CASCADE", CASCADE_PRODUCTS, 84_712_300_000),
                                         ("BRIGHTLEAF", BRIGHTLEAF_PRODUCTS, 86_005_100_000)):
        client = clients[client_code]
        for i, (sku, name, weight, length, width, height, value) in enumerate(catalog):
            Product.objects.update_or_create(
                client=client, sku=sku,
                defaults={
                    "name": name, "barcode": upc_a(prefix + i * 7 + 1), "weight_g": weight, "length_mm": length,
                    "width_mm": width, "height_mm": height, "unit_value": Decimal(value), "currency": "USD",
                    "is_lot_tracked": sku in LOT_TRACKED_SKUS,
                },
            )
    return clients


def seed_stock(warehouses: list[Warehouse], manager) -> int:
    if StockMovement.objects.filter(reference=SEED_REFERENCE).exists():
        return 0
    rng = random.Random(20261126)
    today = timezone.localdate()
    receipts = 0
    products = list(Product.objects.order_by("client__code", "sku"))
    for warehouse in warehouses:
        pick = list(warehouse.locations.filter(kind=LocationKind.PICK).order_by("walk_sequence"))
        reserve = list(warehouse.locations.filter(kind=LocationKind.RESERVE).order_by("walk_sequence"))
        for i, product in enumerate(products):
            # Nashville is the smaller site: about a quarter of the SKUs are not stocked there.
            if warehouse.code == "NSH" and i % 4 == 3:
                continue
            location = pick[(i * 2 + (1 if warehouse.code == "NSH" else 0)) % len(pick)]
            quantity = rng.randint(4, 60)
            if product.is_lot_tracked:
                lots = [("L2601", today + datetime.timedelta(days=40), quantity),
                        ("L2512", today - datetime.timedelta(days=3), 5),  # expired: never allocated
                        ("L2603", today + datetime.timedelta(days=200), rng.randint(10, 30))]
                for lot, expiry, qty in lots:
                    stock_receive(product=product, location=location, quantity=qty, reference=SEED_REFERENCE,
                                  user=manager, lot_number=lot, expiry_date=expiry, reason="Opening stock")
                    receipts += 1
                continue
            stock_receive(product=product, location=location, quantity=quantity, reference=SEED_REFERENCE,
                          user=manager, reason="Opening stock")
            receipts += 1
            if i % 3 == 0:
                stock_receive(product=product, location=reserve[i % len(reserve)], quantity=rng.randint(20, 120),
                              reference=SEED_REFERENCE, user=manager, reason="Opening stock (reserve)")
                receipts += 1
    return receipts


def seed_users(clients: dict[str, Client]) -> list[tuple[str, str, str]]:
    ensure_role_groups()
    user_model = get_user_model()
    created = []
    for username, role, client_code, warehouse_codes in DEMO_USERS:
        user = user_model.objects.filter(username=username).first()
        user = user_save(
            instance=user,
            username=username,
            password=DEMO_PASSWORD if user is None else None,
            role=role,
            client=clients.get(client_code) if client_code else None,
            warehouses=list(Warehouse.objects.filter(code__in=warehouse_codes)),
            email=f"{username}@dockhand.example",
            is_staff=role == Role.MANAGER,
            is_superuser=role == Role.MANAGER,
        )
        created.append((username, DEMO_PASSWORD, role))
    return created


def seed_orders(clients: dict[str, Client], manager) -> int:
    channels = {}
    for code, client in clients.items():
        channels[code], _ = SalesChannel.objects.get_or_create(
            client=client, kind=ChannelKind.API, name=f"{client.name} API",
            defaults={"webhook_secret": f"demo-secret-{code.lower()}"},
        )
        SalesChannel.objects.get_or_create(
            client=client, kind=ChannelKind.SHOPIFY, name=f"{client.name} Shopify",
            defaults={"webhook_secret": f"shpss_demo_{code.lower()}", "store_url": ""},
        )
    created = 0
    for number, name, address1, city, state, zip_code, service, lines in DEMO_ORDERS:
        client = clients["CASCADE" if number.startswith("DEMO-1") else "BRIGHTLEAF"]
        channel = channels[client.code]
        if Order.objects.filter(channel=channel, external_id=number).exists():
            continue
        order_create(
            channel=channel, order_number=number, external_id=number,
            lines=[{"sku": sku, "quantity": qty} for sku, qty in lines],
            customer_name=name, customer_email=f"{name.split()[0].lower()}@example.com",
            ship_name=name, ship_address1=address1, ship_city=city, ship_state=state, ship_postal_code=zip_code,
            ship_country="US", requested_service_level=service, placed_at=timezone.now(),
            actor="demo seed",
        )
        created += 1
    return created


DEMO_RULES = [
    # name, client code, position, active, conditions, actions
    ("Alaska and Hawaii ship from Salt Lake City", None, 10, True,
     [{"field": "ship_state", "op": "in", "value": ["AK", "HI"]}],
     [{"type": "set_warehouse", "value": "SLC"}, {"type": "add_tags", "value": ["noncontiguous"]}]),
    ("Big Cascade orders go first", "CASCADE", 20, True,
     [{"field": "order_total", "op": "gte", "value": "300"}],
     [{"type": "set_priority", "value": "high"}, {"type": "add_tags", "value": ["vip"]}]),
    ("Tea sampler with every first order", "BRIGHTLEAF", 30, True,
     [{"field": "first_order", "op": "is", "value": True}],
     [{"type": "add_insert", "value": {"sku": "BL-SMP-DSC-8", "quantity": 1}}]),
    ("Review orders over $1,000 (draft)", None, 40, False,
     [{"field": "order_total", "op": "gt", "value": "1000"}],
     [{"type": "hold", "value": "Orders over $1,000 are reviewed before they ship"}]),
]


def seed_rules_and_holds(clients: dict[str, Client], manager) -> int:
    """A few rules (three on, one draft) and orders on hold for each reason the holds page shows."""
    created = 0
    for name, client_code, position, active, conditions, actions in DEMO_RULES:
        if Rule.objects.filter(name=name).exists():
            continue
        rule_create(user=manager, name=name, client=clients.get(client_code) if client_code else None,
                    position=position, is_active=active, conditions=conditions, actions=actions)
        created += 1
    cascade_api = SalesChannel.objects.get(client=clients["CASCADE"], kind=ChannelKind.API)
    bright_shop = SalesChannel.objects.get(client=clients["BRIGHTLEAF"], kind=ChannelKind.SHOPIFY)
    held = [
        # channel, number, ship-to (name, street, city, state, zip), lines, extra fields
        (cascade_api, "DEMO-1101", ("Pat Lee", "9 Ocean Ave", "Beverly Hills", "NY", "90210"),
         [("CO-HL-400", 1)], {}),  # ZIP in CA, not NY: address hold
        (bright_shop, "DEMO-2101", ("Lou Grant", "12 Elm St", "Burlington", "VT", "05401"),
         [("BL-GRN-MAT-30", 1)], {"payment_status": "pending"}),  # payment hold
        (cascade_api, "DEMO-1102", ("Quinn Shaw", "PO Box 88", "Anchorage", "AK", "99501"),
         [("CO-TNT-2P", 1)], {"total_price": Decimal("389.00"), "billing_country": "GB"}),  # fraud review
    ]
    for channel, number, (name, street, city, state, zip_code), lines, extra in held:
        if Order.objects.filter(channel=channel, external_id=number).exists():
            continue
        order_create(
            channel=channel, order_number=number, external_id=number,
            lines=[{"sku": sku, "quantity": qty} for sku, qty in lines],
            customer_name=name, customer_email=f"{name.split()[0].lower()}@example.com", ship_name=name,
            ship_address1=street, ship_city=city, ship_state=state, ship_postal_code=zip_code, ship_country="US",
            placed_at=timezone.now(), actor="demo seed", **extra,
        )
    manual = Order.objects.filter(order_number="DEMO-1003", status="received").first()
    if manual is not None and not manual.holds.exists():
        order_hold(order=manual, reason="Customer asked us to wait for a second parcel", user=manager)
    return created


@transaction.atomic
def seed_demo() -> dict:
    """Create or complete the demo data set; returns what it did and the demo logins."""
    warehouses = seed_warehouses()
    clients = seed_clients_and_products()
    users = seed_users(clients)
    manager = get_user_model().objects.get(username="manager")
    receipts = seed_stock(warehouses, manager)
    orders = seed_orders(clients, manager)
    orders += seed_routing_demo(clients)
    rules = seed_rules_and_holds(clients, manager)
    seed_pick_lists(manager)
    seed_stock_control_demo(clients, manager)
    orders += seed_returns_demo(clients, manager)
    ready_to_pack = seed_packing_demo(clients)
    seed_billing_demo(clients, manager)
    stock_summary_refresh_all()  # the stock page opens on figures that count every change above
    return {"users": users, "receipts": receipts, "orders": orders, "rules": rules, "ready_to_pack": ready_to_pack}


def _available_by_warehouse(product: Product) -> dict[str, int]:
    units: dict[str, int] = {}
    for level in StockLevel.objects.filter(product=product, location__kind__in=("pick", "reserve")).select_related(
            "location__warehouse"):
        if level.expiry_date is None or level.expiry_date > timezone.localdate():
            code = level.location.warehouse.code
            units[code] = units.get(code, 0) + level.available
    return units


def seed_routing_demo(clients: dict[str, Client]) -> int:
    """Routing rules of the demo merchants, and two orders that show a split and a backorder.

    Cascade Outfitters accepts split shipments; Brightleaf Tea Co. does not. The orders are routed (like
    every new order) by the Celery task queued when the seed commits.
    """
    cascade, brightleaf = clients["CASCADE"], clients["BRIGHTLEAF"]
    Client.objects.filter(pk=cascade.pk).update(allow_split_shipments=True)
    Client.objects.filter(pk=brightleaf.pk).update(allow_split_shipments=False)
    created = 0
    # A Cascade order from Atlanta that no single warehouse can fill: a SKU Nashville does not stock, and
    # more of another than Salt Lake City has.
    channel = SalesChannel.objects.get(client=cascade, kind=ChannelKind.API)
    if not Order.objects.filter(channel=channel, external_id="DEMO-1005").exists():
        products = list(Product.objects.filter(client=cascade, is_lot_tracked=False).order_by("sku"))
        stock = {p.pk: _available_by_warehouse(p) for p in products}
        slc_only = next((p for p in products if stock[p.pk].get("SLC", 0) > 0 and not stock[p.pk].get("NSH")), None)
        nsh_more = next((p for p in products if stock[p.pk].get("NSH", 0) > stock[p.pk].get("SLC", 0) > 0), None)
        if slc_only and nsh_more:
            order_create(
                channel=channel, order_number="DEMO-1005", external_id="DEMO-1005",
                lines=[{"sku": slc_only.sku, "quantity": 1},
                       {"sku": nsh_more.sku, "quantity": stock[nsh_more.pk]["SLC"] + 1}],
                customer_name="Jamie Rivera", customer_email="jamie@example.com", ship_name="Jamie Rivera",
                ship_address1="225 Baker St NW", ship_city="Atlanta", ship_state="GA", ship_postal_code="30313",
                ship_country="US", requested_service_level=ServiceLevel.STANDARD, placed_at=timezone.now(),
                actor="demo seed",
            )
            created += 1
    # Two Brightleaf orders waiting for more matcha than there is anywhere: the backorders page.
    channel = SalesChannel.objects.get(client=brightleaf, kind=ChannelKind.API)
    matcha = Product.objects.get(client=brightleaf, sku="BL-GRN-MAT-30")
    for number, name, city, state, zip_code, extra in (
        ("DEMO-2005", "Morgan Lee", "Chicago", "IL", "60601", 6),
        ("DEMO-2006", "Alex Rivera", "Denver", "CO", "80202", 4),
    ):
        if Order.objects.filter(channel=channel, external_id=number).exists():
            continue
        quantity = sum(_available_by_warehouse(matcha).values()) + extra
        order_create(
            channel=channel, order_number=number, external_id=number,
            lines=[{"sku": matcha.sku, "quantity": quantity}],
            customer_name=name, customer_email=f"{name.split()[0].lower()}@example.com", ship_name=name,
            ship_address1="100 Main St", ship_city=city, ship_state=state, ship_postal_code=zip_code,
            ship_country="US", requested_service_level=ServiceLevel.STANDARD, placed_at=timezone.now(),
            actor="demo seed",
        )
        created += 1
    return created


# Orders delivered before the demo starts (fulfilled before Dockhand went live: no stock moved for them),
# with returns to inspect at the desk and survey answers.
# number, client, customer, city, state, zip, days since delivery, lines [(sku, qty, unit price)]
RETURNS_HISTORY = [
    ("DEMO-H101", "CASCADE", "Quinn Harper", "Boise", "ID", "83702", 6, [("CO-JKT-RN-M", 1, "179.00"),
                                                                         ("CO-SCK-3P", 2, "32.00")]),
    ("DEMO-H102", "CASCADE", "Robin Ortiz", "Phoenix", "AZ", "85004", 3, [("CO-HL-400", 2, "44.95")]),
    ("DEMO-H103", "CASCADE", "Avery Brooks", "Reno", "NV", "89501", 12, [("CO-TNT-2P", 1, "289.00")]),
    ("DEMO-H104", "CASCADE", "Sky Morgan", "Denver", "CO", "80202", 5, [("CO-JKT-RN-L", 1, "179.00")]),
    ("DEMO-H201", "BRIGHTLEAF", "Jules Park", "Portland", "OR", "97205", 4, [("BL-GRN-MAT-30", 2, "28.00")]),
]


def _delivered_history_order(clients, number, client_code, name, city, state, zip_code, days, lines, warehouse):
    client = clients[client_code]
    channel = SalesChannel.objects.get(client=client, kind=ChannelKind.SHOPIFY)
    order = order_create(
        channel=channel, order_number=number, external_id=number, actor="demo seed", note="Imported order history",
        lines=[{"sku": sku, "quantity": qty, "unit_price": Decimal(price)} for sku, qty, price in lines],
        customer_name=name, customer_email=f"{name.split()[0].lower()}@example.com", ship_name=name,
        ship_address1="10 Demo Way", ship_city=city, ship_state=state, ship_postal_code=zip_code, ship_country="US",
        placed_at=timezone.now() - datetime.timedelta(days=days + 4),
    )
    for status in (OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PICKED, OrderStatus.PACKED,
                   OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order_transition(order=order, to_status=status, actor="demo seed", note="Order history (before Dockhand)",
                         extra_fields={"warehouse": warehouse} if status == OrderStatus.ALLOCATED else None)
    # Back-date the whole history, receipt included, so cycle times on the dashboard come out as they were.
    delivered_at = timezone.now() - datetime.timedelta(days=days)
    shipped_at = (delivered_at - datetime.timedelta(days=2)).replace(hour=16, minute=30)
    # Some left the same morning, some the next day: the dashboard's cycle time and on-time rate get a spread.
    received_at = shipped_at.replace(hour=9, minute=15) - datetime.timedelta(days=days % 2)
    type(order).objects.filter(pk=order.pk).update(received_at=received_at,
                                                   placed_at=received_at - datetime.timedelta(minutes=5))
    history = {OrderStatus.ALLOCATED: received_at + datetime.timedelta(minutes=10),
               OrderStatus.PICKING: shipped_at - datetime.timedelta(hours=3),
               OrderStatus.PICKED: shipped_at - datetime.timedelta(hours=2),
               OrderStatus.PACKED: shipped_at - datetime.timedelta(hours=1),
               OrderStatus.SHIPPED: shipped_at, OrderStatus.DELIVERED: delivered_at}
    for status, when in history.items():
        OrderEvent.objects.filter(order=order, to_status=status).update(created_at=when)
    order.received_at = received_at
    return order


def seed_returns_demo(clients: dict[str, Client], manager) -> int:
    """Delivered orders with returns in every state (two waiting at the returns desk, one refunded, one to
    decide) and survey answers, one of them a “something was wrong” case."""
    if Order.objects.filter(external_id="DEMO-H101").exists():
        return 0
    slc = Warehouse.objects.get(code="SLC")
    orders = {row[0]: _delivered_history_order(clients, *row, warehouse=slc) for row in RETURNS_HISTORY}

    def lines_of(number, reason, qty=1, **kwargs):
        line = orders[number].lines.order_by("pk").first()
        return [ReturnLineRequest(order_line_id=line.pk, quantity=qty, reason=reason, **kwargs)]

    # Waiting at the returns desk: scan RMA, then the item.
    return_request(order=orders["DEMO-H101"], source=ReturnSource.CUSTOMER, actor="customer (self-service)",
                   lines=lines_of("DEMO-H101", "too_small", resolution="exchange", exchange_sku="CO-JKT-RN-L"))
    return_request(order=orders["DEMO-H102"], source=ReturnSource.MANAGER, user=manager,
                   lines=lines_of("DEMO-H102", "wrong_item", qty=2), customer_note="Customer got red lamps, ordered black")
    # Decided, received, inspected and refunded.
    done = return_request(order=orders["DEMO-H103"], source=ReturnSource.CUSTOMER, actor="customer (self-service)",
                          lines=lines_of("DEMO-H103", "damaged"))
    tent = Product.objects.get(client=clients["CASCADE"], sku="CO-TNT-2P")
    return_unit_receive(rma=done, barcode=tent.barcode, disposition=Disposition.DISPOSE, user=manager,
                        condition_note="Pole snapped, fly torn")
    return_inspection_finish(rma=done, user=manager)
    return_refund(rma=done, user=manager)
    # Waiting for the merchant's decision (Brightleaf authorises by hand).
    return_policy_update(client=clients["BRIGHTLEAF"], auto_authorise=False)
    return_request(order=orders["DEMO-H201"], source=ReturnSource.CUSTOMER, actor="customer (self-service)",
                   lines=lines_of("DEMO-H201", "no_longer_needed"))
    # Survey answers: one happy, one “something was wrong”.
    for number, rating, problems, comment in (("DEMO-H103", 4, [], "Refund was quick, thanks."),
                                              ("DEMO-H104", 2, ["late"], "Arrived three days after the promise.")):
        order = orders[number]
        survey = FeedbackSurvey.objects.create(order=order, email=order.customer_email, nonce=f"demo{order.pk}",
                                               sent_at=timezone.now() - datetime.timedelta(days=1),
                                               expires_at=timezone.now() + datetime.timedelta(days=13))
        survey_answer(token=survey_token(survey=survey), rating=rating, problems=problems, comment=comment)
    return len(orders)


STOCK_DEMO_ASN = "DEMO-ASN-1"


def seed_stock_control_demo(clients: dict[str, Client], manager) -> dict:
    """Stock control's demo: a month of sales, reorder settings, an ASN to receive, a count to approve.

    Sales are real SHIP ledger rows dated today (velocity counts the last 30 days), taken from SKUs no demo
    order uses. Idempotent: skipped once the demo ASN exists.
    """
    cascade = clients["CASCADE"]
    if InboundShipment.objects.filter(client=cascade, reference=STOCK_DEMO_ASN).exists():
        return {}
    slc = Warehouse.objects.get(code="SLC")
    ordered = set(OrderLine.objects.values_list("sku", flat=True))
    levels = list(
        StockLevel.objects.filter(product__client=cascade, product__is_lot_tracked=False, location__warehouse=slc,
                                  location__kind=LocationKind.PICK, allocated=0, on_hand__gte=12)
        .exclude(product__sku__in=ordered).select_related("product").order_by("product__sku")[:8]
    )
    rng = random.Random(826)
    for i, level in enumerate(levels):
        sold = level.on_hand - (2 + i) if i < 3 else rng.randint(2, level.on_hand // 3)
        stock_remove(stock_level_id=level.pk, quantity=sold, kind=MovementKind.SHIP, reference="DEMO-SALES",
                     reason="Demo: the month's sales", user=manager)
        # The first three are now short of their reorder point; the last is far overstocked for its sales.
        point, quantity = (40, 60) if i < 3 else ((1, 2) if i == len(levels) - 1 else (5, 80))
        reorder_setting_save(product=level.product, warehouse=slc, reorder_point=point, reorder_quantity=quantity,
                             user=manager)
    if len(levels) >= 5:
        inbound_create(client=cascade, warehouse=slc, reference=STOCK_DEMO_ASN, user=manager,
                       expected_date=timezone.localdate() + datetime.timedelta(days=2), carrier="Freight",
                       # the first low SKU's refill is on its way (inbound lifts it out of "under")
                       lines=[{"product": lv.product, "quantity": 48} for lv in (levels[0], *levels[3:5])])
    counted = list(StockLevel.objects.filter(location__warehouse=slc, location__kind=LocationKind.RESERVE,
                                             on_hand__gt=0, allocated=0).order_by("location__walk_sequence")[:2])
    if len(counted) == 2:
        count = cycle_count_create(warehouse=slc, user=manager, location_ids=[lv.location_id for lv in counted],
                                   approval_threshold=5)
        surplus_line = count.lines.filter(location_id=counted[1].location_id).order_by("pk").first()
        for line in count.lines.order_by("pk"):
            level = StockLevel.objects.get(product_id=line.product_id, location_id=line.location_id,
                                           lot_number=line.lot_number)
            # every bin matches but one, where the counter found 8 more than the system knew of
            cycle_count_record(line=line, counted_quantity=level.on_hand + (8 if line.pk == surplus_line.pk else 0),
                               user=manager)
        cycle_count_submit(count=count, user=manager)
    return {"sales_skus": len(levels)}


def seed_pick_lists(manager) -> int:
    """Pick lists ready to print: a batch cart and single lists in Salt Lake City, a wave in Nashville.

    Runs once (when no pick list exists yet). Demo orders still waiting to be routed are routed here, through
    the routing service, so the lists exist as soon as the seed commits whether Celery runs inline or not.
    """
    if PickList.objects.exists():
        return 0
    for order in Order.objects.filter(status=OrderStatus.RECEIVED, order_number__startswith="DEMO-").order_by("pk"):
        # The routing task's own steps, inline: rules and hold checks first (a held order is not routed).
        order_route_task(order.pk)
    released = 0
    for warehouse in Warehouse.objects.order_by("code"):
        try:
            if warehouse.code == "NSH":
                released += wave_release(warehouse=warehouse, user=manager, cart_size=4).pick_lists.count()
            else:
                released += len(pick_lists_release_due(warehouse=warehouse, cart_size=4, max_units=4))
        except PickingError:
            continue  # nothing allocated there
    return released


# Box sizes of the demo warehouses: common US corrugated sizes (inside, inches), plus Brightleaf's own mailer.
DEMO_BOXES = [
    # code, name, inner L × W × H (in), tare g, max g, cost
    ("S-8x6x4", "Small 8×6×4", (8, 6, 4), 140, 9_000, "0.42"),
    ("S-10x8x6", "Small 10×8×6", (10, 8, 6), 220, 15_000, "0.58"),
    ("M-12x10x8", "Medium 12×10×8", (12, 10, 8), 330, 20_000, "0.79"),
    ("M-16x12x8", "Medium 16×12×8", (16, 12, 8), 450, 25_000, "0.98"),
    ("L-20x16x12", "Large 20×16×12", (20, 16, 12), 720, 30_000, "1.45"),
    ("L-24x18x18", "Large 24×18×18", (24, 18, 18), 1_050, 32_000, "2.10"),
    # Long: the 4-person tent (640 mm) and the trekking poles (660 mm) fit no other box.
    ("XL-30x12x12", "Long 30×12×12", (30, 12, 12), 1_150, 32_000, "2.60"),
]
BRIGHTLEAF_MAILER = ("BL-MAILER", "Brightleaf branded mailer 12×9×4", (12, 9, 4), 160, 5_000, "1.20")

BRIGHTLEAF_LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
    '<circle cx="32" cy="32" r="30" fill="#2f6b3a"/>'
    '<path d="M18 42c4-16 16-24 30-26-2 14-10 26-26 30l-4-4z" fill="#a8d08d"/>'
    '<path d="M20 44L40 24" stroke="#2f6b3a" stroke-width="2"/></svg>'
)

# Orders left picked, their units in the packing area: the pack station has work when the demo starts.
DEMO_PACK_ORDERS = [
    ("DEMO-3001", "CASCADE", "Noah Park", "1501 4th Ave", "Seattle", "WA", "98101", ServiceLevel.STANDARD,
     [("CO-HL-400", 1), ("CO-BNE-WL", 2)]),
    ("DEMO-3002", "CASCADE", "Emma Wilson", "800 SW Broadway", "Portland", "OR", "97205", ServiceLevel.EXPEDITED,
     [("CO-PK-28", 1), ("CO-BTL-1L", 1)]),
    ("DEMO-3003", "BRIGHTLEAF", "Liam Garcia", "200 N Spring St", "Los Angeles", "CA", "90012",
     ServiceLevel.STANDARD, [("BL-WHK-BMB", 1), ("BL-CUP-PRC-2", 1)]),
]


def _inch_box(warehouse, code, name, dims_in, tare, max_g, cost, client=None) -> None:
    length, width, height = (round(d * 25.4) for d in dims_in)
    BoxType.objects.update_or_create(
        warehouse=warehouse, code=code,
        defaults={"name": name, "client": client, "inner_length_mm": length, "inner_width_mm": width,
                  "inner_height_mm": height, "wall_mm": 4, "tare_weight_g": tare, "max_weight_g": max_g,
                  "cost": Decimal(cost), "is_active": True},
    )
    BoxType.objects.filter(warehouse=warehouse, code=code, stock_count__lt=50).update(stock_count=200)


def seed_packing_demo(clients: dict[str, Client]) -> int:
    """Boxes, carriers and rate cards, and a few orders picked and waiting at the pack station.

    The orders go through the real services: routed (stock reserved at Salt Lake City), released as single
    pick lists and picked by the demo picker, so their units sit reserved in the packing area.
    Returns how many orders it left ready to pack.
    """
    if not Carrier.objects.exists():
        rate_cards_load_directory()
    for warehouse in Warehouse.objects.all():
        for code, name, dims, tare, max_g, cost in DEMO_BOXES:
            _inch_box(warehouse, code, name, dims, tare, max_g, cost)
        code, name, dims, tare, max_g, cost = BRIGHTLEAF_MAILER
        _inch_box(warehouse, code, name, dims, tare, max_g, cost, client=clients["BRIGHTLEAF"])
    profile, _ = ClientShippingProfile.objects.get_or_create(
        client=clients["BRIGHTLEAF"], defaults={"packing_slip_message": "Steep, sip, and breathe. — Brightleaf"})
    if not profile.preferred_carrier_id:
        profile.preferred_carrier = Carrier.objects.filter(code="USPS").first()
        profile.save(update_fields=["preferred_carrier", "updated_at"])
    if not profile.logo:
        profile.logo.save("brightleaf.svg", ContentFile(BRIGHTLEAF_LOGO_SVG.encode()), save=True)

    picker = get_user_model().objects.get(username="picker")
    ready = 0
    for number, client_code, name, address1, city, state, zip_code, service, lines in DEMO_PACK_ORDERS:
        client = clients[client_code]
        channel = SalesChannel.objects.get(client=client, kind=ChannelKind.API)
        if Order.objects.filter(channel=channel, external_id=number).exists():
            continue
        order = order_create(
            channel=channel, order_number=number, external_id=number,
            lines=[{"sku": sku, "quantity": qty} for sku, qty in lines],
            customer_name=name, customer_email=f"{name.split()[0].lower()}@example.com", ship_name=name,
            ship_address1=address1, ship_city=city, ship_state=state, ship_postal_code=zip_code,
            ship_country="US", requested_service_level=service, placed_at=timezone.now(), actor="demo seed",
        )
        order_route(order=order, actor="demo seed")
        order.refresh_from_db()
        if order.status != "allocated":
            continue
        pick_list = pick_list_start(pick_list=pick_list_release_single(order=order, user=picker), user=picker)
        while (line := pick_list_current_line(pick_list)) is not None:
            pick_list_line_confirm(pick_list=pick_list, line_id=line.pk, location_code=line.location.code,
                                   item_code=line.product.barcode, quantity=line.remaining, user=picker)
        pick_list_complete(pick_list=pick_list, user=picker)
        order.refresh_from_db()
        ready += order.status == "picked"
    return ready


# Each demo client's prices (amounts in its currency), from the first of last month.
DEMO_PRICES = {
    "CASCADE": {"order_fee": "2.75", "extra_unit_fee": "0.55", "extra_sku_fee": "0.30", "extra_box_fee": "1.25",
                "packaging_markup_pct": "15", "shipping_markup_pct": "8", "shipping_markup_fixed": "0.50",
                "receiving_order_fee": "35.00", "receiving_unit_fee": "0.25", "receiving_carton_fee": "4.00",
                "receiving_hourly_rate": "45.00", "return_fee": "3.50", "return_inspected_unit_fee": "0.75",
                "return_restocked_unit_fee": "0.40", "return_disposed_unit_fee": "1.50", "monthly_minimum": "250.00"},
    "BRIGHTLEAF": {"order_fee": "2.25", "extra_unit_fee": "0.35", "extra_sku_fee": "0.25", "extra_box_fee": "1.00",
                   "packaging_mode": "fixed", "packaging_fixed_price": "1.10", "shipping_markup_pct": "5",
                   "receiving_order_fee": "25.00", "receiving_unit_fee": "0.15", "receiving_carton_fee": "3.00",
                   "receiving_hourly_rate": "40.00", "return_fee": "3.00", "return_inspected_unit_fee": "0.50",
                   "return_restocked_unit_fee": "0.30", "return_disposed_unit_fee": "1.00",
                   "monthly_minimum": "150.00"},
}


def seed_billing_demo(clients: dict[str, Client], manager) -> int:
    """Give each demo client a price list, last night's storage, some value-added work and a draft invoice of
    this month (rebuilt on every seed). Returns the drafts built."""
    today = timezone.localdate()
    start, end = month_period(today)
    effective_from = (start - datetime.timedelta(days=1)).replace(day=1)
    drafts = 0
    for code, prices in DEMO_PRICES.items():
        client = clients.get(code)
        if client is None:
            continue
        price_list, created = PriceList.objects.get_or_create(
            client=client, effective_from=effective_from,
            defaults={name: (Decimal(value) if name != "packaging_mode" else value) for name, value in prices.items()}
            | {"receiving_free_minutes": 60, "storage_free_days": 7, "created_by": manager,
               "note": "Demo prices"})
        if created:
            StorageRate.objects.bulk_create([
                StorageRate(price_list=price_list, location_kind="reserve", unit=StorageUnit.PALLET,
                            period=StoragePeriod.MONTH, price=Decimal("28.00")),
                StorageRate(price_list=price_list, location_kind="pick", unit=StorageUnit.BIN,
                            period=StoragePeriod.MONTH, price=Decimal("4.50")),
            ])
            ServiceRate.objects.bulk_create([
                ServiceRate(price_list=price_list, code="kitting", name="Kitting (per kit)", price=Decimal("0.85")),
                ServiceRate(price_list=price_list, code="labelling", name="Relabelling (per unit)",
                            price=Decimal("0.20")),
            ])
        if not BillableEvent.objects.filter(client=client, kind=EventKind.VAS).exists():
            vas_record(client=client, service_code="kitting", quantity=Decimal("40"), user=manager,
                       note="Holiday gift sets assembled", work_date=start)
            vas_record(client=client, service_code="labelling", quantity=Decimal("120"), user=manager,
                       note="Relabelled for the new barcode", work_date=start)
    storage_snapshots_catch_up(today=today)
    for code in DEMO_PRICES:
        if code in clients:
            invoice_draft(client=clients[code], period_start=start, period_end=end, user=manager)
            drafts += 1
    return drafts
