"""Billing pages: managers draft, check and finalise invoices, keep price lists, enter value-added work and
see unbilled work; client users see their finalised invoices and an estimate of the month so far."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing.documents import invoice_csv, invoice_pdf
from billing.events import vas_record
from billing.filters import InvoiceFilter
from billing.forms import (
    DraftForm,
    PriceListForm,
    ServiceRateForm,
    ShippingMarkupForm,
    StorageRateForm,
    VasForm,
)
from billing.models import Invoice, PriceList
from billing.selectors import (
    billable_event_list,
    client_list,
    invoice_get,
    invoice_lines,
    invoice_list,
    month_estimate,
    price_list_list,
    unbilled_event_list,
)
from billing.services import (
    invoice_draft,
    invoice_finalise,
    invoice_rebuild,
    price_list_create,
    price_list_rate_remove,
    price_list_rates_settled_by,
    service_rate_set,
    shipping_markup_set,
    storage_rate_set,
)
from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.documents import document_view, private_bytes_response
from core.exceptions import DomainError
from core.forms import form_errors_text

M, C = Role.MANAGER, Role.CLIENT
PRICE_FIELDS = [f.name for f in PriceList._meta.concrete_fields
                if f.name not in {"id", "client", "effective_from", "created_by", "created_at", "updated_at"}]


def _invoice_or_404(request, pk: int) -> Invoice:
    try:
        return invoice_get(user=request.user, pk=pk)
    except Invoice.DoesNotExist as exc:
        raise Http404("No such invoice.") from exc


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@role_required(M, C)
def invoice_list_view(request):
    access = user_access(request.user)
    invoices = invoice_list(user=request.user)
    filterset = InvoiceFilter(request.GET or None, queryset=invoices.order_by("-period_start", "client__name", "-pk"))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    form = None
    if access.is_manager:
        clients = client_list(user=request.user)
        form = DraftForm(request.POST or None, clients=clients)
        if request.method == "POST" and form.is_valid():
            try:
                draft = invoice_draft(client=form.cleaned_data["client"],
                                      period_start=form.cleaned_data["period_start"],
                                      period_end=form.cleaned_data["period_end"], user=request.user)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Draft built: {draft.currency} {draft.total}.")
                return redirect("billing:invoice", pk=draft.pk)
    return render(request, "billing/invoice_list.html",
                  {"page": page, "filterset": filterset, "form": form, "clients": client_list(user=request.user)})


@login_required
@role_required(M, C)
def invoice_detail_view(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    return render(request, "billing/invoice_detail.html", {"invoice": invoice, "lines": invoice_lines(invoice=invoice)})


@login_required
@role_required(M)
@require_POST
def invoice_rebuild_view(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    try:
        invoice_rebuild(invoice=invoice, user=request.user)
        messages.success(request, "Rebuilt from the events and prices as they are now.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:invoice", pk=pk)


@login_required
@role_required(M)
@require_POST
def invoice_finalise_view(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    try:
        done = invoice_finalise(invoice=invoice, user=request.user)
        messages.success(request, f"Finalised as {done.number}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:invoice", pk=pk)


@document_view(M, C)
def invoice_pdf_view(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    name = invoice.number or f"draft-{invoice.pk}"
    return private_bytes_response(invoice_pdf(invoice=invoice), filename=f"{name}.pdf",
                                  content_type="application/pdf")


@document_view(M, C)
def invoice_csv_view(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    name = invoice.number or f"draft-{invoice.pk}"
    return private_bytes_response(invoice_csv(invoice=invoice), filename=f"{name}-detail.csv",
                                  content_type="text/csv; charset=utf-8", as_attachment=True)


@login_required
@role_required(M, C)
def estimate_view(request):
    """The month so far, priced as the invoice will be (nothing saved)."""
    access = user_access(request.user)
    clients = client_list(user=request.user)
    client = None
    if access.is_client_user:
        client = clients.first()
    elif request.GET.get("client", "").isdigit():
        client = clients.filter(pk=int(request.GET["client"])).first()
    context = {"clients": clients, "client": client}
    if client is not None:
        start, end, lines = month_estimate(client=client)
        context.update(start=start, end=end, lines=lines, total=sum(line.amount for line in lines))
    return render(request, "billing/estimate.html", context)


@login_required
@role_required(M, C)
def price_list_list_view(request):
    access = user_access(request.user)
    form = None
    if access.is_manager:
        form = PriceListForm(request.POST or None, clients=client_list(user=request.user))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                created = price_list_create(client=data["client"], effective_from=data["effective_from"],
                                            user=request.user, **{f: data[f] for f in PRICE_FIELDS if f in data})
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Price list from {created.effective_from:%Y-%m-%d} saved.")
                return redirect("billing:price_list", pk=created.pk)
    price_lists = price_list_list(user=request.user).order_by("client__name", "-effective_from")
    return render(request, "billing/price_list_list.html", {"price_lists": price_lists, "form": form})


@login_required
@role_required(M, C)
def price_list_detail_view(request, pk: int):
    price_list = price_list_list(user=request.user).prefetch_related(
        "storage_rates", "shipping_markups__carrier", "shipping_markups__service__carrier", "service_rates",
    ).filter(pk=pk).first()
    if price_list is None:
        raise Http404("No such price list.")
    fields = [(price_list._meta.get_field(f).verbose_name, getattr(price_list, f"get_{f}_display", None)
               and getattr(price_list, f"get_{f}_display")() or getattr(price_list, f)) for f in PRICE_FIELDS]
    context = {"price_list": price_list, "fields": fields}
    if user_access(request.user).is_manager:
        settled = price_list_rates_settled_by(price_list)
        context["settled"] = settled
        if settled is None:
            context["rate_forms"] = {kind: form_class(prefix=kind) for kind, (form_class, _) in RATE_FORMS.items()}
    return render(request, "billing/price_list_detail.html", context)


# kind -> (its form, the service that sets it)
RATE_FORMS = {"storage": (StorageRateForm, storage_rate_set), "markup": (ShippingMarkupForm, shipping_markup_set),
              "service": (ServiceRateForm, service_rate_set)}


@require_POST
@login_required
@role_required(M)
def price_list_rates_view(request, pk: int):
    """Set or remove one storage rate, carrier markup or service price of a price list no invoice settled."""
    price_list = price_list_list(user=request.user).filter(pk=pk).first()
    if price_list is None:
        raise Http404("No such price list.")
    kind = request.POST.get("kind", "")
    if kind not in RATE_FORMS:
        messages.error(request, "Choose storage, a carrier markup or a service.")
        return redirect("billing:price_list", pk=pk)
    try:
        if "remove" in request.POST:
            rate_id = request.POST.get("remove", "")
            if not rate_id.isdigit():
                raise DomainError("Choose the rate to remove.")
            price_list_rate_remove(price_list=price_list, kind=kind, rate_id=int(rate_id))
            messages.success(request, "Rate removed.")
        else:
            form_class, rate_set = RATE_FORMS[kind]
            form = form_class(request.POST, prefix=kind)
            if not form.is_valid():
                messages.error(request, form_errors_text(form, labels=True))
                return redirect("billing:price_list", pk=pk)
            rate_set(price_list=price_list, **form.cleaned_data)
            messages.success(request, "Rate saved.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:price_list", pk=pk)


@login_required
@role_required(M)
def vas_view(request):
    clients = client_list(user=request.user)
    form = VasForm(request.POST or None, clients=clients)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vas_record(client=data["client"], service_code=data["service_code"], quantity=data["quantity"],
                       note=data["note"], work_date=data["work_date"], user=request.user)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Value-added work recorded.")
            return redirect(reverse("billing:vas"))
    recent = billable_event_list(user=request.user).filter(kind="vas").order_by("-event_date", "-pk")[:50]
    return render(request, "billing/vas.html", {"form": form, "recent": recent})


@login_required
@role_required(M)
def unbilled_view(request):
    page = Paginator(unbilled_event_list(user=request.user), 100).get_page(request.GET.get("page"))
    return render(request, "billing/unbilled.html", {"page": page})
