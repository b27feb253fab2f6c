import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.documents import document_view
from core.exceptions import DomainError
from inventory.selectors import client_list
from orders.models import Order
from orders.selectors import order_list
from returns import analytics
from returns.choices import CaseStatus, Disposition, ReturnReason, ReturnSource, ReturnStatus
from returns.filters import CaseFilter, ReturnFilter
from returns.forms import (
    AnalyticsFilterForm,
    CaseResolveForm,
    CustomerLookupForm,
    NoteForm,
    OrderLookupForm,
    ReasonForm,
    ReceiveUnitForm,
    ScanReturnForm,
    SurveyForm,
    parse_line_requests,
)
from returns.links import order_id_from_token, order_token, return_id_from_token, return_token
from returns.models import FeedbackCase, ReturnAuthorization
from returns.pdf import RETURN_LABEL
from returns.refunds import refund_quote
from returns.selectors import (
    case_list,
    order_find_for_customer,
    order_returnable_quantities,
    return_find_by_number,
    return_get,
    return_list,
    return_policy_get,
)
from returns.services import (
    RESTOCK_LOCATION_KINDS,
    return_authorise,
    return_close,
    return_inspection_finish,
    return_receive_start,
    return_refund,
    return_reject,
    return_request,
    return_unit_receive,
    return_window_closes_at,
)
from returns.surveys import case_resolve, survey_answer, survey_from_token
from returns.trace import order_traces
from shipping.document_store import document_response
from warehouses.models import Location
from warehouses.selectors import warehouse_list

VIEW_ROLES = (Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER)
DECIDE_ROLES = (Role.MANAGER, Role.CLIENT)
DESK_ROLES = (Role.MANAGER, Role.PICKER, Role.PACKER)
LOOKUP_LIMIT = 20  # self-service lookups per address per 15 minutes: order numbers are guessable, postcodes too
LOOKUP_WINDOW_SECONDS = 15 * 60


# --- Customers (no login) -----------------------------------------------------------------------------------


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _lookup_allowed(request) -> bool:
    key = f"returns-lookup:{_client_ip(request)}"
    cache.add(key, 0, LOOKUP_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOOKUP_WINDOW_SECONDS)
        attempts = 1
    return attempts <= LOOKUP_LIMIT


@never_cache
@require_http_methods(["GET", "POST"])
def customer_start_view(request):
    """Step 1 of a self-service return: find the order by its number and the email or postal code on it."""
    form = CustomerLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _lookup_allowed(request):
            form.add_error(None, "Too many attempts. Please wait a few minutes and try again.")
        else:
            order = order_find_for_customer(order_number=form.cleaned_data["order_number"],
                                            email_or_postcode=form.cleaned_data["email_or_postcode"])
            if order is None:
                form.add_error(None, "We could not find an order with that number and email or postal code. "
                                     "Check both against your order confirmation.")
            else:
                return redirect("returns:start_items", token=order_token(order_id=order.pk))
    return render(request, "returns/customer/start.html", {"form": form}, status=400 if form.errors else 200)


def _order_from_token(token: str) -> Order:
    order_id = order_id_from_token(token)
    if order_id is None:
        raise Http404("This link has expired; please look up your order again.")
    try:
        return Order.objects.select_related("client").prefetch_related("lines__product").get(pk=order_id)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc


@never_cache
@require_http_methods(["GET", "POST"])
def customer_items_view(request, token: str):
    """Step 2: choose items, quantities and reasons; the client's policy decides what happens next."""
    order = _order_from_token(token)
    policy = return_policy_get(client=order.client)
    returnable = order_returnable_quantities(order=order)
    lines = [line for line in order.lines.all() if line.product_id]
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        requests, errors = parse_line_requests(request.POST, lines)
        if not errors:
            try:
                rma = return_request(order=order, lines=requests, source=ReturnSource.CUSTOMER,
                                     actor="customer (self-service)",
                                     customer_note=request.POST.get("customer_note", "")[:2000])
            except DomainError as exc:
                errors = [exc.message]
            else:
                return redirect("returns:status", token=return_token(rma_id=rma.pk))
        status = 400
    closes_at = return_window_closes_at(order=order, policy=policy)
    context = {
        "order": order, "token": token, "policy": policy, "errors": errors, "posted": request.POST,
        "rows": [{"line": line, "left": returnable.get(line.pk, 0), "range": range(returnable.get(line.pk, 0) + 1)}
                 for line in lines],
        "reasons": ReturnReason.choices, "closes_at": closes_at,
        "window_closed": closes_at is not None and timezone.now() > closes_at,
        "not_shipped": order.status not in ("shipped", "delivered"),
        "free_label_reasons": [r.get_reason_display() for r in policy.reason_rules.all() if r.free_label],
    }
    return render(request, "returns/customer/items.html", context, status=status)


