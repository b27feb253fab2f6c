"""The returns pages of staff and clients: the list and its CSV, a return's page, opening one, deciding,
refunding."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.documents import document_view
from core.exceptions import DomainError
from orders.selectors import order_list
from returns.choices import CaseStatus, ReturnReason, ReturnSource, ReturnStatus
from returns.filters import ReturnFilter
from returns.forms import NoteForm, OrderLookupForm, ReasonForm, parse_line_requests
from returns.links import return_token
from returns.models import ReturnAuthorization
from returns.pdf import RETURN_LABEL
from returns.refunds import refund_quote, return_label_fee
from returns.selectors import case_list, order_returnable_quantities, return_get, return_list
from returns.services.opening import return_request
from returns.services.refunding import return_refund
from returns.services.status import return_authorise, return_close, return_reject
from returns.trace import order_traces
from shipping.document_store import document_response

VIEW_ROLES = (Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER)
DECIDE_ROLES = (Role.MANAGER, Role.CLIENT)


@document_view(*VIEW_ROLES)
def return_label_view(request, pk: int):
    """The return label for staff and the client (session or API token): the same stored file as the customer's."""
    rma = return_list(user=request.user).filter(pk=pk).first()
    if rma is None or not rma.can_print_label:
        raise Http404("No return label here.")
    return document_response(RETURN_LABEL, rma.pk)



def _get_return_or_404(request, pk: int) -> ReturnAuthorization:
    try:
        return return_get(user=request.user, pk=pk)
    except ReturnAuthorization.DoesNotExist as exc:
        raise Http404("No such return.") from exc


CSV_COLUMNS = ["rma", "status", "source", "client", "order", "warehouse", "opened_at", "sku", "quantity", "reason",
               "reason_note", "resolution", "received", "missing", "dispositions", "refund_amount", "currency",
               "pick_lists", "pickers", "pack_stations", "packers", "box_types", "carriers"]


class _Echo:
    def write(self, value):
        return value


def _csv_rows(returns):
    returns = list(returns.select_related("refund").prefetch_related("lines__product", "units"))
    traces = order_traces(r.order_id for r in returns)
    yield CSV_COLUMNS
    for rma in returns:
        refund = getattr(rma, "refund", None)
        trace = traces[rma.order_id].as_row()
        for line in rma.lines.all():
            dispositions = {}
            for unit in rma.units.all():
                if unit.line_id == line.pk:
                    dispositions[unit.disposition] = dispositions.get(unit.disposition, 0) + unit.quantity
            yield [rma.number, rma.status, rma.source, rma.client.name, rma.order.order_number,
                   rma.warehouse.code if rma.warehouse_id else "", rma.created_at.isoformat(), line.product.sku,
                   line.quantity, line.reason, line.reason_note, line.resolution, line.received_quantity,
                   line.missing_quantity, " ".join(f"{k}:{v}" for k, v in sorted(dispositions.items())),
                   str(refund.amount) if refund else "", refund.currency if refund else "",
                   trace["pick_lists"], trace["pickers"], trace["pack_stations"], trace["packers"],
                   trace["box_types"], trace["carriers"]]


@login_required
@role_required(*VIEW_ROLES)
def return_list_view(request):
    """Managers' returns page: filters by client, warehouse, reason, status and date; CSV export."""
    returns = return_list(user=request.user).order_by("-created_at", "-pk")
    filterset = ReturnFilter(request.GET or None, queryset=returns, request=request)
    returns = filterset.qs  # values not understood are left out, and the page says which
    if request.GET.get("export") == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse((writer.writerow(row) for row in _csv_rows(returns)),
                                         content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="returns-{timezone.localdate():%Y%m%d}.csv"'
        return response
    page = Paginator(returns.prefetch_related("lines__product"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "returns/return_list.html", {
        "filterset": filterset, "page": page, "query": query.urlencode(),
        "open_cases": case_list(user=request.user).filter(status=CaseStatus.OPEN).count()
        if user_access(request.user).has_any(Role.MANAGER, Role.CLIENT) else 0,
    })


@login_required
@role_required(*VIEW_ROLES)
def return_detail_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    quote = refund_quote(rma=rma) if rma.status in (ReturnStatus.INSPECTED, ReturnStatus.RECEIVED) else None
    return render(request, "returns/return_detail.html", {
        "rma": rma, "quote": quote, "label_fee": return_label_fee(rma=rma), "reason_form": ReasonForm(), "note_form": NoteForm(),
        "refund": getattr(rma, "refund", None), "status_url": reverse("returns:status", kwargs={
            "token": return_token(rma_id=rma.pk)}),
    })


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
@require_http_methods(["GET", "POST"])
def return_create_view(request):
    """A manager (or merchant) opens a return for a customer: find the order, choose items and reasons."""
    lookup = OrderLookupForm(request.GET or None)
    order = None
    errors: list[str] = []
    if lookup.is_valid():
        number = lookup.cleaned_data["order_number"].strip()
        order = (order_list(user=request.user).filter(order_number__iexact=number).prefetch_related("lines__product")
                 .order_by("-received_at").first())
        if order is None:
            lookup.add_error("order_number", "No order with that number.")
    if request.method == "POST" and order is not None:
        lines = [line for line in order.lines.all() if line.product_id]
        requests, errors = parse_line_requests(request.POST, lines, allow_exchange_sku=True)
        if not errors:
            is_manager = user_access(request.user).is_manager
            try:
                rma = return_request(
                    order=order, lines=requests, user=request.user,
                    source=ReturnSource.MANAGER if is_manager else ReturnSource.API,
                    customer_note=request.POST.get("customer_note", "")[:2000], authorise=True,
                    ignore_window=is_manager and request.POST.get("ignore_window") == "on",
                )
            except DomainError as exc:
                errors = [exc.message]
            else:
                messages.success(request, f"Return {rma.number} opened and authorised.")
                return redirect("returns:detail", pk=rma.pk)
    rows = []
    if order is not None:
        returnable = order_returnable_quantities(order=order)
        rows = [{"line": line, "left": returnable.get(line.pk, 0), "range": range(returnable.get(line.pk, 0) + 1)}
                for line in order.lines.all() if line.product_id]
    return render(request, "returns/return_create.html", {
        "lookup": lookup, "order": order, "rows": rows, "errors": errors, "reasons": ReturnReason.choices,
        "posted": request.POST,
    }, status=400 if errors else 200)


@require_POST
@login_required
@role_required(*DECIDE_ROLES)
def return_authorise_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    return_authorise(rma=rma, user=request.user)
    messages.success(request, f"Return {rma.number} authorised; the customer gets the label by email.")
    return redirect("returns:detail", pk=pk)


@require_POST
@login_required
@role_required(*DECIDE_ROLES)
def return_reject_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the customer a reason for the rejection.")
        return redirect("returns:detail", pk=pk)
    return_reject(rma=rma, reason=form.cleaned_data["reason"], user=request.user)
    messages.success(request, f"Return {rma.number} rejected.")
    return redirect("returns:detail", pk=pk)


@require_POST
@login_required
@role_required(*DECIDE_ROLES)
def return_close_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    form = NoteForm(request.POST)
    form.is_valid()
    return_close(rma=rma, note=form.cleaned_data.get("note", ""), user=request.user)
    messages.success(request, f"Return {rma.number} closed.")
    return redirect("returns:detail", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER)
def return_refund_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    refund = return_refund(rma=rma, user=request.user)
    messages.success(request, f"Refund of {refund.amount} {refund.currency} recorded for {rma.number}.")
    return redirect("returns:detail", pk=pk)
