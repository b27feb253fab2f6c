from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from config.decorators import role_required
from inventory.choices import Role
from inventory.forms import StockFilterForm
from inventory.selectors import stock_level_list
from warehouses.selectors import warehouse_list


@login_required
@role_required(Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER)
def stock_view(request):
    form = StockFilterForm(request.GET or None)
    levels = stock_level_list(user=request.user).order_by("product__sku", "location__warehouse__code",
                                                          "location__code")
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            levels = levels.filter(Q(product__sku__icontains=q) | Q(product__name__icontains=q)
                                   | Q(location__code__icontains=q))
        if code := form.cleaned_data["warehouse"]:
            levels = levels.filter(location__warehouse__code=code)
    page = Paginator(levels, 100).get_page(request.GET.get("page"))
    return render(request, "inventory/stock.html", {
        "form": form, "page": page, "warehouses": warehouse_list(user=request.user),
    })
