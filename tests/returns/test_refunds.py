"""Refund amounts: received units at the original price, restocking fee per reason, label fee, Decimal."""

from decimal import Decimal

import pytest

from core.exceptions import DomainError
from orders.models import OrderEvent
from returns.choices import Disposition, RefundStatus, ReturnStatus
from returns.exceptions import InvalidReturnTransition
from returns.models import ReturnAuthorization
from returns.refunds import refund_quote
from returns.services.policy import return_policy_update
from returns.services.receiving import return_inspection_finish, return_receive_start, return_unit_receive
from returns.services.refunding import return_refund
from tests.returns.factories import make_setup, open_return

pytestmark = pytest.mark.django_db


def _receive_all(rma, setup, counts):
    for line, qty in counts:
        return_unit_receive(rma=rma, barcode=line.product.sku, disposition=Disposition.QUARANTINE, quantity=qty)
    return_inspection_finish(rma=rma)
    rma.refresh_from_db()
    return rma


def test_refund_is_the_received_units_at_the_original_price_less_the_reason_fee():
    setup = make_setup(prices=("25.00", "10.00"), quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[0], 2, "no_longer_needed"), (setup.lines[1], 1, "damaged")])
    rma = _receive_all(rma, setup, [(setup.lines[0], 2), (setup.lines[1], 1)])

    quote = refund_quote(rma=rma)

    # 2 × 25.00 less 15 % = 42.50; 1 × 10.00 damaged, no fee
    assert quote.subtotal == Decimal("60.00")
    assert quote.restocking_fee == Decimal("7.50")
    assert quote.label_fee == Decimal("0.00")  # damaged earns a free label
    assert quote.amount == Decimal("52.50")
    assert isinstance(quote.amount, Decimal)


def test_only_units_that_came_back_are_refunded():
    setup = make_setup(prices=("25.00", "10.00"), quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[0], 2, "damaged")])
    rma = _receive_all(rma, setup, [(setup.lines[0], 1)])

    assert refund_quote(rma=rma).amount == Decimal("25.00")


def test_label_fee_is_deducted_when_no_reason_earns_a_free_label():
    setup = make_setup(prices=("25.00", "10.00"), quantities=(2, 1))
    return_policy_update(client=setup.order.client, label_fee=Decimal("6.95"))
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    ReturnAuthorization.objects.filter(pk=rma.pk).update(label_tracking_number="1ZTEST", label_cost=Decimal("8.10"))
    rma = _receive_all(rma, setup, [(setup.lines[0], 1)])

    quote = refund_quote(rma=rma)

    assert (quote.subtotal, quote.label_fee, quote.amount) == (Decimal("25.00"), Decimal("6.95"), Decimal("18.05"))


def test_fee_rounds_half_up_to_the_cent():
    setup = make_setup(prices=("19.99", "10.00"), quantities=(1, 1))
    return_policy_update(client=setup.order.client, rules={"other": {"restocking_fee_percent": "12.5"}})
    rma = open_return(setup.order, [(setup.lines[0], 1, "other")])
    rma = _receive_all(rma, setup, [(setup.lines[0], 1)])

    quote = refund_quote(rma=rma)

    # 19.99 × 12.5 % = 2.49875 -> 2.50
    assert (quote.restocking_fee, quote.amount) == (Decimal("2.50"), Decimal("17.49"))


def test_missing_item_is_refunded_without_anything_coming_back():
    setup = make_setup(prices=("25.00", "10.00"), quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[1], 1, "missing_item")])
    return_receive_start(rma=rma)
    rma = _receive_all(rma, setup, [])

    assert rma.lines.get().missing_quantity == 0
    assert refund_quote(rma=rma).amount == Decimal("10.00")


def test_refund_is_recorded_with_its_lines_and_the_return_is_refunded(manager):
    setup = make_setup(prices=("25.00", "10.00"), quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[0], 2, "no_longer_needed")])
    rma = _receive_all(rma, setup, [(setup.lines[0], 2)])

    refund = return_refund(rma=rma, user=manager)

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.REFUNDED
    assert rma.closed_at is not None
    assert (refund.subtotal, refund.restocking_fee, refund.amount) == (
        Decimal("50.00"), Decimal("7.50"), Decimal("42.50"))
    assert refund.status == RefundStatus.MANUAL  # an API channel: no storefront to call
    line = refund.lines.get()
    assert (line.quantity, line.unit_price, line.fee, line.amount) == (
        2, Decimal("25.00"), Decimal("7.50"), Decimal("42.50"))
    assert "Refund 42.50 USD" in rma.events.get(to_status=ReturnStatus.REFUNDED).note
    assert OrderEvent.objects.filter(order=setup.order, note__contains="refunded: 42.50").exists()


def test_refund_before_inspection_is_refused():
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")])

    with pytest.raises(InvalidReturnTransition):
        return_refund(rma=rma)


def test_nothing_came_back_means_nothing_to_refund():
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")])
    return_receive_start(rma=rma)
    rma = _receive_all(rma, setup, [])

    with pytest.raises(DomainError, match="close the return instead"):
        return_refund(rma=rma)
