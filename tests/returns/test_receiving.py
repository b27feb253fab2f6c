"""The returns desk: scan the RMA, then each item; every disposition books the ledger through inventory."""

from decimal import Decimal

import pytest

from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust
from inventory.signals import stock_available_increased
from orders.models import Order
from returns.choices import Disposition, Resolution, ReturnStatus
from returns.exceptions import InvalidReturnTransition, MixedBin, ReceivingError
from returns.services.opening import ReturnLineRequest, return_request
from returns.services.receiving import (
    return_inspection_finish,
    return_putaway_suggest,
    return_receive_start,
    return_unit_receive,
)
from tests.factories import LocationFactory, ProductFactory
from tests.invariants import assert_stock_invariants
from tests.returns.factories import make_setup, open_return, returns_warehouse
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_setup(quantities=(2, 1))


@pytest.fixture
def rma(setup):
    return open_return(setup.order, [(setup.lines[0], 2, "too_small"), (setup.lines[1], 1, "damaged")])


def _on_hand(product, location) -> int:
    level = StockLevel.objects.filter(product=product, location=location).first()
    return level.on_hand if level else 0


def test_scanning_the_rma_receives_the_parcel_once(rma, picker):
    return_receive_start(rma=rma, user=picker)
    return_receive_start(rma=rma, user=picker)

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.RECEIVED
    assert rma.events.filter(to_status=ReturnStatus.RECEIVED).count() == 1


def test_requested_return_cannot_be_received(setup):
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")], authorise=False)

    with pytest.raises(ReceivingError, match="cannot be received"):
        return_receive_start(rma=rma)


def test_restock_books_a_return_movement_to_the_location_and_announces_stock(setup, rma, picker,
                                                                             django_capture_on_commit_callbacks):
    product = setup.lines[0].product
    announced = []

    def listener(sender, **kwargs):
        announced.append(kwargs)

    stock_available_increased.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            units = return_unit_receive(rma=rma, barcode=product.barcode, disposition=Disposition.RESTOCK,
                                        location=setup.pick, user=picker)
    finally:
        stock_available_increased.disconnect(listener)

    assert _on_hand(product, setup.pick) == 1
    movement = StockMovement.objects.get(product=product)
    assert (movement.kind, movement.quantity, movement.to_location, movement.reference, movement.user) == (
        MovementKind.RETURN, 1, setup.pick, rma.number, picker)
    assert units[0].in_movement == movement
    assert units[0].expected
    assert announced == [{"signal": stock_available_increased, "product_id": product.pk,
                          "warehouse_id": setup.warehouse.pk}]
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.RECEIVED  # the first item scan received the parcel
    assert rma.lines.get(product=product).received_quantity == 1
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


@pytest.mark.parametrize("disposition", [Disposition.REFURBISH, Disposition.QUARANTINE])
def test_refurbish_and_quarantine_put_units_in_the_returns_area(setup, rma, disposition):
    product = setup.lines[0].product

    return_unit_receive(rma=rma, barcode=product.sku, disposition=disposition, quantity=2)

    assert _on_hand(product, setup.returns_area) == 2
    assert _on_hand(product, setup.pick) == 0
    movement = StockMovement.objects.get(product=product)
    assert (movement.kind, movement.to_location, movement.quantity) == (MovementKind.RETURN, setup.returns_area, 2)
    assert disposition in ("refurbish", "quarantine")
    assert ("refurbish" if disposition == Disposition.REFURBISH else "quarantined") in movement.reason
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


def test_dispose_books_units_in_and_out_with_the_reason(setup, rma):
    product = setup.lines[1].product

    units = return_unit_receive(rma=rma, barcode=product.barcode, disposition=Disposition.DISPOSE,
                                condition_note="crushed, glass broken")

    assert _on_hand(product, setup.returns_area) == 0
    moves = list(StockMovement.objects.filter(product=product).order_by("pk"))
    assert [(m.kind, m.quantity) for m in moves] == [(MovementKind.RETURN, 1), (MovementKind.DISPOSE, 1)]
    assert moves[1].from_location == setup.returns_area
    assert "crushed, glass broken" in moves[1].reason
    assert rma.number == moves[1].reference
    assert units[0].out_movement == moves[1]
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


def test_dispose_needs_a_reason(setup, rma):
    with pytest.raises(ReceivingError, match="why"):
        return_unit_receive(rma=rma, barcode=setup.lines[1].product.sku, disposition=Disposition.DISPOSE)
    assert not StockMovement.objects.exists()


def test_restock_needs_a_pick_or_reserve_location_of_the_returns_warehouse(setup, rma):
    _, other_pick, _, _ = returns_warehouse("NSH")
    product = setup.lines[0].product

    with pytest.raises(ReceivingError, match="Choose the location"):
        return_unit_receive(rma=rma, barcode=product.sku, disposition=Disposition.RESTOCK)
    with pytest.raises(ReceivingError, match="pick or reserve location of SLC"):
        return_unit_receive(rma=rma, barcode=product.sku, disposition=Disposition.RESTOCK, location=other_pick)
    with pytest.raises(ReceivingError, match="pick or reserve"):
        return_unit_receive(rma=rma, barcode=product.sku, disposition=Disposition.RESTOCK,
                            location=setup.returns_area)
    assert not StockMovement.objects.exists()


def test_the_suggested_bin_is_the_products_existing_bin_first(setup, rma):
    # Given the product already sits in the reserve bin
    product = setup.lines[0].product
    stock_adjust(product=product, location=setup.reserve, quantity=4, reason="counted")

    # When a unit is restocked to the suggested bin
    units = return_unit_receive(rma=rma, barcode=product.sku, disposition=Disposition.RESTOCK,
                                suggest_location=True)

    # Then it joins the product's own stock
    assert units[0].location == setup.reserve
    assert _on_hand(product, setup.reserve) == 5


