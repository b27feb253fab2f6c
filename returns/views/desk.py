"""The returns desk: scan a parcel's RMA label, receive and inspect its units, finish the inspection."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.choices import Role
from core.decorators import role_required
from core.exceptions import DomainError
from core.scanning import message_finished
from returns.choices import Disposition, ReturnStatus
from returns.exceptions import MixedBin
from returns.forms import SUGGESTED, ReceiveUnitForm, ScanReturnForm
from returns.models import ReturnAuthorization
from returns.selectors import return_find_by_number, return_list
from returns.services.receiving import (
    RESTOCK_LOCATION_KINDS,
    return_inspection_finish,
    return_putaway_suggest,
    return_receive_start,
    return_unit_receive,
)
from returns.views.staff import _get_return_or_404
from warehouses.models import Location

DESK_ROLES = (Role.MANAGER, Role.PICKER, Role.PACKER)


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
    mixed = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        suggested = data["location"] == SUGGESTED
        try:
            units = return_unit_receive(
                rma=rma, barcode=data["barcode"], disposition=data["disposition"],
                location=None if suggested else data["location"], suggest_location=suggested,
                allow_mixing=data["allow_mixing"], quantity=data["quantity"], condition_note=data["condition_note"],
                user=request.user,
            )
        except DomainError as exc:
            mixed = isinstance(exc, MixedBin)
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            unexpected = sum(u.quantity for u in units if not u.expected)
            text = (f"{sum(u.quantity for u in units)} × {units[0].product.sku}: {units[0].get_disposition_display()}"
                    f" to {units[0].location.code}")
            if unexpected:
                messages.warning(request, text + f" — {unexpected} not expected on this return.")
            elif ReturnAuthorization.objects.get(pk=rma.pk).all_items_in:
                message_finished(request, text + _(" — every item is in: finish the inspection."))
            else:
                messages.success(request, text)
            return redirect("returns:receive", pk=pk)
    putaway = [(line.product.sku, return_putaway_suggest(rma=rma, product=line.product))
               for line in rma.lines.select_related("product").order_by("pk")
               if rma.status == ReturnStatus.RECEIVED and line.expects_units and line.outstanding]
    return render(request, "returns/receive.html", {"rma": rma, "form": form, "mixed": mixed, "putaway": putaway},
                  status=400 if form.errors else 200)


@require_POST
@login_required
@role_required(*DESK_ROLES)
def receive_start_view(request, pk: int):
    """Receive the parcel of a return (status received), so that its items can be scanned."""
    rma = _get_return_or_404(request, pk)
    return_receive_start(rma=rma, user=request.user)
    messages.success(request, _("Parcel of %(rma)s received: scan its items.") % {"rma": rma.number})
    return redirect("returns:receive", pk=pk)


@require_POST
@login_required
@role_required(*DESK_ROLES)
def receive_finish_view(request, pk: int):
    rma = _get_return_or_404(request, pk)
    return_inspection_finish(rma=rma, user=request.user, note=request.POST.get("note", "")[:1000])
    messages.success(request, _("Return %(rma)s inspected.") % {"rma": rma.number})
    return redirect("returns:detail", pk=pk)
