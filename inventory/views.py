import csv
import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.exceptions import DomainError
from inventory.choices import StockStatus
from inventory.figures.read import StockFigureFilters
from inventory.figures.refresh import DEAD_STOCK_DAYS, OVERSTOCK_COVER_DAYS, PENDING_COUNT_CAP
from inventory.filters import StockFigureFilterForm
from inventory.forms import PeriodForm, ReorderSettingForm
from inventory.models import Product
from inventory.reorder import reorder_setting_apply_suggestion, reorder_setting_save, reorder_suggest
from inventory.selectors import (
    client_list,
    product_list,
    reorder_setting_list,
    stock_figure_iter,
    stock_figure_page,
    stock_level_list,
    stock_movement_list,
)
from inventory.turnover import stock_turnover
from warehouses.selectors import warehouse_list

STOCK_ROLES = (Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER)
PER_PAGE = 50
CSV_COLUMNS = ["sku", "product_name", "client_name", "warehouse_code", "on_hand", "allocated", "available",
               "inbound", "sold_30", "velocity_per_day", "days_of_cover", "reorder_point", "reorder_quantity",
               "suggested_order", "status", "stock_value"]


@dataclass
class RawPage:
    """What templates/includes/pagination.html needs, for a page of a raw-SQL list."""

    number: int
    per_page: int
    total: int

    @property
    def paginator(self):
        return self

    @property
    def count(self) -> int:
        return self.total

    @property
    def num_pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


class _Echo:
    def write(self, value):
        return value


def _csv_stream(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow([
            row.sku, row.product_name, row.client_name, row.warehouse_code, row.on_hand, row.allocated,
            row.available, row.inbound, row.sold_30, f"{row.velocity_per_day:.2f}",
            "" if row.days_of_cover is None else f"{row.days_of_cover:.1f}", row.reorder_point,
            row.reorder_quantity, row.suggested_order, row.status, row.stock_value,
        ])


@login_required
@role_required(*STOCK_ROLES)
def stock_view(request):
    """Stock per SKU and warehouse with its figures; ?export=csv streams every matching row."""
    form = StockFigureFilterForm(request.GET or None)
    filters = form.to_filters() if form.is_valid() else StockFigureFilters()  # the page shows form.errors
    if request.GET.get("export") == "csv":
        response = StreamingHttpResponse(_csv_stream(stock_figure_iter(user=request.user, filters=filters)),
                                         content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="stock-{stamp}.csv"'
        return response
    number = _page_number(request)
    result = stock_figure_page(user=request.user, filters=filters, page=number, per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("ordering", None)
    access = user_access(request.user)
    return render(request, "inventory/stock.html", {
        "form": form, "filters": filters, "rows": result.rows,
        "page": RawPage(number=number, per_page=PER_PAGE, total=result.total),
        "warehouses": warehouse_list(user=request.user),
        "clients": client_list(user=request.user) if not access.is_client_user else [],
        "statuses": StockStatus.choices, "base_query": query.urlencode(),
        "pending_changes": result.pending_changes, "pending_cap": PENDING_COUNT_CAP,
        "dead_days": DEAD_STOCK_DAYS, "over_days": OVERSTOCK_COVER_DAYS,
        "sort_columns": ["sku", "warehouse", "on_hand", "available", "inbound", "velocity", "days_of_cover",
                         "reorder_point", "status"],
    })


def _product_or_404(request, pk: int) -> Product:
    try:
        return product_list(user=request.user).get(pk=pk)
    except Product.DoesNotExist as exc:
        raise Http404("No such product.") from exc


@login_required
@role_required(*STOCK_ROLES)
def stock_product_view(request, pk: int):
    """One SKU: its figures per warehouse, its bins, reorder settings and its ledger."""
    product = _product_or_404(request, pk)
    figures = stock_figure_page(user=request.user, filters=StockFigureFilters(product_id=product.pk,
                                                                             ordering="warehouse"),
                                page=1, per_page=100).rows
    levels = stock_level_list(user=request.user).filter(product=product, on_hand__gt=0).order_by(
        "location__warehouse__code", "location__walk_sequence", "location__code", "lot_number")
    ledger = Paginator(stock_movement_list(user=request.user).filter(product=product)
                       .order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    settings_by_warehouse = {s.warehouse_id: s for s in reorder_setting_list(user=request.user).filter(product=product)}
    access = user_access(request.user)
    reorder_rows = []
    if access.is_manager:
        for warehouse in warehouse_list(user=request.user):
            setting = settings_by_warehouse.get(warehouse.pk)
            suggestion = reorder_suggest(product=product, warehouse=warehouse)
            initial = ({"reorder_point": setting.reorder_point, "reorder_quantity": setting.reorder_quantity,
                        "lead_time_days": setting.lead_time_days, "service_level": setting.service_level}
                       if setting else {"reorder_point": suggestion.reorder_point,
                                        "reorder_quantity": suggestion.reorder_quantity,
                                        "lead_time_days": suggestion.lead_time_days,
                                        "service_level": suggestion.service_level})
            reorder_rows.append({"warehouse": warehouse, "setting": setting, "suggestion": suggestion,
                                 "form": ReorderSettingForm(initial=initial, prefix=f"w{warehouse.pk}")})
    return render(request, "inventory/stock_product.html", {
        "product": product, "figures": figures, "levels": levels, "page": ledger, "reorder_rows": reorder_rows,
    })


@require_POST
@login_required
@role_required(Role.MANAGER)
def reorder_setting_view(request, pk: int, warehouse_id: int):
    product = _product_or_404(request, pk)
    warehouse = warehouse_list(user=request.user).filter(pk=warehouse_id).first()
    if warehouse is None:
        raise Http404("No such warehouse.")
    form = ReorderSettingForm(request.POST, prefix=f"w{warehouse.pk}")
    if request.POST.get("suggest"):
        setting = reorder_setting_apply_suggestion(product=product, warehouse=warehouse, user=request.user)
        messages.success(request, f"{warehouse.code}: reorder at {setting.reorder_point}, order "
                                  f"{setting.reorder_quantity} (suggested from velocity).")
    elif form.is_valid():
        try:
            reorder_setting_save(product=product, warehouse=warehouse, user=request.user, **form.cleaned_data)
            messages.success(request, f"{warehouse.code}: reorder settings saved.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Check the reorder settings: " + "; ".join(
            f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("inventory:product", pk=product.pk)


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def turnover_view(request):
    """Inventory turnover and stock value per client and warehouse over a chosen period."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"date_from": today - datetime.timedelta(days=29),
                                                    "date_to": today})
    date_from, date_to = today - datetime.timedelta(days=29), today
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    elif form.is_bound:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    rows = stock_turnover(user=request.user, date_from=date_from, date_to=date_to)
    return render(request, "inventory/turnover.html", {"form": form, "rows": rows, "date_from": date_from,
                                                       "date_to": date_to})