def test_without_a_bin_of_its_own_the_suggestion_is_an_empty_bin_in_the_clients_zone(setup, rma):
    # Given the client's goods sit in zone B, and zone A's bin holds another client's stock
    product = setup.lines[0].product
    zone_b_full = LocationFactory(warehouse=setup.warehouse, kind=LocationKind.PICK, zone="B", code="B-01-01-A")
    zone_b_empty = LocationFactory(warehouse=setup.warehouse, kind=LocationKind.PICK, zone="B", code="B-01-02-A")
    stock_adjust(product=setup.lines[1].product, location=zone_b_full, quantity=3, reason="counted")
    stock_adjust(product=ProductFactory(), location=setup.pick, quantity=3, reason="counted")

    # When the suggestion is asked for and used
    suggestion = return_putaway_suggest(rma=rma, product=product)
    units = return_unit_receive(rma=rma, barcode=product.sku, disposition=Disposition.RESTOCK,
                                suggest_location=True)

    # Then the unit goes to the empty bin of zone B
    assert suggestion == zone_b_empty
    assert units[0].location == zone_b_empty


def test_restocking_into_a_bin_of_another_clients_product_needs_confirmation(setup, rma):
    # Given a bin holding another client's tea
    tea = ProductFactory(sku="TEA-EGR")
    stock_adjust(product=tea, location=setup.pick, quantity=3, reason="counted")
    jacket = setup.lines[0].product

    # When a jacket is restocked there without and then with confirmation
    with pytest.raises(MixedBin, match=f"{setup.pick.code} holds TEA-EGR of another client"):
        return_unit_receive(rma=rma, barcode=jacket.sku, disposition=Disposition.RESTOCK, location=setup.pick)
    assert _on_hand(jacket, setup.pick) == 0
    return_unit_receive(rma=rma, barcode=jacket.sku, disposition=Disposition.RESTOCK, location=setup.pick,
                        allow_mixing=True)

    # Then only the confirmed unit went in
    assert _on_hand(jacket, setup.pick) == 1


def test_unknown_barcode_is_refused_and_a_product_of_another_client_too(setup, rma):
    stranger = ProductFactory()

    with pytest.raises(ReceivingError, match="not a product of"):
        return_unit_receive(rma=rma, barcode="000000", disposition=Disposition.QUARANTINE)
    with pytest.raises(ReceivingError, match="not a product of"):
        return_unit_receive(rma=rma, barcode=stranger.barcode, disposition=Disposition.QUARANTINE)


def test_units_beyond_the_expected_are_recorded_as_not_expected(setup, rma):
    product = setup.lines[1].product  # one expected

    units = return_unit_receive(rma=rma, barcode=product.sku, disposition=Disposition.QUARANTINE, quantity=3)

    assert [(u.expected, u.quantity) for u in units] == [(True, 1), (False, 2)]
    assert rma.lines.get(product=product).received_quantity == 1
    assert _on_hand(product, setup.returns_area) == 3  # every unit that came in is on the ledger


def test_item_of_the_client_not_on_the_return_is_unexpected(setup, rma):
    other = ProductFactory(client=setup.order.client)

    units = return_unit_receive(rma=rma, barcode=other.barcode, disposition=Disposition.QUARANTINE)

    assert units[0].line is None
    assert "not expected" in rma.events.last().note


def test_finish_records_missing_units_and_marks_inspected(setup, rma, picker):
    return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.RESTOCK,
                        location=setup.pick)

    return_inspection_finish(rma=rma, user=picker)

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.INSPECTED
    assert rma.inspected_at is not None
    missing = {line.product_id: line.missing_quantity for line in rma.lines.all()}
    assert missing == {setup.lines[0].product_id: 1, setup.lines[1].product_id: 1}
    note = rma.events.get(to_status=ReturnStatus.INSPECTED).note
    assert f"1 × {setup.lines[0].product.sku} expected but not in the parcel" in note


def test_finish_before_receiving_is_refused(rma):
    with pytest.raises(InvalidReturnTransition):
        return_inspection_finish(rma=rma)


def test_receiving_after_inspection_is_refused(setup, rma):
    return_receive_start(rma=rma)
    return_inspection_finish(rma=rma)

    with pytest.raises(ReceivingError):
        return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.QUARANTINE)


def test_exchange_creates_a_linked_order_for_the_units_that_came_back(setup, django_capture_on_commit_callbacks):
    bigger = ProductFactory(client=setup.order.client, sku="TEE-L")
    rma = return_request(order=setup.order, source="manager", authorise=True, lines=[
        ReturnLineRequest(order_line_id=setup.lines[0].pk, quantity=2, reason="too_small",
                          resolution=Resolution.EXCHANGE, exchange_sku="TEE-L")])
    return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.RESTOCK,
                        location=setup.pick)

    return_inspection_finish(rma=rma)

    rma.refresh_from_db()
    exchange = rma.exchange_order
    assert exchange is not None
    assert exchange.pk != setup.order.pk
    assert exchange.order_number.startswith(setup.order.order_number + "-EX-")
    line = exchange.lines.get()
    assert (line.product, line.quantity, line.unit_price) == (bigger, 1, Decimal("0.00"))
    assert (exchange.ship_address1, exchange.channel) == (setup.order.ship_address1, setup.order.channel)
    assert Order.objects.count() == 2
