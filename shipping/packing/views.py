"""Pages of the pack station, labels, manifests, rate cards, caught mis-picks and storefront updates."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import user_access
from core.barcodes import code128_text_decode
from core.choices import Role
from core.decorators import role_required
from core.documents import document_view, private_bytes_response
from core.selectors import status_change_list
from inventory.models import Product
from inventory.selectors import client_list
from orders.models import Order
from orders.selectors import order_list
from shipping.carriers.easypost import CustomsLine, customs_missing, is_international
from shipping.choices import PrinterPurpose, ShipmentStatus
from shipping.document_store import document_response
from shipping.documents import (
    MANIFEST_PDF,
    PACKING_SLIP,
    commercial_invoice_lines,
    commercial_invoice_pdf,
    packing_slip_pdf,
)
from shipping.exceptions import ItemRefused, LabelQueued, PackingError
from shipping.filters import BoxTypeFilter, ManifestFilter, NotificationFilter
from shipping.forms import GatewayAccountForm
from shipping.gateway_accounts import gateway_account_save
from shipping.labels import LABEL_PDF, package_label_store, stored_labels_pdf
from shipping.models import Carrier, CarrierService, Package, PickListOrder, Shipment, ShipmentNotification
from shipping.notifications import notification_resend
from shipping.packing.services import (
    PackageInput,
    box_types_for_order,
    expected_units,
    manifest_close,
    pack_plan,
    pack_scan,
    package_labels_printed,
    shipment_label,
    shipment_label_void,
    shipment_pack,
    shipment_ship,
    shipment_start,
    verified_units,
)
from shipping.printing import lp_available, station_printer
from shipping.rate_cards import FILES, rate_cards_load
from shipping.selectors import (
    box_type_list,
    gateway_account_list,
    manifest_list,
    mispick_summary,
    notification_list,
    orders_ready_to_pack,
    pick_list_list,
    shipment_get,
    shipment_list,
)
from shipping.weights import weight_from_grams, weight_to_grams, weight_unit_for
from warehouses.selectors import warehouse_list

PACK_ROLES = (Role.PACKER, Role.MANAGER)
REFUSAL_KEY = "pack_refusal_{}"
COMPLETED_KEY = "pack_completed_{}"


def _shipment_or_404(request, pk: int) -> Shipment:
    try:
        return shipment_get(user=request.user, pk=pk)
    except Shipment.DoesNotExist as exc:
        raise Http404("No such shipment.") from exc


def _find_orders(request, code: str) -> list[Order]:
    """Orders a scanned code names: an order number, a pick list (its picked orders) or a tote (LIST-T3)."""
    visible = order_list(user=request.user)
    code = code.strip()
    match = Q(order_number__iexact=code) | Q(order_number__iexact=f"#{code}") | Q(external_id=code)
    printed = code128_text_decode(code)  # a packing slip's barcode of a number Code 128 cannot carry as is
    if printed is not None:
        match |= Q(order_number=printed)
    found = list(visible.filter(match)[:5])
    if found:
        return found
    tote = None
    number = code
    for separator in ("-T", "/"):
        head, sep, tail = code.upper().rpartition(separator)
        if sep and tail.isdigit():
            number, tote = head, int(tail)
            break
    pick_list = pick_list_list(user=request.user).filter(number__iexact=number).first()
    if pick_list is None:
        return []
    entries = PickListOrder.objects.filter(pick_list=pick_list)
    if tote is not None:
        entries = entries.filter(tote=tote)
    return list(visible.filter(pk__in=entries.values("order_id")))


@login_required
@role_required(*PACK_ROLES)
def pack_station(request):
    """Scan a tote, pick list or order; lists what is ready to pack and what is on the benches."""
    station = request.session.get("pack_station", "")
    matches: list[Order] = []
    code = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip()
        station = request.POST.get("station", station).strip()[:40]
        request.session["pack_station"] = station
        if not code:
            messages.error(request, _("Scan a tote, pick list or order number."))
            return redirect("packing:station")
        matches = _find_orders(request, code)
        if not matches:
            messages.error(request, _("Nothing to pack found for “%(code)s”.") % {"code": code})
            return redirect("packing:station")
        if len(matches) == 1:
            shipment = shipment_start(order=matches[0], user=request.user, station=station)
            return redirect("packing:shipment", pk=shipment.pk)
    open_shipments = (shipment_list(user=request.user).filter(status__in=[ShipmentStatus.PACKING,
                                                                         ShipmentStatus.PACKED,
                                                                         ShipmentStatus.LABELLED])
                      .prefetch_related("packages").order_by("created_at")[:50])
    return render(request, "shipping/packing/pack_station.html", {
        "ready": orders_ready_to_pack(user=request.user)[:50], "open_shipments": open_shipments,
        "matches": matches, "code": code, "station": station,
    })


@require_POST
@login_required
@role_required(*PACK_ROLES)
def pack_order(request, order_pk: int):
    try:
        order = order_list(user=request.user).get(pk=order_pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc
    shipment = shipment_start(order=order, user=request.user, station=request.session.get("pack_station", ""))
    return redirect("packing:shipment", pk=shipment.pk)


def _lines(shipment: Shipment) -> tuple[list[dict], bool]:
    expected = expected_units(shipment.order)
    verified = verified_units(shipment)
    lines = []
    for line in shipment.order.lines.select_related("product").order_by("pk"):
        if line.product_id is None:
            continue
        done = min(verified.get(line.product_id, 0), expected[line.product_id])
        verified[line.product_id] = verified.get(line.product_id, 0) - done
        lines.append({"line": line, "product": line.product, "expected": line.quantity, "verified": done})
    complete = all(row["verified"] >= row["expected"] for row in lines)
    return lines, complete


@login_required
@role_required(*PACK_ROLES, Role.CLIENT)
def shipment_detail(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    lines, complete = _lines(shipment)
    unit = weight_unit_for(shipment.warehouse)
    context = {"shipment": shipment, "order": shipment.order, "lines": lines, "complete": complete,
               "weight_unit": unit,
               "packages": [(p, weight_from_grams(p.weight_g, unit)) for p in shipment.packages.all()],
               "refusal": request.session.pop(REFUSAL_KEY.format(pk), None),
               "just_completed": request.session.pop(COMPLETED_KEY.format(pk), False),
               "scans": shipment.scans.select_related("product", "user").order_by("-created_at")[:8],
               # A client sees its shipment, not the floor: no scans, mis-picks, carrier rates or box costs.
               "internal": not user_access(request.user).is_client_user,
               "changes": status_change_list(instance=shipment)}
    if shipment.status == ShipmentStatus.PACKING and complete:
        plan = pack_plan(order=shipment.order)
        box_types = list(box_types_for_order(shipment.order))
        by_code = {b.code: b for b in box_types}
        context["plan"] = plan
        context["box_types"] = box_types
        context["plan_packages"] = [{
            "number": i,
            "box": by_code.get(p.box.key),
            # Shown beside the field, never filled in: the packer types what the scale reads.
            "expected_weight": weight_from_grams(p.gross_weight_g, unit),
            "items": _items_summary(p.items),
            "items_field": ",".join(f"{pid}:{qty}" for pid, qty in _items_summary(p.items, ids=True)),
        } for i, p in enumerate(plan.packages, start=1)]
    if shipment.status == ShipmentStatus.PACKED:
        context["services"] = CarrierService.objects.filter(is_active=True, carrier__is_active=True).select_related(
            "carrier").order_by("carrier__code", "transit_days")
    if shipment.status in (ShipmentStatus.SHIPPED,):
        context["notifications"] = shipment.notifications.order_by("kind")
    if is_international(shipment.order, shipment.warehouse):
        lines = commercial_invoice_lines(shipment)
        context["customs"] = {"lines": lines, "missing": customs_missing(
            [CustomsLine(line["product"], line["quantity"]) for line in lines])}
    context.update(_printing(shipment))
    return render(request, "shipping/packing/pack_shipment.html", context)


def _printing(shipment: Shipment) -> dict:
    """The station's printers and the shipment's print jobs, for the reprint and laser buttons."""
    printers = {purpose: station_printer(warehouse_id=shipment.warehouse_id, station=shipment.station,
                                         purpose=purpose) for purpose in PrinterPurpose.values}
    return {"label_printer": printers[PrinterPurpose.LABEL], "laser_printer": printers[PrinterPurpose.DOCUMENT],
            "lp_available": lp_available(),
            "print_jobs": shipment.print_jobs.select_related("printer", "package").order_by("-created_at")[:20]}


def _items_summary(items, ids: bool = False):
    counts = Counter(int(i.key) for i in items)
    if ids:
        return sorted(counts.items())
    products = Product.objects.in_bulk(list(counts))
    return [(products[pid], qty) for pid, qty in sorted(counts.items())]


@require_POST
@login_required
@role_required(*PACK_ROLES)
def shipment_scan(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    try:
        scan = pack_scan(shipment=shipment, barcode=request.POST.get("barcode", ""), user=request.user)
    except ItemRefused as exc:
        request.session[REFUSAL_KEY.format(pk)] = exc.message
        return redirect("packing:shipment", pk=pk)
    messages.success(request, scan.message)
    if _lines(shipment)[1]:
        request.session[COMPLETED_KEY.format(pk)] = True  # the page plays the finished-order chime once
    return redirect("packing:shipment", pk=pk)


def _parse_packages(request, shipment: Shipment) -> list[PackageInput]:
    boxes = {str(b.pk): b for b in box_types_for_order(shipment.order)}
    unit = weight_unit_for(shipment.warehouse)
    count = int(request.POST.get("package_count") or 0)
    if not 1 <= count <= 50:
        raise PackingError("No packages given.")
    packages = []
    for n in range(1, count + 1):
        box = boxes.get(request.POST.get(f"box_{n}", ""))
        if box is None:
            raise PackingError(f"Package {n}: choose a box.", field="box")
        try:
            weight = Decimal(request.POST.get(f"weight_{n}", "").strip())
        except InvalidOperation as exc:
            raise PackingError(f"Package {n}: weigh it and enter what the scale reads in {unit.name}, "
                               f"e.g. {unit.example}.", field="weight") from exc
        if not weight.is_finite() or weight <= 0 or weight > unit.maximum:
            raise PackingError(f"Package {n}: the weight must be between 0 and {unit.maximum} {unit.code}.",
                               field="weight")
        items: dict[int, int] = {}
        for part in request.POST.get(f"items_{n}", "").split(","):
            pid, _, qty = part.partition(":")
            if pid.strip().isdigit() and qty.strip().isdigit():
                items[int(pid)] = items.get(int(pid), 0) + int(qty)
        packages.append(PackageInput(box_type=box, weight_g=weight_to_grams(weight, unit), items=items))
    return packages


@require_POST
@login_required
@role_required(*PACK_ROLES)
def shipment_confirm(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    shipment_pack(shipment=shipment, packages=_parse_packages(request, shipment), user=request.user)
    messages.success(request, _("Order %(order)s is packed.") % {"order": shipment.order.order_number})
    return redirect("packing:shipment", pk=pk)


@require_POST
@login_required
@role_required(*PACK_ROLES)
def shipment_buy_label(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    service = None
    if request.POST.get("service"):
        service = CarrierService.objects.filter(pk=request.POST["service"], is_active=True).first()
        if service is None:
            raise PackingError("Choose one of the listed services.", field="service")
    try:
        shipment_label(shipment=shipment, user=request.user, service=service)
    except LabelQueued as exc:
        messages.warning(request, exc.message)
        return redirect("packing:shipment", pk=pk)
    messages.success(request, _("Label bought. Print it and stick it on the package."))
    return redirect("packing:shipment", pk=pk)


@require_POST
@login_required
@role_required(*PACK_ROLES)
def shipment_void_label_view(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    shipment_label_void(shipment=shipment, user=request.user, reason=request.POST.get("reason", "")[:200])
    messages.success(request, "Label voided; the postage is refunded by the carrier. Buy a new label when ready.")
    return redirect("packing:shipment", pk=pk)


@require_POST
@login_required
@role_required(*PACK_ROLES)
def shipment_hand_over(request, pk: int):
    shipment = _shipment_or_404(request, pk)
    shipment_ship(shipment=shipment, user=request.user)
    messages.success(request, _("Order %(order)s handed over and shipped.") % {"order": shipment.order.order_number})
    return redirect("packing:station")


def _package_or_404(request, pk: int) -> Package:
    package = Package.objects.filter(pk=pk, shipment__in=shipment_list(user=request.user)).first()
    if package is None:
        raise Http404("No such package.")
    if not package.tracking_number:
        raise Http404("This package has no label yet.")
    return package


@document_view(*PACK_ROLES, Role.CLIENT)
def package_label_pdf(request, pk: int):
    """The stored label (session or API token), rendered once if it never was; a reprint is the same file."""
    package = _package_or_404(request, pk)
    response = document_response(LABEL_PDF, package.pk)
    _record_print(request, [package.pk])
    return response


def _record_print(request, package_ids: list[int]) -> None:
    # A client downloading its label is not the floor sticking it on the box.
    if user_access(request.user).has_any(*PACK_ROLES):
        package_labels_printed(package_ids=package_ids, user=request.user)


@document_view(*PACK_ROLES, Role.CLIENT)
def package_label_zpl(request, pk: int):
    package = _package_or_404(request, pk)
    if not package.label_zpl:
        package = package_label_store(package=package)
    _record_print(request, [package.pk])
    return private_bytes_response(package.label_zpl, filename=f"label-{package.tracking_number}.zpl",
                                  content_type="application/zpl; charset=utf-8", as_attachment=True)


@document_view(*PACK_ROLES)
def labels_batch_pdf(request):
    """Labels of many packages as one PDF, in hand-over order: ?shipments=3,1,2 (as given), ?wave=7 (a wave's
    labelled packages, carrier by carrier as the drivers take them) or ?carrier=UPS (labelled, not handed over).
    The pages are the stored labels, not new renders."""
    visible = shipment_list(user=request.user)
    packages = Package.objects.filter(shipment__in=visible, tracking_number__gt="").select_related("shipment")
    if (wave := request.GET.get("wave", "")).isdigit():
        orders = PickListOrder.objects.filter(pick_list__wave_id=int(wave)).values("order_id")
        chosen = list(packages.filter(shipment__order_id__in=orders, shipment__status=ShipmentStatus.LABELLED)
                      .order_by("carrier__code", "shipment__labelled_at", "shipment_id", "number"))
    elif ids := request.GET.get("shipments"):
        order = [int(x) for x in ids.split(",") if x.strip().isdigit()][:500]
        rank = {sid: i for i, sid in enumerate(order)}
        chosen = sorted(packages.filter(shipment_id__in=order), key=lambda p: (rank[p.shipment_id], p.number))
    else:
        carrier = request.GET.get("carrier", "")
        chosen = list(packages.filter(carrier__code=carrier, shipment__status=ShipmentStatus.LABELLED)
                      .order_by("shipment__labelled_at", "shipment_id", "number"))
    if not chosen:
        raise Http404("No labels to print.")
    response = private_bytes_response(stored_labels_pdf(chosen), filename="labels.pdf", content_type="application/pdf")
    _record_print(request, [p.pk for p in chosen])
    return response


@document_view(*PACK_ROLES, Role.CLIENT)
def shipment_packing_slip(request, pk: int):
    """The stored packing slip of a labelled shipment (session or API token); before the label, a preview
    rendered for this request (the slip is not final yet, so it is not stored)."""
    shipment = shipment_list(user=request.user).filter(pk=pk).first()
    if shipment is None:
        raise Http404("No such shipment.")
    if shipment.labelled_at is None:
        return private_bytes_response(packing_slip_pdf(shipment), filename=PACKING_SLIP.filename(shipment),
                                      content_type="application/pdf")
    return document_response(PACKING_SLIP, shipment.pk)


@document_view(*PACK_ROLES, Role.CLIENT)
def shipment_commercial_invoice(request, pk: int):
    """The commercial invoice of a shipment that leaves the country, rendered for this request (it follows the
    products' customs data until the label is bought)."""
    shipment = shipment_list(user=request.user).filter(pk=pk).select_related("order", "warehouse").first()
    if shipment is None or not is_international(shipment.order, shipment.warehouse):
        raise Http404("No commercial invoice for this shipment.")
    return private_bytes_response(commercial_invoice_pdf(shipment),
                                  filename=f"commercial-invoice-{shipment.order.order_number.strip('#')}.pdf",
                                  content_type="application/pdf")


@login_required
@role_required(*PACK_ROLES)
def manifest_list_view(request):
    warehouses = warehouse_list(user=request.user)
    if request.method == "POST":
        carrier = Carrier.objects.filter(pk=request.POST.get("carrier") or 0).first()
        warehouse = warehouses.filter(pk=request.POST.get("warehouse") or 0).first()
        if carrier is None or warehouse is None:
            messages.error(request, "Choose a carrier and a warehouse.")
            return redirect("packing:manifests")
        manifest = manifest_close(carrier=carrier, warehouse=warehouse, user=request.user)
        messages.success(request, f"Manifest closed with {manifest.packages.count()} package(s).")
        return redirect("packing:manifests")
    shipped = shipment_list(user=request.user).filter(status=ShipmentStatus.SHIPPED)
    waiting = list(Package.objects.filter(shipment__in=shipped, manifest__isnull=True)
                   .values("carrier_id", "carrier__name", "shipment__warehouse_id", "shipment__warehouse__code")
                   .annotate(n=Count("pk")).order_by("-n", "carrier__name"))
    # The form starts on the carrier and warehouse with the most packages waiting, not the first in the list.
    first = waiting[0] if waiting else {}
    filterset = ManifestFilter(request.GET or None, queryset=manifest_list(user=request.user), request=request)
    manifests = (filterset.qs.annotate(n=Count("packages"))  # values not understood are left out
                 .order_by("-manifest_date", "-pk")[:60])
    return render(request, "shipping/packing/manifests.html", {
        "manifests": manifests, "waiting": waiting, "carriers": Carrier.objects.filter(is_active=True),
        "warehouses": warehouses, "filterset": filterset,
        "default_carrier_id": first.get("carrier_id"), "default_warehouse_id": first.get("shipment__warehouse_id"),
    })


@document_view(*PACK_ROLES)
def manifest_pdf(request, pk: int):
    """The stored manifest (session or API token), rendered once if missing."""
    if not manifest_list(user=request.user).filter(pk=pk).exists():
        raise Http404("No such manifest.")
    return document_response(MANIFEST_PDF, pk)


@login_required
@role_required(Role.MANAGER, Role.PACKER)
def box_types_view(request):
    filterset = BoxTypeFilter(request.GET or None, queryset=box_type_list(user=request.user), request=request)
    boxes = filterset.qs.order_by("warehouse__code", "client__name", "inner_length_mm")  # bad values left out
    return render(request, "shipping/packing/box_types.html", {"boxes": boxes, "filterset": filterset})


def _gateway_form(request, data=None, *, initial=None, editing=False) -> GatewayAccountForm:
    return GatewayAccountForm(data, initial=initial, editing=editing, clients=client_list(user=request.user),
                              warehouses=warehouse_list(user=request.user),
                              carriers=Carrier.objects.filter(is_active=True).order_by("code"))


@login_required
@role_required(Role.MANAGER)
def gateway_accounts_view(request):
    """Label gateway (EasyPost) accounts: the list, and a form for a new one."""
    form = _gateway_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = gateway_account_save(data=form.cleaned_data, user=request.user)
        messages.success(request, f"EasyPost account {account.name} saved.")
        return redirect("packing:gateway_accounts")
    accounts = gateway_account_list(user=request.user).order_by("name", "pk")
    return render(request, "shipping/packing/gateway_accounts.html", {
        "accounts": accounts, "form": form, "webhook_base": request.build_absolute_uri("/webhooks/easypost/"),
    })


@login_required
@role_required(Role.MANAGER)
def gateway_account_edit_view(request, pk: int):
    account = gateway_account_list(user=request.user).filter(pk=pk).first()
    if account is None:
        raise Http404("No such account.")
    initial = {"name": account.name, "client": account.client, "warehouse": account.warehouse,
               "customs_signer": account.customs_signer, "carriers": list(account.carriers.all()),
               "base_url": account.base_url, "is_active": account.is_active}
    form = _gateway_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        gateway_account_save(account=account, data=form.cleaned_data, user=request.user)
        messages.success(request, f"EasyPost account {account.name} saved.")
        return redirect("packing:gateway_accounts")
    return render(request, "shipping/packing/gateway_account_edit.html", {
        "account": account, "form": form,
        "webhook_url": request.build_absolute_uri(reverse("tracking:easypost_webhook", args=[account.pk])),
    })


@login_required
@role_required(Role.MANAGER)
def rate_cards_view(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        name = request.POST.get("kind", "")
        if upload is None or name not in FILES:
            messages.error(request, "Choose which file it is and a CSV file to upload.")
            return redirect("packing:rate_cards")
        if upload.size > 5 * 1024 * 1024:
            messages.error(request, "That file is too large for a rate card (5 MB at most).")
            return redirect("packing:rate_cards")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            messages.error(request, "The file is not UTF-8 text; export it as CSV (UTF-8).")
            return redirect("packing:rate_cards")
        counts = rate_cards_load(files={name: text})
        messages.success(request, f"{name} loaded: {counts[name]} rows.")
        return redirect("packing:rate_cards")
    services = (CarrierService.objects.select_related("carrier").annotate(n_rates=Count("rates"))
                .order_by("carrier__code", "transit_days", "code"))
    return render(request, "shipping/packing/rate_cards.html", {"services": services, "files": FILES})


@login_required
@role_required(Role.MANAGER)
def mispicks_view(request):
    try:
        days = max(1, min(365, int(request.GET.get("days", 30))))
    except ValueError:
        days = 30
    since = timezone.now() - datetime.timedelta(days=days)
    return render(request, "shipping/packing/mispicks.html", {"summary": mispick_summary(user=request.user, since=since),
                                                      "days": days})


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def notifications_view(request):
    filterset = NotificationFilter(request.GET or None, request=request,
                                   queryset=notification_list(user=request.user).order_by("-created_at", "-pk"))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))  # values not understood are left out
    return render(request, "shipping/packing/notifications.html", {"page": page, "filterset": filterset})


@require_POST
@login_required
@role_required(Role.MANAGER)
def notification_resend_view(request, pk: int):
    notification = notification_list(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    notification_resend(notification=notification)
    notification.refresh_from_db()
    messages.success(request, f"{notification.get_kind_display()}: {notification.get_status_display().lower()}.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return redirect(back)
    return redirect("packing:notifications")


def channel_notifications(channel_id: int, limit: int = 10):
    """Recent shipment notifications of a channel, for the channel page."""
    return (ShipmentNotification.objects.filter(channel_id=channel_id).select_related("shipment__order")
            .order_by("-created_at")[:limit])
