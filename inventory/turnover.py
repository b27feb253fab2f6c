"""Inventory turnover and stock value per client and warehouse over a period, from the ledger.

Stock value at a moment is rebuilt from today's stock levels by undoing the ledger rows since then
(units in minus units out of the warehouse; reservations move no units and are ignored), valued at each
product's current unit value (Dockhand keeps no cost history). Turnover over the period is the value
shipped in it divided by the average of the stock value at its start and end; days of inventory is the
period's length divided by the turnover.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from core.access import restrict
from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement

NO_UNIT_CHANGE = (MovementKind.ALLOCATE, MovementKind.DEALLOCATE)
ZERO = Decimal("0.00")


@dataclass
class TurnoverRow:
    client_id: int
    client_name: str
    warehouse_id: int
    warehouse_code: str
    value_start: Decimal
    value_end: Decimal
    shipped_value: Decimal
    units_shipped: int

    @property
    def average_value(self) -> Decimal:
        return ((self.value_start + self.value_end) / 2).quantize(Decimal("0.01"))

    @property
    def turnover(self) -> Decimal | None:
        if not self.average_value:
            return None
        return (self.shipped_value / self.average_value).quantize(Decimal("0.01"))


def _value(expr_quantity: str, expr_value: str):
    return ExpressionWrapper(F(expr_quantity) * F(expr_value),
                             output_field=DecimalField(max_digits=20, decimal_places=2))


def stock_turnover(*, user, date_from: datetime.date, date_to: datetime.date, client_id: int | None = None,
                   warehouse_id: int | None = None) -> list[TurnoverRow]:
    """Return turnover and stock value per client and warehouse for the period [date_from, date_to]."""
    start_at = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=datetime.UTC)
    end_at = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min,
                                       tzinfo=datetime.UTC)
    scope = Q() if client_id is None else Q(product__client_id=client_id)

    rows: dict[tuple[int, int], dict] = defaultdict(lambda: {"now": ZERO, "in_start": ZERO, "out_start": ZERO,
                                                              "in_end": ZERO, "out_end": ZERO, "shipped": ZERO,
                                                              "units": 0})
    names: dict[tuple[int, int], tuple[str, str]] = {}

    def keep(warehouse: int) -> bool:
        return warehouse_id is None or warehouse == warehouse_id

    current = (restrict(StockLevel.objects.filter(scope), user, client="product__client",
                        warehouse="location__warehouse")
               .values("product__client_id", "product__client__name", "location__warehouse_id",
                       "location__warehouse__code")
               .annotate(v=Coalesce(Sum(_value("on_hand", "product__unit_value")), ZERO)).order_by())
    for r in current:
        key = (r["product__client_id"], r["location__warehouse_id"])
        if keep(key[1]):
            rows[key]["now"] += r["v"]
            names[key] = (r["product__client__name"], r["location__warehouse__code"])

    moves = StockMovement.objects.filter(scope, created_at__gte=start_at).exclude(kind__in=NO_UNIT_CHANGE)
    value = _value("quantity", "product__unit_value")
    dec = DecimalField(max_digits=20, decimal_places=2)
    for side, prefix in (("in", "to_location"), ("out", "from_location")):
        side_moves = restrict(moves.filter(**{f"{prefix}__isnull": False}), user, client="product__client",
                              warehouse=f"{prefix}__warehouse")
        flows = (side_moves
                 .values("product__client_id", "product__client__name", f"{prefix}__warehouse_id",
                         f"{prefix}__warehouse__code")
                 .annotate(since_start=Coalesce(Sum(value, output_field=dec), ZERO),
                           since_end=Coalesce(Sum(value, filter=Q(created_at__gte=end_at), output_field=dec), ZERO),
                           shipped=Coalesce(Sum(value, filter=Q(kind=MovementKind.SHIP, created_at__lt=end_at),
                                                output_field=dec), ZERO),
                           units=Coalesce(Sum("quantity", filter=Q(kind=MovementKind.SHIP, created_at__lt=end_at)),
                                          0))
                 .order_by())
        for r in flows:
            key = (r["product__client_id"], r[f"{prefix}__warehouse_id"])
            if not keep(key[1]):
                continue
            names.setdefault(key, (r["product__client__name"], r[f"{prefix}__warehouse__code"]))
            rows[key][f"{side}_start"] += r["since_start"]
            rows[key][f"{side}_end"] += r["since_end"]
            if side == "out":
                rows[key]["shipped"] += r["shipped"]
                rows[key]["units"] += r["units"]

    result = []
    for key, r in rows.items():
        value_end = r["now"] - r["in_end"] + r["out_end"]
        value_start = r["now"] - r["in_start"] + r["out_start"]
        result.append(TurnoverRow(client_id=key[0], client_name=names[key][0], warehouse_id=key[1],
                                  warehouse_code=names[key][1], value_start=value_start.quantize(Decimal("0.01")),
                                  value_end=value_end.quantize(Decimal("0.01")),
                                  shipped_value=r["shipped"].quantize(Decimal("0.01")), units_shipped=r["units"]))
    return sorted(result, key=lambda row: (row.client_name, row.warehouse_code))
