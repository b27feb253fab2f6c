"""The refund arithmetic of a return (Decimal, to the cent, half up): pure reads, no writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from returns.choices import Resolution, ReturnReason
from returns.selectors import return_policy_get

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RefundQuoteLine:
    return_line_id: int
    sku: str
    reason: str
    quantity: int
    unit_price: Decimal
    fee_percent: Decimal
    fee: Decimal
    amount: Decimal


@dataclass(frozen=True)
class RefundQuote:
    currency: str
    lines: list[RefundQuoteLine] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    restocking_fee: Decimal = Decimal("0.00")
    label_fee: Decimal = Decimal("0.00")
    amount: Decimal = Decimal("0.00")

    @property
    def explanation(self) -> str:
        parts = [f"{ql.quantity} × {ql.sku} at {ql.unit_price}" + (f" less {ql.fee_percent}% restocking fee"
                                                                     if ql.fee else "") for ql in self.lines]
        if self.label_fee:
            parts.append(f"less return label {self.label_fee}")
        return "; ".join(parts) or "nothing refundable"


def return_label_fee(*, rma, policy=None) -> Decimal:
    """Return the label fee of a return, the one figure the customer is told and the refund deducts: the
    client's policy fee to the cent; nothing when a reason earned a free label or no carrier label was bought.
    (What the carrier charged us is the return's label_cost, a cost of ours, never the customer's.)
    """
    if rma.free_label or not rma.label_tracking_number:
        return Decimal("0.00")
    policy = policy or return_policy_get(client=rma.client)
    return to_cents(policy.label_fee)


def refund_quote(*, rma) -> RefundQuote:
    """Compute what a return refunds: per refunded line, the units that came back (or, for a missing item,
    the units claimed) at the original unit price, less the restocking fee of the line's reason; less the
    label fee when no reason earned a free label and a label was issued. Exchanged units refund nothing.
    Never negative.
    """
    policy = return_policy_get(client=rma.client)
    fees = {rule.reason: rule.restocking_fee_percent for rule in policy.reason_rules.all()}
    lines = []
    for line in rma.lines.select_related("order_line", "product").order_by("pk"):
        if line.resolution != Resolution.REFUND:
            continue
        quantity = line.received_quantity if line.expects_units else line.quantity
        if quantity <= 0:
            continue
        unit_price = line.order_line.unit_price
        gross = to_cents(unit_price * quantity)
        percent = fees.get(line.reason, Decimal("0"))
        fee = to_cents(gross * percent / Decimal("100"))
        lines.append(RefundQuoteLine(
            return_line_id=line.pk, sku=line.product.sku, reason=ReturnReason(line.reason).label, quantity=quantity,
            unit_price=unit_price, fee_percent=percent.normalize() if percent else percent, fee=fee,
            amount=gross - fee,
        ))
    subtotal = sum((ql.unit_price * ql.quantity for ql in lines), Decimal("0.00"))
    subtotal = to_cents(subtotal)
    restocking_fee = sum((ql.fee for ql in lines), Decimal("0.00"))
    label_fee = return_label_fee(rma=rma, policy=policy) if lines else Decimal("0.00")
    amount = max(Decimal("0.00"), subtotal - restocking_fee - label_fee)
    return RefundQuote(currency=rma.order.currency, lines=lines, subtotal=subtotal, restocking_fee=restocking_fee,
                       label_fee=min(label_fee, subtotal - restocking_fee), amount=amount)
