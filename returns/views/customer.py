"""The customers' self-service pages (no login, signed links): look an order up, choose what to return, follow
the return, print its label; the follow-up survey."""

from django.core.cache import cache
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.exceptions import DomainError
from orders.models import Order
from returns.choices import ReturnReason, ReturnSource
from returns.forms import CustomerLookupForm, SurveyForm, parse_line_requests
from returns.links import order_id_from_token, order_token, return_id_from_token, return_token
from returns.models import ReturnAuthorization
from returns.pdf import RETURN_LABEL
from returns.refunds import return_label_fee
from returns.selectors import order_find_for_customer, order_returnable_quantities, return_policy_get
from returns.services.opening import return_request, return_window_closes_at
from returns.surveys import survey_answer, survey_from_token
from shipping.document_store import document_response

LOOKUP_LIMIT = 20  # self-service lookups per address per 15 minutes: order numbers are guessable, postcodes too
LOOKUP_WINDOW_SECONDS = 15 * 60


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
    # The packing slip's link names the order, so the customer types only the email or postal code.
    form = CustomerLookupForm(request.POST or None, initial={"order_number": request.GET.get("order", "")[:64]})
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
        "rma": rma, "token": token, "lines": rma.lines.select_related("product"), "label_fee": return_label_fee(rma=rma),
        "events": rma.events.exclude(from_status=F("to_status")).order_by("created_at", "pk"),
    })


@never_cache
def customer_label_view(request, token: str):
    """The return label as a PDF, for customers to print (also attached to their email)."""
    rma = _return_from_token(token)
    if not rma.can_print_label:
        raise Http404("This return does not need a label (any more).")
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
