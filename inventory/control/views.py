"""Pages for receiving (ASNs), cycle counts and transfers; every write goes through its service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.exceptions import DomainError
from core.forms import form_errors_text
from core.scanning import message_finished
from core.selectors import status_change_list
from inventory.choices import CountLineStatus, CountStatus
from inventory.control.counting import (
    cycle_count_approve,
    cycle_count_create,
    cycle_count_record,
    cycle_count_submit,
)
from inventory.control.forms import (
    CycleCountCreateForm,
    InboundForm,
    InboundReverseForm,
    ScanForm,
    TransferForm,
)
from inventory.control.receiving import (
    inbound_close,
    inbound_create,
    inbound_differences,
    inbound_lines_from_csv,
    inbound_receive_scan,
    inbound_reverse,
    putaway_suggest,
)
from inventory.control.transfers import transfer_cancel, transfer_create, transfer_dispatch, transfer_receive
from inventory.exceptions import MixedBin
from inventory.filters import CycleCountFilter, InboundShipmentFilter, TransferFilter
from inventory.models import CycleCount, InboundShipment, Transfer
from inventory.selectors import (
    client_list,
    cycle_count_get,
    cycle_count_list,
    inbound_shipment_get,
    inbound_shipment_list,
    product_list,
    transfer_get,
    transfer_list,
)
from warehouses.selectors import location_list, warehouse_list

STAFF = (Role.MANAGER, Role.PICKER, Role.PACKER)


def _list_with_plan_form(request, *, form_class, plan, rows, filterset_class, template: str, what: str):
    """A list page, filtered by the FilterSet its API uses, whose form lets a manager plan a new one (a count,
    a transfer).

    `plan(data)` turns the valid form's data into the new object and returns the redirect to it, or None
    after saying in a message why it did not; a DomainError it raises is shown as a message too.
    """
    access = user_access(request.user)
    form = form_class(request.POST or None, warehouses=warehouse_list(user=request.user))
    if request.method == "POST":
        if not access.is_manager:
            raise Http404(f"Only managers plan {what}.")
        if form.is_valid():
            try:
                response = plan(form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if response is not None:
                    return response
        else:
            messages.error(request, form_errors_text(form))
    filterset = filterset_class(request.GET or None, queryset=rows.order_by("-created_at", "-pk"), request=request)
    filterset.form.auto_id = "filter_%s"  # the plan form has fields of the same names
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))  # values not understood are left out
    return render(request, template, {"page": page, "form": form, "filterset": filterset,
                                      "is_manager": access.is_manager})


# --- Receiving ---------------------------------------------------------------------------------------------

def _lines_from_text(text: str) -> list[dict]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.replace(";", ",").split(",")]
        if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
            raise DomainError(f"Line {number}: write 'SKU, quantity'.", field="lines")
        lines.append({"sku": parts[0], "quantity": int(parts[1]), "row": number})
    return lines


@login_required
@role_required(*STAFF, Role.CLIENT)
def inbound_list_view(request):
    shipments = inbound_shipment_list(user=request.user).order_by("-created_at", "-pk")
    filterset = InboundShipmentFilter(request.GET or None, queryset=shipments, request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))  # values not understood are left out
    return render(request, "inventory/control/inbound_list.html", {"page": page, "filterset": filterset})


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def inbound_create_view(request):
    form = InboundForm(request.POST or None, request.FILES or None, clients=client_list(user=request.user),
                       warehouses=warehouse_list(user=request.user))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                lines = (inbound_lines_from_csv(data["csv_file"].read()) if data.get("csv_file")
                         else _lines_from_text(data["lines_text"]))
                shipment = inbound_create(client=data["client"], warehouse=data["warehouse"],
                                          reference=data["reference"], lines=lines, user=request.user,
                                          expected_date=data.get("expected_date"), carrier=data.get("carrier", ""))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"ASN {shipment.reference} recorded with {len(lines)} line(s).")
                return redirect("inventory:inbound_detail", pk=shipment.pk)
        else:
            messages.error(request, form_errors_text(form))
    return render(request, "inventory/control/inbound_form.html", {"form": form})


def _shipment_or_404(request, pk) -> InboundShipment:
    try:
        return inbound_shipment_get(user=request.user, pk=pk)
    except InboundShipment.DoesNotExist as exc:
        raise Http404("No such inbound shipment.") from exc


@login_required
@role_required(*STAFF, Role.CLIENT)
def inbound_detail_view(request, pk: int):
    """The ASN, and for warehouse staff the scanner form that receives it."""
    shipment = _shipment_or_404(request, pk)
    access = user_access(request.user)
    form = ScanForm(request.POST or None)
    if request.method == "POST":
        if not access.is_staff_member:
            raise Http404("Only warehouse staff receive.")
        if form.is_valid():
            data = form.cleaned_data
            location = None
            if data["location"]:
                location = location_list(user=request.user).filter(warehouse=shipment.warehouse,
                                                                   code=data["location"].strip()).first()
                if location is None:
                    messages.error(request, _("No location %(location)s in %(warehouse)s.") % {
                        "location": data["location"], "warehouse": shipment.warehouse.code})
                    return redirect("inventory:inbound_detail", pk=pk)
            try:
                result = inbound_receive_scan(shipment=shipment, code=data["code"], quantity=data["quantity"],
                                              damaged=data["damaged"], location=location,
                                              allow_mixing=data["allow_mixing"], user=request.user)
            except MixedBin as exc:
                # Same scan, same bin, one tick away: the page asks before the units go in.
                messages.error(request, exc.message)
                return _inbound_detail(request, shipment, access, form=form, mixed=True, status=400)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if result.line is not None and InboundShipment.objects.get(pk=shipment.pk).all_received:
                    message_finished(request, _("%(message)s Every expected unit is in: close the ASN.") % {
                        "message": result.message})
                else:
                    messages.success(request, result.message)
            return redirect("inventory:inbound_detail", pk=pk)
        messages.error(request, form_errors_text(form))
    return _inbound_detail(request, shipment, access)


def _inbound_detail(request, shipment, access, *, form=None, mixed: bool = False, status: int = 200):
    lines = list(shipment.lines.all())
    suggestions = {}
    if shipment.can_receive and access.is_staff_member:
        for line in lines:
            if line.outstanding:
                suggestions[line.pk] = putaway_suggest(product=line.product, warehouse=shipment.warehouse)
    return render(request, "inventory/control/inbound_detail.html", {
        "shipment": shipment, "lines": [(line, suggestions.get(line.pk)) for line in lines],
        "differences": inbound_differences(shipment), "form": form or ScanForm(), "mixed": mixed,
        "can_scan": access.is_staff_member, "changes": status_change_list(instance=shipment),
        "reverse_form": InboundReverseForm() if access.is_manager and shipment.can_reverse else None,
    }, status=status)


@require_POST
@login_required
@role_required(*STAFF)
def inbound_close_view(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    try:
        inbound_close(shipment=shipment, user=request.user)
        messages.success(request, _("ASN %(reference)s closed; differences reported to the client.") % {
            "reference": shipment.reference})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:inbound_detail", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER)
def inbound_reverse_view(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    form = InboundReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("inventory:inbound_detail", pk=pk)
    try:
        inbound_reverse(shipment=shipment, reason=form.cleaned_data["reason"], user=request.user)
        messages.success(request, _("ASN %(reference)s reversed: its units left the bins and its receiving charge "
                                    "was cancelled.") % {"reference": shipment.reference})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:inbound_detail", pk=pk)


# --- Cycle counts ------------------------------------------------------------------------------------------

@login_required
@role_required(*STAFF)
def count_list_view(request):
    def plan(data):
        codes = [c.strip() for c in data["locations"].split(",") if c.strip()]
        location_ids = list(location_list(user=request.user).filter(warehouse=data["warehouse"], code__in=codes)
                            .values_list("pk", flat=True))
        if codes and len(location_ids) != len(set(codes)):
            messages.error(request, f"Some of those locations are not in {data['warehouse'].code}.")
            return None
        count = cycle_count_create(warehouse=data["warehouse"], user=request.user, abc_class=data["abc_class"],
                                   location_ids=location_ids or None, approval_threshold=data["approval_threshold"])
        messages.success(request, f"Count {count.pk} created with {count.lines.count()} bin(s).")
        return redirect("inventory:count_detail", pk=count.pk)

    return _list_with_plan_form(request, form_class=CycleCountCreateForm, plan=plan,
                                rows=cycle_count_list(user=request.user), filterset_class=CycleCountFilter,
                                template="inventory/control/count_list.html", what="counts")


def _count_or_404(request, pk) -> CycleCount:
    try:
        return cycle_count_get(user=request.user, pk=pk)
    except CycleCount.DoesNotExist as exc:
        raise Http404("No such count.") from exc


@login_required
@role_required(*STAFF)
def count_detail_view(request, pk: int):
    """The scanner page: one row per bin, counted blind (the expected quantity is hidden while open)."""
    count = _count_or_404(request, pk)
    if request.method == "POST":
        line = next((ln for ln in count.lines.all() if str(ln.pk) == request.POST.get("line")), None)
        raw = request.POST.get("counted", "").strip()
        if line is None or not raw.isdigit():
            messages.error(request, _("Enter the number of units you counted (0 or more)."))
        else:
            try:
                cycle_count_record(line=line, counted_quantity=int(raw), user=request.user)
                recorded = ngettext("%(location)s: %(counted)s × %(sku)s recorded.",
                                    "%(location)s: %(counted)s × %(sku)s recorded.", int(raw)) % {
                    "location": line.location.code, "counted": int(raw), "sku": line.product.sku}
                if count.all_counted:
                    message_finished(request, _("%(recorded)s Every bin is counted: submit the count.") % {
                        "recorded": recorded})
                else:
                    messages.success(request, recorded)
            except DomainError as exc:
                messages.error(request, exc.message)
        return redirect("inventory:count_detail", pk=pk)
    lines = list(count.lines.all())
    return render(request, "inventory/control/count_detail.html", {
        "count": count, "lines": lines, "is_manager": user_access(request.user).is_manager,
        "uncounted": sum(1 for ln in lines if ln.counted_quantity is None),
        "waiting": [ln for ln in lines if ln.status == CountLineStatus.NEEDS_APPROVAL],
        "open": count.status == CountStatus.OPEN, "changes": status_change_list(instance=count),
    })


@require_POST
@login_required
@role_required(*STAFF)
def count_submit_view(request, pk: int):
    count = _count_or_404(request, pk)
    try:
        count = cycle_count_submit(count=count, user=request.user)
        messages.success(request, _("Count %(count)s: %(status)s.") % {
            "count": count.pk, "status": count.get_status_display().lower()})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:count_detail", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER)
def count_approve_view(request, pk: int):
    count = _count_or_404(request, pk)
    reject = [int(v) for v in request.POST.getlist("reject") if v.isdigit()]
    try:
        count = cycle_count_approve(count=count, user=request.user, reject_ids=reject)
        if reject:
            messages.success(request, _("Count %(count)s: variances approved, %(rejected)s sent back for a "
                                        "recount.") % {"count": count.pk, "rejected": len(reject)})
        else:
            messages.success(request, _("Count %(count)s: variances approved.") % {"count": count.pk})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:count_detail", pk=pk)


# --- Transfers ---------------------------------------------------------------------------------------------

def _transfer_lines(request, text: str, from_warehouse, to_warehouse) -> list[dict]:
    lines = []
    products = product_list(user=request.user)
    locations = location_list(user=request.user)
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.replace(";", ",").split(",")]
        if len(parts) not in (3, 4) or not parts[2].isdigit():
            raise DomainError(f"Line {number}: write 'SKU, from location, quantity[, to location]'.", field="lines")
        product = products.filter(sku=parts[0]).order_by("pk").first()
        source = locations.filter(warehouse=from_warehouse, code=parts[1]).first()
        target = locations.filter(warehouse=to_warehouse, code=parts[3]).first() if len(parts) == 4 else None
        if product is None:
            raise DomainError(f"Line {number}: no SKU {parts[0]}.", field="lines")
        if source is None:
            raise DomainError(f"Line {number}: no location {parts[1]} in {from_warehouse.code}.", field="lines")
        if len(parts) == 4 and target is None:
            raise DomainError(f"Line {number}: no location {parts[3]} in {to_warehouse.code}.", field="lines")
        lines.append({"product": product, "from_location": source, "to_location": target,
                      "quantity": int(parts[2])})
    return lines


@login_required
@role_required(*STAFF)
def transfer_list_view(request):
    def plan(data):
        lines = _transfer_lines(request, data["lines_text"], data["from_warehouse"], data["to_warehouse"])
        transfer = transfer_create(from_warehouse=data["from_warehouse"], to_warehouse=data["to_warehouse"],
                                   lines=lines, user=request.user, note=data["note"])
        messages.success(request, f"Transfer {transfer.pk} planned.")
        return redirect("inventory:transfer_detail", pk=transfer.pk)

    return _list_with_plan_form(request, form_class=TransferForm, plan=plan, rows=transfer_list(user=request.user),
                                filterset_class=TransferFilter, template="inventory/control/transfer_list.html",
                                what="transfers")


def _transfer_or_404(request, pk) -> Transfer:
    try:
        return transfer_get(user=request.user, pk=pk)
    except Transfer.DoesNotExist as exc:
        raise Http404("No such transfer.") from exc


@login_required
@role_required(*STAFF)
def transfer_detail_view(request, pk: int):
    transfer = _transfer_or_404(request, pk)
    return render(request, "inventory/control/transfer_detail.html", {
        "transfer": transfer, "is_manager": user_access(request.user).is_manager,
        "changes": status_change_list(instance=transfer),
    })


TRANSFER_ACTIONS = {"dispatch": transfer_dispatch, "receive": transfer_receive, "cancel": transfer_cancel}


@require_POST
@login_required
@role_required(*STAFF)
def transfer_action_view(request, pk: int, action: str):
    transfer = _transfer_or_404(request, pk)
    service = TRANSFER_ACTIONS.get(action)
    if service is None:
        raise Http404("No such action.")
    if action == "cancel" and not user_access(request.user).is_manager:
        raise Http404("Only managers cancel transfers.")
    try:
        transfer = service(transfer=transfer, user=request.user)
        messages.success(request, f"Transfer {transfer.pk}: {transfer.get_status_display().lower()}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:transfer_detail", pk=pk)
