"""Picking pages: the manager's release page, list details, printing, the scanner and the sort page.

Every write goes through shipping.picking; domain errors become messages (or, on the scanner, a loud
refusal in the page), never a 500.
"""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.documents import document_view
from core.exceptions import DomainError
from core.selectors import status_change_list
from orders.selectors import order_list
from shipping.choices import PickListStatus, PrinterPurpose
from shipping.document_store import document_response
from shipping.exceptions import WrongScan
from shipping.filters import OPEN, PickListFilter
from shipping.forms import ReleaseForm, ScanForm, ShortForm, ZoneLayoutForm
from shipping.models import PickList, Wave
from shipping.pdf import (
    PAPER_SIZES,
    PICK_LIST_PDF,
    WAVE_PDF,
    paper_for,
    pick_lists_for_print,
    pick_lists_html,
)
from shipping.picking.release import (
    pick_list_cancel,
    pick_list_release_batch,
    pick_list_release_single,
    wave_release,
)
from shipping.picking.scan import pick_list_complete, pick_list_scan, pick_list_start
from shipping.picking.short import pick_list_line_short
from shipping.picking.sort import pick_list_sort_scan
from shipping.printing import lp_available
from shipping.selectors import (
    pick_exceptions,
    pick_list_get,
    pick_list_get_by_number,
    pick_list_list,
    printer_list,
    scanner_state,
    sort_state,
    wave_get,
    wave_list,
)
from warehouses.selectors import warehouse_list, zone_layout_rows
from warehouses.services import zone_layout_set

FLOOR_ROLES = (Role.MANAGER, Role.PICKER, Role.PACKER)
PICKING_ROLES = (Role.MANAGER, Role.PICKER)


def refused_goes_to(url_name: str):
    """A POST view whose refusal (DomainError) becomes a message on a page, not a 405 on the POST URL."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(url_name, *([kwargs["pk"]] if "pk" in kwargs else []))

        return wrapper

    return decorator


def _pick_list_or_404(request, pk: int) -> PickList:
    try:
        return pick_list_get(user=request.user, pk=pk)
    except PickList.DoesNotExist as exc:
        raise Http404("No such pick list.") from exc


def _wave_or_404(request, pk: int) -> Wave:
    try:
        return wave_get(user=request.user, pk=pk)
    except Wave.DoesNotExist as exc:
        raise Http404("No such wave.") from exc


@login_required
@role_required(*FLOOR_ROLES)
def pick_list_index(request):
    """Open pick lists first (filtered as /api/v1/pick-lists/ is); managers also get the release forms."""
    access = user_access(request.user)
    data = request.GET.copy()
    if not data.getlist("status"):
        data.setlist("status", [OPEN])
    filterset = PickListFilter(data, queryset=pick_list_list(user=request.user), request=request)
    lists = filterset.qs.order_by("status", "-created_at", "-pk")[:100]  # values not understood are left out
    statuses = filterset.form.cleaned_data.get("status") or []
    status = statuses[0] if len(statuses) == 1 else ""
    release_form = (ReleaseForm(warehouses=warehouse_list(user=request.user), auto_id=False)
                    if access.is_manager else None)
    return render(request, "shipping/pick_list_index.html", {
        "pick_lists": lists, "status": status, "statuses": PickListStatus.choices, "release_form": release_form,
        "filterset": filterset,
        "exceptions": pick_exceptions(user=request.user) if access.is_manager else [],
    })


@require_POST
@login_required
@role_required(Role.MANAGER)
@refused_goes_to("shipping:pick_lists")
def pick_list_release_view(request):
    form = ReleaseForm(request.POST, warehouses=warehouse_list(user=request.user))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label or field.title() if field in form.fields else ''} "
                                    f"{' '.join(errors)}".strip())
        return redirect("shipping:pick_lists")
    data = form.cleaned_data
    kind = data["kind"]
    if kind == "single":
        order = order_list(user=request.user).filter(order_number=data["order_number"].strip()).first()
        if order is None:
            messages.error(request, f"No order {data['order_number']} that you may see.")
            return redirect("shipping:pick_lists")
        pick_list = pick_list_release_single(order=order, user=request.user)
        messages.success(request, f"Released {pick_list.number} for order {order.order_number}.")
        return redirect("shipping:detail", pk=pick_list.pk)
    if kind == "batch":
        pick_list = pick_list_release_batch(warehouse=data["warehouse"], user=request.user,
                                            cart_size=data["cart_size"], max_units=data["max_units"])
        messages.success(request, f"Released batch {pick_list.number} with {pick_list.list_orders.count()} orders.")
        return redirect("shipping:detail", pk=pick_list.pk)
    wave = wave_release(warehouse=data["warehouse"], user=request.user, service_level=data["service_level"],
                        cutoff_at=data["cutoff_at"], cart_size=data["cart_size"], split=data["split"] or "cart")
    messages.success(request, f"Released wave {wave.number} as {wave.pick_lists.count()} pick lists.")
    return redirect("shipping:wave", pk=wave.pk)


@require_POST
@login_required
@role_required(*PICKING_ROLES)
def pick_list_open_view(request):
    """The picker scans a printed list's barcode: open it (started lists go straight to the scanner)."""
    form = ScanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Scan the barcode at the top of the pick list."))
        return redirect("shipping:pick_lists")
    try:
        pick_list = pick_list_get_by_number(user=request.user, number=form.cleaned_data["code"])
    except PickList.DoesNotExist:
        messages.error(request, _("No pick list %(code)s here.") % {"code": form.cleaned_data["code"]})
        return redirect("shipping:pick_lists")
    if pick_list.status == PickListStatus.PICKING:
        return redirect("shipping:scan", pk=pick_list.pk)
    if pick_list.status == PickListStatus.SORTING:
        return redirect("shipping:sort", pk=pick_list.pk)
    return redirect("shipping:detail", pk=pick_list.pk)