def _return_from_token(token: str) -> ReturnAuthorization:
    rma_id = return_id_from_token(token)
    if rma_id is None:
        raise Http404("This link is not valid.")
    try:
        return ReturnAuthorization.objects.select_related("order", "client", "warehouse").get(pk=rma_id)
    except ReturnAuthorization.DoesNotExist as exc:
        raise Http404("No such return.") from exc


@never_cache
def customer_status_view(request, token: str):
    """The customer's page of one return: its number, status, what to do next, the label."""
    rma = _return_from_token(token)
    # Customers see the status changes, not the desk's notes (a note keeps from == to).
    return render(request, "returns/customer/status.html", {
        "rma": rma, "token": token, "lines": rma.lines.select_related("product"),
        "events": rma.events.exclude(from_status=F("to_status")).order_by("created_at", "pk"),
    })


@never_cache
def customer_label_view(request, token: str):
    """The return label as a PDF, for customers to print (also attached to their email)."""
    rma = _return_from_token(token)
    if not rma.can_print_label:
        raise Http404("This return does not need a label (any more).")
    return document_response(RETURN_LABEL, rma.pk)


@document_view(*VIEW_ROLES)
def return_label_view(request, pk: int):
    """The return label for staff and the client (session or API token): the same stored file as the customer's."""
    rma = return_list(user=request.user).filter(pk=pk).first()
    if rma is None or not rma.can_print_label:
        raise Http404("No return label here.")
    return document_response(RETURN_LABEL, rma.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_view(request, token: str):
    """The one-page “how did we do?” survey behind the emailed link (signed, expiring, single use)."""
    try:
        survey = survey_from_token(token=token)
    except DomainError as exc:
        return render(request, "returns/customer/survey_closed.html", {"message": exc.message}, status=410)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(token=token, rating=form.cleaned_data["rating"], problems=form.cleaned_data["problems"],
                          comment=form.cleaned_data["comment"])
        except DomainError as exc:
            return render(request, "returns/customer/survey_closed.html", {"message": exc.message}, status=410)
        return render(request, "returns/customer/survey_thanks.html", {"order": survey.order,
                                                                        "problems": form.cleaned_data["problems"]})
    return render(request, "returns/customer/survey.html", {"form": form, "survey": survey, "order": survey.order},
                  status=400 if form.errors else 200)


# --- Staff ----------------------------------------------------------------------------------------------------


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
        "rma": rma, "quote": quote, "reason_form": ReasonForm(), "note_form": NoteForm(),
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


# --- Returns desk ---------------------------------------------------------------------------------------------


@login_required
@role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def receive_scan_view(request):
    """The returns desk: scanning the RMA label of a parcel receives it and opens its inspection."""
    form = ScanReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rma = return_find_by_number(user=request.user, number=form.cleaned_data["number"])
        if rma is None:
            form.add_error("number", "No return with that RMA number (for your warehouse).")
        elif not rma.can_receive:
            form.add_error("number", f"Return {rma.number} is {rma.get_status_display().lower()}; "
                                     "it is not expected back.")
        else:
            return_receive_start(rma=rma, user=request.user)
            return redirect("returns:receive", pk=rma.pk)
    expected = (return_list(user=request.user).filter(status__in=[ReturnStatus.AUTHORISED, ReturnStatus.IN_TRANSIT,
                                                                  ReturnStatus.RECEIVED])
                .order_by("status", "created_at")[:30])
    return render(request, "returns/receive_scan.html", {"form": form, "expected": expected},
                  status=400 if form.errors else 200)


def _restock_locations(rma: ReturnAuthorization):
    return (Location.objects.filter(warehouse_id=rma.warehouse_id, is_active=True)
            .filter(kind__in=sorted(RESTOCK_LOCATION_KINDS | {"returns"}))
            .order_by("kind", "walk_sequence", "code"))


@login_required
@role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def receive_view(request, pk: int):
    """Scan each item of a return's parcel, inspect it and choose its disposition; then finish. A parcel not
    yet received shows the button that receives it (receive_start_view)."""
    rma = _get_return_or_404(request, pk)
    locations = _restock_locations(rma)
    form = ReceiveUnitForm(request.POST or None, locations=locations,
                           initial={"disposition": Disposition.RESTOCK})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            units = return_unit_receive(
                rma=rma, barcode=data["barcode"], disposition=data["disposition"], location=data["location"],
                quantity=data["quantity"], condition_note=data["condition_note"], user=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            unexpected = sum(u.quantity for u in units if not u.expected)
            text = f"{sum(u.quantity for u in units)} × {units[0].product.sku}: {units[0].get_disposition_display()}"
            if unexpected:
                messages.warning(request, text + f" — {unexpected} not expected on this return.")
            else:
                messages.success(request, text)
            return redirect("returns:receive", pk=pk)
    return render(request, "returns/receive.html", {"rma": rma, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@login_required
@role_required(*DESK_ROLES)
def receive_start_view(request, pk: int):
    """Receive the parcel of a return (status received), so that its items can be scanned."""
    rma = _get_return_or_404(request, pk)
    return_receive_start(rma=rma, user=request.user)
    messages.success(request, f"Parcel of {rma.number} received: scan its items.")
    return redirect("returns:receive", pk=pk)


@require_POST
@login_required
@role_required(*DESK_ROLES)
def receive_finish_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    return_inspection_finish(rma=rma, user=request.user, note=request.POST.get("note", "")[:1000])
    messages.success(request, f"Return {rma.number} inspected.")
    return redirect("returns:detail", pk=pk)


# --- Learning from returns ------------------------------------------------------------------------------------


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def analytics_view(request):
    """Return rates by SKU and client, reasons over time, and the trace of mistakes to pick and pack."""
    today = timezone.localdate()
    clients = client_list(user=request.user)
    warehouses = warehouse_list(user=request.user)
    form = AnalyticsFilterForm(request.GET or None, clients=clients, warehouses=warehouses)
    date_from, date_to, period, client, warehouse = today - datetime.timedelta(days=180), today, "month", None, None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        date_from = data["date_from"] or date_from
        date_to = data["date_to"] or date_to
        period = data["period"] or period
        client, warehouse = data["client"], data["warehouse"]
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    scope = analytics.Scope(date_from=date_from, date_to=date_to, period=period,
                            client_id=client.pk if client else None, warehouse_id=warehouse.pk if warehouse else None)
    return render(request, "returns/analytics.html", {
        "form": form, "scope": scope,
        "by_sku": analytics.return_rate_by_sku(user=request.user, scope=scope),
        "by_client": analytics.return_rate_by_client(user=request.user, scope=scope),
        "reasons": analytics.reasons_over_time(user=request.user, scope=scope),
        "traces": analytics.mistake_traces(user=request.user, scope=scope),
    })


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def case_list_view(request):
    """“Something was wrong” survey answers for managers to follow up."""
    data = request.GET.copy()
    data.setdefault("status", CaseStatus.OPEN)
    filterset = CaseFilter(data, queryset=case_list(user=request.user).order_by("-created_at", "-pk"), request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))  # values not understood are left out
    return render(request, "returns/case_list.html", {
        "page": page, "status": filterset.form.cleaned_data.get("status", ""), "form": CaseResolveForm(),
        "statuses": CaseStatus.choices, "filterset": filterset})


@require_POST
@login_required
@role_required(Role.MANAGER)
def case_resolve_view(request, pk: int):
    try:
        case = case_list(user=request.user).get(pk=pk)
    except FeedbackCase.DoesNotExist as exc:
        raise Http404("No such case.") from exc
    form = CaseResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what was done about it.")
    else:
        case_resolve(case=case, note=form.cleaned_data["note"], user=request.user)
        messages.success(request, f"Case of order {case.order.order_number} resolved.")
    return redirect("returns:cases")
