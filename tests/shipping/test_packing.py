from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from orders.choices import OrderStatus
from orders.exceptions import InvalidTransition
from orders.models import Allocation
from orders.services import order_cancel
from shipping.cartonization import pack
from shipping.choices import NotificationKind, NotificationStatus, ScanResult, ShipmentStatus
from shipping.exceptions import InvalidShipmentTransition, ItemRefused, PackingError
from shipping.models import Package, PackScan
from shipping.packing.services import (
    PackageInput,
    box_from_model,
    expected_units,
    manifest_close,
    mispick_count,
    order_items,
    pack_plan,
    pack_scan,
    shipment_label,
    shipment_pack,
    shipment_ship,
    shipment_start,
)
from shipping.rating import candidates_from_packings, rate_shop
from shipping.tracking_numbers import is_valid
from tests.factories import OrderFactory, ProductFactory, WarehouseFactory
from tests.invariants import assert_stock_invariants
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(rate_cards):
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150, tare_weight_g=150)
    BoxTypeFactory(warehouse=order.warehouse, code="L", inner_length_mm=450, inner_width_mm=350,
                   inner_height_mm=300, tare_weight_g=400)
    return order


def scan_everything(shipment, order, user=None):
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            pack_scan(shipment=shipment, barcode=line.product.barcode, user=user)


def plan_inputs(order, weight_extra_g=0):
    plan = pack_plan(order=order)
    box_types = {b.code: b for b in order.warehouse.box_types.all()}
    inputs = []
    for packed in plan.packages:
        items = {}
        for item in packed.items:
            items[int(item.key)] = items.get(int(item.key), 0) + 1
        inputs.append(PackageInput(box_type=box_types[packed.box.key], weight_g=packed.gross_weight_g + weight_extra_g,
                                   items=items))
    return plan, inputs


def packed_shipment(order, packer=None):
    shipment = shipment_start(order=order, user=packer)
    scan_everything(shipment, order, packer)
    _, inputs = plan_inputs(order)
    return shipment_pack(shipment=shipment, packages=inputs, user=packer)


def test_only_picked_orders_can_be_packed(rate_cards):
    order = OrderFactory(status=OrderStatus.ALLOCATED)
    with pytest.raises(PackingError, match="only picked orders"):
        shipment_start(order=order)


def test_starting_twice_returns_the_open_shipment(order, packer):
    assert shipment_start(order=order, user=packer) == shipment_start(order=order, user=packer)


def test_each_scan_counts_one_unit(order, packer):
    shipment = shipment_start(order=order, user=packer)
    product = order.lines.first().product

    scan = pack_scan(shipment=shipment, barcode=product.barcode, user=packer)

    assert scan.result == ScanResult.ACCEPTED
    assert "1 of 2" in scan.message
    # the SKU works as well as the barcode
    assert pack_scan(shipment=shipment, barcode=product.sku.lower(), user=packer).result == ScanResult.ACCEPTED


def test_wrong_item_is_refused_loudly_and_recorded_as_a_caught_mispick(order, packer):
    shipment = shipment_start(order=order, user=packer)
    stranger = ProductFactory(client=order.client, sku="NOT-ON-ORDER", barcode="999000111222")

    with pytest.raises(ItemRefused, match="WRONG ITEM: NOT-ON-ORDER"):
        pack_scan(shipment=shipment, barcode="999000111222", user=packer)

    scan = PackScan.objects.get(shipment=shipment)
    assert scan.result == ScanResult.WRONG_ITEM
    assert scan.product == stranger
    assert scan.user == packer
    assert mispick_count() == 1
    assert mispick_count(warehouse_id=order.warehouse_id) == 1


def test_one_too_many_is_refused_and_recorded(order, packer):
    shipment = shipment_start(order=order, user=packer)
    single = order.lines.get(quantity=1).product
    pack_scan(shipment=shipment, barcode=single.barcode)

    with pytest.raises(ItemRefused, match="ONE TOO MANY"):
        pack_scan(shipment=shipment, barcode=single.barcode)

    assert list(shipment.scans.values_list("result", flat=True)) == [ScanResult.ACCEPTED, ScanResult.EXTRA_ITEM]
    assert mispick_count() == 1


def test_unknown_barcode_is_refused(order):
    shipment = shipment_start(order=order)
    with pytest.raises(ItemRefused, match="UNKNOWN BARCODE"):
        pack_scan(shipment=shipment, barcode="0000")
    assert shipment.scans.get().result == ScanResult.UNKNOWN_BARCODE


def test_packing_needs_every_unit_verified(order):
    shipment = shipment_start(order=order)
    pack_scan(shipment=shipment, barcode=order.lines.first().product.barcode)
    _, inputs = plan_inputs(order)

    with pytest.raises(PackingError, match="Not every unit is verified"):
        shipment_pack(shipment=shipment, packages=inputs)