@login_required
@role_required(*FLOOR_ROLES)
def pick_list_detail(request, pk: int):
    pick_list = _pick_list_or_404(request, pk)
    return render(request, "shipping/pick_list_detail.html", {
        "pick_list": pick_list, "lines": [ln for ln in pick_list.lines.all() if ln.quantity > 0],
        "list_orders": pick_list.list_orders.all(), "access": user_access(request.user),
        "changes": status_change_list(instance=pick_list),
        "laser_printers": printer_list(user=request.user).filter(
            purpose=PrinterPurpose.DOCUMENT, is_active=True, station__warehouse_id=pick_list.warehouse_id),
        "lp_available": lp_available(),
    })


@login_required
@role_required(*FLOOR_ROLES)
def pick_list_print(request, pk: int):
    """The list as paper: the browser's print dialog prints this page (no navigation, @page counters)."""
    pick_list = _pick_list_or_404(request, pk)
    paper = paper_for(pick_list.warehouse, request.GET.get("paper"))
    return HttpResponse(pick_lists_html(
        pick_lists_for_print([pick_list.pk]), paper=paper, for_pdf=False, request=request,
        back_url=reverse("shipping:detail", args=[pk]), pdf_url=reverse("shipping:pdf", args=[pk]),
    ))


@document_view(*FLOOR_ROLES)
def pick_list_pdf(request, pk: int):
    """The stored PDF (session or API token), rendered first when missing, outdated or on another paper size."""
    if not pick_list_list(user=request.user).filter(pk=pk).exists():
        raise Http404("No such pick list.")
    return document_response(PICK_LIST_PDF, pk, paper=_paper(request))


@login_required
@role_required(*FLOOR_ROLES)
def wave_detail(request, pk: int):
    wave = _wave_or_404(request, pk)
    lists = pick_list_list(user=request.user).filter(wave=wave).order_by("pk")
    return render(request, "shipping/wave_detail.html", {"wave": wave, "pick_lists": lists})


@login_required
@role_required(*FLOOR_ROLES)
def wave_print(request, pk: int):
    wave = _wave_or_404(request, pk)
    paper = paper_for(wave.warehouse, request.GET.get("paper"))
    ids = list(wave.pick_lists.order_by("pk").values_list("pk", flat=True))
    return HttpResponse(pick_lists_html(
        pick_lists_for_print(ids), paper=paper, for_pdf=False, title=f"Wave {wave.number}", request=request,
        back_url=reverse("shipping:wave", args=[pk]), pdf_url=reverse("shipping:wave_pdf", args=[pk]),
    ))


