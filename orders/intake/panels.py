"""The intake panel of the order page: unknown lines to map, and the deliveries that brought the order."""

from __future__ import annotations

from core.access import user_access
from core.choices import Role
from inventory.selectors import product_list
from orders.intake.forms import LineMapForm
from orders.models import Order, OrderLine
from orders.sku_mappings.forms import order_sku_map_form

INTAKE_ROLES = (Role.MANAGER, Role.CLIENT)


def order_intake_context(request, order: Order) -> dict:
    """Context for templates/orders/intake/_order_intake.html on the order page."""
    unknown_lines = [line for line in order.lines.all() if line.product_id is None]
    access = user_access(request.user)
    # Managers get one form per unknown SKU (orders.sku_mappings: the client, the channel or this order only);
    # a line without a SKU cannot be mapped by SKU, so it keeps the line form, as client users' lines do.
    unknown_skus: dict[str, list[OrderLine]] = {}
    sku_map_form = None
    if access.is_manager:
        for line in unknown_lines:
            if line.sku:
                unknown_skus.setdefault(line.sku, []).append(line)
        if unknown_skus:
            sku_map_form = order_sku_map_form(request, order)
    line_map_lines = [line for line in unknown_lines if not line.sku] if access.is_manager else unknown_lines
    map_form = None
    if line_map_lines and access.has_any(*INTAKE_ROLES):
        map_form = LineMapForm(products=product_list(user=request.user).filter(client_id=order.client_id,
                                                                                is_active=True).order_by("sku"))
    return {
        "unknown_lines": line_map_lines,
        "map_form": map_form,
        "unknown_skus": sorted(unknown_skus.items()),
        "sku_map_form": sku_map_form,
        "deliveries": order.deliveries.order_by("received_at", "pk")[:20],
    }