def test_pack_confirms_boxes_chooses_service_and_moves_order_to_packed(order, packer):
    box_stock = {b.code: b.stock_count for b in order.warehouse.box_types.all()}

    shipment = packed_shipment(order, packer)

    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
    assert shipment.status == ShipmentStatus.PACKED
    assert shipment.service is not None
    assert shipment.shipping_cost > 0
    assert "Cheapest of" in shipment.rate_reason
    package = shipment.packages.get()
    assert package.box_type.code == "S"
    assert package.billable_weight_lb >= 1
    assert package.items.count() == 2
    assert shipment.rate_quotes.filter(chosen=True).count() == 1
    assert shipment.rate_quotes.count() == 12
    assert order.warehouse.box_types.get(code="S").stock_count == box_stock["S"] - 1
    assert order.events.filter(to_status=OrderStatus.PACKED, user=packer).exists()


def test_items_that_do_not_fit_the_chosen_box_are_refused(order):
    shipment = shipment_start(order=order)
    scan_everything(shipment, order)
    tiny = BoxTypeFactory(warehouse=order.warehouse, code="TINY", inner_length_mm=100, inner_width_mm=100,
                          inner_height_mm=100)
    with pytest.raises(PackingError, match="do not fit in box TINY"):
        shipment_pack(shipment=shipment, packages=[PackageInput(tiny, 1500, expected_units(order))])


def test_contents_must_match_the_order(order):
    shipment = shipment_start(order=order)
    scan_everything(shipment, order)
    box = order.warehouse.box_types.get(code="L")
    units = expected_units(order)
    first = next(iter(units))
    units[first] -= 1
    with pytest.raises(PackingError, match="do not match"):
        shipment_pack(shipment=shipment, packages=[PackageInput(box, 1500, units)])


def test_out_of_stock_box_is_refused(order):
    shipment = shipment_start(order=order)
    scan_everything(shipment, order)
    box = order.warehouse.box_types.get(code="L")
    box.stock_count = 0
    box.save()
    with pytest.raises(PackingError, match="No L boxes left"):
        shipment_pack(shipment=shipment, packages=[PackageInput(box, 1500, expected_units(order))])


def test_multi_box_order_gets_one_package_per_box(rate_cards):
    # Given an order of three 40 × 30 × 20 cm items and boxes that hold two at most
    big = [(ProductFactory(length_mm=400, width_mm=300, height_mm=200, weight_g=2000, barcode="400300200"), 3)]
    order = make_picked_order(lines=big)
    BoxTypeFactory(warehouse=order.warehouse, code="M2", inner_length_mm=410, inner_width_mm=310,
                   inner_height_mm=410, max_weight_g=30_000)
    shipment = shipment_start(order=order)
    scan_everything(shipment, order)
    plan, inputs = plan_inputs(order)

    assert len(plan.packages) == 2
    shipment = shipment_pack(shipment=shipment, packages=inputs)
    shipment = shipment_label(shipment=shipment)

    packages = list(shipment.packages.order_by("number"))
    assert [p.number for p in packages] == [1, 2]
    assert sorted(sum(i.quantity for i in p.items.all()) for p in packages) == [1, 2]
    assert len({p.tracking_number for p in packages}) == 2


def test_label_assigns_valid_unique_tracking_numbers_and_renders_documents(order, django_capture_on_commit_callbacks):
    shipment = packed_shipment(order)

    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_label(shipment=shipment)

    package = Package.objects.get(shipment=shipment)
    assert shipment.status == ShipmentStatus.LABELLED
    assert is_valid(shipment.service.carrier.code, package.tracking_number)
    assert package.label_pdf.name.endswith(".pdf")
    assert package.label_pdf.read(5) == b"%PDF-"
    assert package.tracking_number in package.label_zpl
    shipment.refresh_from_db()
    assert shipment.packing_slip_pdf.read(5) == b"%PDF-"


def test_ship_removes_stock_through_the_ledger_and_ships_the_order(order, packer, django_capture_on_commit_callbacks):
    shipment = shipment_label(shipment=packed_shipment(order, packer))
    levels = {a.stock_level_id: a.quantity for a in
              __import__("orders.models", fromlist=["Allocation"]).Allocation.objects.filter(line__order=order)}
    before = {pk: StockLevel.objects.get(pk=pk).on_hand for pk in levels}

    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_ship(shipment=shipment, user=packer)

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert shipment.status == ShipmentStatus.SHIPPED
    for pk, quantity in levels.items():
        level = StockLevel.objects.get(pk=pk)
        assert level.on_hand == before[pk] - quantity
        assert level.allocated == 0
    moves = StockMovement.objects.filter(reference=order.order_number, kind=MovementKind.SHIP)
    assert sum(m.quantity for m in moves) == 3
    assert all(m.user == packer for m in moves)
    # the customer was told (the order's channel is API: no storefront to update)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    number = shipment.packages.get().tracking_number
    assert email.to == [order.customer_email]
    assert order.order_number in email.subject
    assert number in email.body
    assert shipment.notifications.get(kind=NotificationKind.CUSTOMER_EMAIL).status == NotificationStatus.SENT
    assert shipment.notifications.get(kind=NotificationKind.STOREFRONT).status == NotificationStatus.SKIPPED
    assert_stock_invariants()