@document_view(*FLOOR_ROLES)
def wave_pdf(request, pk: int):
    """One PDF with every list of the wave (session or API token): rendered by the release task, or here once
    if missing or on another paper size."""
    if not wave_list(user=request.user).filter(pk=pk).exists():
        raise Http404("No such wave.")
    return document_response(WAVE_PDF, pk, paper=_paper(request))


def _paper(request) -> str | None:
    return request.GET.get("paper") if request.GET.get("paper") in PAPER_SIZES else None


@require_POST
@login_required
@role_required(Role.MANAGER)
@refused_goes_to("shipping:detail")
def pick_list_cancel_view(request, pk: int):
    pick_list = _pick_list_or_404(request, pk)
    pick_list_cancel(pick_list=pick_list, user=request.user)
    messages.success(request, f"{pick_list.number} cancelled; its orders can be released again.")
    return redirect("shipping:detail", pk=pk)


@require_POST
@login_required
@role_required(*PICKING_ROLES)
@refused_goes_to("shipping:detail")
def pick_list_start_view(request, pk: int):
    pick_list = _pick_list_or_404(request, pk)
    pick_list_start(pick_list=pick_list, user=request.user)
    return redirect("shipping:scan", pk=pk)


def _refusal(message: str) -> dict:
    # "WRONG ITEM: 0123 is not ..." shows as a big "WRONG ITEM" over the explanation.
    head, sep, rest = message.partition(": ")
    if sep and head.isupper():
        return {"ok": False, "title": head, "message": rest}
    return {"ok": False, "title": _("Refused"), "message": message}


def _scanner(request, pick_list: PickList, feedback: dict | None = None, status: int = 200):
    pick_list.refresh_from_db()
    context = {"pick_list": pick_list, "state": scanner_state(pick_list), "feedback": feedback}
    template = "shipping/_scanner.html" if request.htmx else "shipping/scanner.html"
    return render(request, template, context, status=status)


@login_required
@role_required(*PICKING_ROLES)
def pick_list_scan_view(request, pk: int):
    """The phone-sized scanner page: scan the location, then the item, stop by stop."""
    pick_list = _pick_list_or_404(request, pk)
    if request.method != "POST":
        if pick_list.status == PickListStatus.SORTING:
            return redirect("shipping:sort", pk=pk)
        return _scanner(request, pick_list)
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _scanner(request, pick_list, {"ok": False, "title": _("Nothing scanned"),
                                             "message": _("Scan the barcode into the field.")})
    try:
        result = pick_list_scan(pick_list=pick_list, code=form.cleaned_data["code"], user=request.user)
    except WrongScan as exc:
        return _scanner(request, pick_list, _refusal(exc.message))
    except DomainError as exc:
        return _scanner(request, pick_list, {"ok": False, "title": _("Not now"), "message": exc.message})
    title = _("Location OK") if result.kind == "location" else (_("Stop done") if result.line_done else _("Picked"))
    return _scanner(request, pick_list, {"ok": True, "title": title, "message": result.message,
                                         "totes": [p.tote for p in result.placed] if pick_list.uses_totes else [],
                                         "done": result.list_done})


@require_POST
@login_required
@role_required(*PICKING_ROLES)
def pick_list_short_view(request, pk: int):
    pick_list = _pick_list_or_404(request, pk)
    form = ShortForm(request.POST)
    if not form.is_valid():
        return _scanner(request, pick_list, {"ok": False, "title": "Short pick",
                                             "message": "Say how many you found (0 or more)."})
    try:
        outcomes = pick_list_line_short(pick_list=pick_list, line_id=form.cleaned_data["line"],
                                        found=form.cleaned_data["found"] or 0, user=request.user)
    except DomainError as exc:
        return _scanner(request, pick_list, {"ok": False, "title": "Short pick refused", "message": exc.message})
    parts = []
    for o in outcomes:
        if o.reallocated == o.missing:
            parts.append(f"{o.order_number}: {o.missing} missing, new stop added at {', '.join(o.new_stops)}")
        else:
            parts.append(f"{o.order_number}: {o.missing} missing, no stock elsewhere: order {o.order_status}"
                         " (manager informed)")
    return _scanner(request, pick_list, {"ok": True, "warn": True, "title": "Short pick recorded",
                                         "message": "; ".join(parts) + "."})


