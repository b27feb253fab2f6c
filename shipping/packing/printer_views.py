"""Pages of printing at the pack station: the managers' printer settings, reprints and laser prints."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from shipping.choices import PrinterConnection, PrinterPurpose
from shipping.exceptions import PrintingError
from shipping.models import Package
from shipping.printing import (
    document_print,
    lp_available,
    pack_station_create,
    package_label_reprint,
    printer_deactivate,
    printer_register,
)
from shipping.selectors import pack_station_list, pick_list_list, print_job_list, printer_list, shipment_list
from warehouses.selectors import warehouse_list

PACK_ROLES = (Role.PACKER, Role.MANAGER)


class StationForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=None)
    code = forms.CharField(max_length=40, help_text="What packers type as their station, e.g. PACK-01.")
    name = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouse_list(user=user).filter(is_active=True)


class PrinterForm(forms.Form):
    station = forms.ModelChoiceField(queryset=None)
    purpose = forms.ChoiceField(choices=PrinterPurpose.choices)
    connection = forms.ChoiceField(choices=PrinterConnection.choices)
    name = forms.CharField(max_length=100, required=False)
    host = forms.CharField(max_length=255, required=False, label="Host (raw TCP)")
    port = forms.IntegerField(min_value=1, max_value=65535, initial=9100, required=False, label="Port")
    queue = forms.CharField(max_length=127, required=False, label="CUPS queue")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = pack_station_list(user=user).filter(is_active=True)


@login_required
@role_required(Role.MANAGER)
def printers_view(request):
    """Register pack stations and their printers; see the recent print jobs and their state."""
    station_form = StationForm(user=request.user)
    printer_form = PrinterForm(user=request.user)
    if request.method == "POST":
        kind = request.POST.get("form")
        if kind == "station":
            station_form = StationForm(request.POST, user=request.user)
            if station_form.is_valid():
                try:
                    station = pack_station_create(**station_form.cleaned_data)
                except PrintingError as exc:
                    station_form.add_error(exc.field, exc.message)
                else:
                    messages.success(request, f"Station {station} added.")
                    return redirect("packing:printers")
        elif kind == "printer":
            printer_form = PrinterForm(request.POST, user=request.user)
            if printer_form.is_valid():
                data = printer_form.cleaned_data
                try:
                    printer = printer_register(station=data["station"], purpose=data["purpose"],
                                               connection=data["connection"], host=data["host"],
                                               port=data["port"] or 9100, queue=data["queue"], name=data["name"])
                except PrintingError as exc:
                    printer_form.add_error(exc.field, exc.message)
                else:
                    messages.success(request, f"{printer.get_purpose_display()} of {printer.station}: "
                                              f"{printer.address}.")
                    return redirect("packing:printers")
        elif kind == "deactivate":
            printer = printer_list(user=request.user).filter(pk=request.POST.get("printer") or 0).first()
            if printer is None:
                raise Http404("No such printer.")
            printer_deactivate(printer=printer)
            messages.success(request, f"{printer} no longer prints.")
            return redirect("packing:printers")
    stations = list(pack_station_list(user=request.user).order_by("warehouse__code", "code"))
    printers = {}
    for printer in printer_list(user=request.user).filter(is_active=True):
        printers.setdefault(printer.station_id, {})[printer.purpose] = printer
    rows = [{"station": s, "label": printers.get(s.pk, {}).get(PrinterPurpose.LABEL),
             "laser": printers.get(s.pk, {}).get(PrinterPurpose.DOCUMENT)} for s in stations]
    return render(request, "shipping/packing/printers.html", {
        "rows": rows, "station_form": station_form, "printer_form": printer_form, "lp_available": lp_available(),
        "jobs": print_job_list(user=request.user).order_by("-created_at", "-pk")[:30],
    })


@require_POST
@login_required
@role_required(*PACK_ROLES)
def package_reprint_view(request, pk: int):
    package = Package.objects.select_related("shipment").filter(
        pk=pk, shipment__in=shipment_list(user=request.user)).first()
    if package is None:
        raise Http404("No such package.")
    job = package_label_reprint(package=package, user=request.user)
    messages.success(request, f"Label of package {package.number} sent to {job.printer.address}.")
    return redirect("packing:shipment", pk=package.shipment_id)


@require_POST
@login_required
@role_required(Role.PICKER, *PACK_ROLES)
def document_print_view(request):
    """Send a packing slip (shipment=<id>) or a pick list (pick_list=<id>) to a laser printer."""
    printer = printer_list(user=request.user).filter(pk=request.POST.get("printer") or 0).first()
    if printer is None:
        raise PrintingError("Choose a laser printer.", field="printer")
    if request.POST.get("shipment"):
        shipment = shipment_list(user=request.user).filter(pk=request.POST["shipment"]).first()
        if shipment is None:
            raise Http404("No such shipment.")
        document_print(document="packing_slip", printer=printer, shipment=shipment, user=request.user)
        messages.success(request, f"Packing slip sent to {printer.address}.")
        return redirect("packing:shipment", pk=shipment.pk)
    pick_list = pick_list_list(user=request.user).filter(pk=request.POST.get("pick_list") or 0).first()
    if pick_list is None:
        raise Http404("No such pick list.")
    document_print(document="pick_list", printer=printer, pick_list=pick_list, user=request.user)
    messages.success(request, f"Pick list {pick_list.number} sent to {printer.address}.")
    return redirect("shipping:detail", pk=pick_list.pk)