def test_shipping_releases_the_orders_reservations_and_its_page_shows_none(order, packer, manager, client):
    # Given an order picked to the packing area, packed and labelled
    shipment = shipment_label(shipment=packed_shipment(order, packer))
    assert Allocation.objects.filter(line__order=order).exists()
    assert_stock_invariants()

    # When it ships
    shipment_ship(shipment=shipment, user=packer)

    # Then nothing stays reserved for it, the ledger and the allocations agree everywhere,
    # and its page has neither a reserved-stock card nor an empty actions card
    assert not Allocation.objects.filter(line__order=order).exists()
    assert_stock_invariants()
    client.force_login(manager)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Reserved stock" not in page
    assert 'id="order-actions"' not in page


def test_a_bought_label_reads_label_bought_until_handed_over(order, packer, client):
    shipment = shipment_label(shipment=packed_shipment(order, packer))
    client.force_login(packer)

    page = client.get(reverse("packing:shipment", args=[shipment.pk])).content.decode()

    assert "Label bought" in page
    assert "Label printed" not in page


def test_cannot_ship_before_the_label(order):
    shipment = packed_shipment(order)
    with pytest.raises(InvalidShipmentTransition):
        shipment_ship(shipment=shipment)
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED


def test_cancelling_the_order_cancels_its_open_shipment(order, manager, django_capture_on_commit_callbacks):
    shipment = shipment_start(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, user=manager, reason="customer changed mind")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED


def test_shipped_orders_cannot_be_cancelled(order):
    shipment_ship(shipment=shipment_label(shipment=packed_shipment(order)))
    order.refresh_from_db()
    with pytest.raises(InvalidTransition):
        order_cancel(order=order, reason="too late")


def test_end_of_day_manifest_lists_handed_over_packages(order, manager, django_capture_on_commit_callbacks):
    shipment = shipment_ship(shipment=shipment_label(shipment=packed_shipment(order)))
    carrier = shipment.service.carrier

    with django_capture_on_commit_callbacks(execute=True):
        manifest = manifest_close(carrier=carrier, warehouse=order.warehouse, user=manager)

    assert list(manifest.packages.all()) == list(shipment.packages.all())
    manifest.refresh_from_db()
    assert manifest.pdf.read(5) == b"%PDF-"
    with pytest.raises(PackingError, match="waiting for a manifest"):
        manifest_close(carrier=carrier, warehouse=order.warehouse, user=manager)


def inch_box_type(warehouse, code, dims_in, cost, tare_g, **fields):
    length, width, height = (round(d * 25.4) for d in dims_in)
    return BoxTypeFactory(warehouse=warehouse, code=code, inner_length_mm=length, inner_width_mm=width,
                          inner_height_mm=height, tare_weight_g=tare_g, cost=Decimal(cost), **fields)


def test_two_medium_boxes_are_chosen_when_they_cost_less_than_one_large(rate_cards):
    # Given a gift box and a kettle to Seattle that one large box holds, while USPS bills two medium boxes
    # (under one cubic foot each, so no DIM weight) for less
    warehouse = WarehouseFactory(code="SLC")
    order = make_picked_order(warehouse=warehouse, ship_postal_code="98101", lines=[
        (ProductFactory(sku="GIFT", length_mm=300, width_mm=220, height_mm=90, weight_g=780), 1),
        (ProductFactory(sku="KETTLE", length_mm=300, width_mm=200, height_mm=190, weight_g=1150), 1),
    ])
    inch_box_type(warehouse, "M-12x10x8", (12, 10, 8), "0.79", 330)
    large = inch_box_type(warehouse, "L-20x16x12", (20, 16, 12), "1.45", 720)

    # When the pack station plans it
    plan = pack_plan(order=order)

    # Then the split is priced and wins over the single large box
    assert [p.box.key for p in plan.packages] == ["M-12x10x8", "M-12x10x8"]
    in_large = pack(box_from_model(large), order_items(order))
    single = rate_shop(order=order, warehouse=warehouse, candidates=candidates_from_packings([[in_large]]))
    assert plan.chosen.total < single.chosen.total


def test_reason_says_the_clients_own_packaging_narrowed_the_choice(rate_cards):
    # Given a client with its own mailer, which holds the order, and the warehouse's cheaper plain box
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="PLAIN", inner_length_mm=300, inner_width_mm=250,
                   inner_height_mm=200, cost=Decimal("0.40"))
    BoxTypeFactory(warehouse=order.warehouse, code="MAILER", client=order.client, inner_length_mm=320,
                   inner_width_mm=260, inner_height_mm=200, cost=Decimal("1.20"))

    plan = pack_plan(order=order)

    assert [p.box.key for p in plan.packages] == ["MAILER"]
    assert plan.rates.reason.startswith("The client's own packaging (MAILER) holds this order")