@require_POST
@login_required
@role_required(*PICKING_ROLES)
@refused_goes_to("shipping:scan")
def pick_list_complete_view(request, pk: int):
    pick_list = _pick_list_or_404(request, pk)
    done = pick_list_complete(pick_list=pick_list, user=request.user)
    if done.status == PickListStatus.SORTING:
        messages.success(request, _("%(list)s picked: now sort the cart into orders.") % {"list": done.number})
        return redirect("shipping:sort", pk=pk)
    messages.success(request, _("%(list)s complete: the order is picked and ready for packing.")
                     % {"list": done.number})
    return redirect("shipping:detail", pk=pk)


@login_required
@role_required(*FLOOR_ROLES)
def pick_list_sort_view(request, pk: int):
    """Sorting a batch or wave cart: scan an item, the page says which tote and order it belongs to."""
    pick_list = _pick_list_or_404(request, pk)
    feedback = None
    if request.method == "POST":
        if not user_access(request.user).has_any(*FLOOR_ROLES):
            raise PermissionDenied
        form = ScanForm(request.POST)
        try:
            if not form.is_valid():
                raise WrongScan(_("Nothing was scanned."))
            result = pick_list_sort_scan(pick_list=pick_list, code=form.cleaned_data["code"], user=request.user)
            feedback = {"ok": True, "title": _("Tote %(tote)s") % {"tote": result.tote}, "message": result.message,
                        "tote": result.tote, "order_done": result.order_done}
        except DomainError as exc:
            feedback = _refusal(exc.message)
    pick_list.refresh_from_db()
    context = {"pick_list": pick_list, "rows": sort_state(pick_list), "feedback": feedback}
    template = "shipping/_sorter.html" if request.htmx else "shipping/sorter.html"
    return render(request, template, context)


@login_required
@role_required(Role.MANAGER)
def floor_layout_view(request):
    """The floor as pick routes see it: each zone's place and aisle coordinates, per warehouse, editable."""
    warehouses = list(warehouse_list(user=request.user).order_by("code"))
    status = 200
    failed: tuple[int, str, ZoneLayoutForm] | None = None
    if request.method == "POST":
        warehouse = next((w for w in warehouses if str(w.pk) == request.POST.get("warehouse", "")), None)
        if warehouse is None:
            raise Http404("No such warehouse.")
        form = ZoneLayoutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                zone_layout_set(warehouse=warehouse, zone=data["zone"], walk_position=data["walk_position"],
                                first_aisle_m=data["first_aisle_m"], aisle_pitch_m=data["aisle_pitch_m"])
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Zone {data['zone']} at {warehouse.code} saved; new pick lists are "
                                          "routed on it.")
                return redirect("shipping:floor")
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Zone {request.POST.get('zone', '')[:20]} not saved: {problems}")
        failed, status = (warehouse.pk, request.POST.get("zone", ""), form), 400
    sections = []
    for warehouse in warehouses:
        rows = zone_layout_rows(warehouse=warehouse)
        for row in rows:
            layout = row["layout"]
            if failed and failed[0] == warehouse.pk and failed[1] == row["zone"]:
                row["form"] = failed[2]
            else:
                row["form"] = ZoneLayoutForm(initial={
                    "zone": row["zone"], "walk_position": layout.walk_position if layout else 0,
                    "first_aisle_m": layout.first_aisle_m if layout else None,
                    "aisle_pitch_m": layout.aisle_pitch_m if layout else Decimal("3")}, auto_id=False)
        sections.append({"warehouse": warehouse, "zones": rows})
    return render(request, "shipping/floor_layout.html", {"sections": sections}, status=status)
