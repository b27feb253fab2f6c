"""Tracking pages: the carriers' webhook, and the managers' deliveries page (exceptions, late shipments)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from core.json_input import json_loads_checked
from shipping.carriers import adapter_for
from shipping.carriers.easypost import SIGNATURE_HEADER as EASYPOST_SIGNATURE_HEADER
from shipping.carriers.easypost import webhook_signature_valid as easypost_signature_valid
from shipping.choices import ShipmentStatus, TrackingSource, TrackingStatus
from shipping.models import Carrier, GatewayAccount, Package, PackageTracking
from shipping.selectors import shipment_list
from shipping.tracking.services import (
    SIGNATURE_HEADER,
    TrackingError,
    gateway_tracking_record,
    package_exception_resolve,
    promised_delivery_date,
    tracking_updates_record,
    webhook_signature_valid,
)

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024


@csrf_exempt
@require_POST
def tracking_webhook(request, carrier_code: str):
    """POST /webhooks/tracking/<carrier>/: events signed with the carrier's shared secret (HMAC-SHA256)."""
    carrier = Carrier.objects.filter(code__iexact=carrier_code, is_active=True).select_related("tracking").first()
    if carrier is None:
        return JsonResponse({"detail": "Unknown carrier."}, status=404)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    secret = getattr(getattr(carrier, "tracking", None), "webhook_secret", "")
    if not webhook_signature_valid(body, secret, request.headers.get(SIGNATURE_HEADER)):
        logger.warning("tracking webhook of %s with a bad signature", carrier.code)
        return JsonResponse({"detail": "Bad signature."}, status=401)
    try:
        updates = adapter_for(carrier).parse_webhook(json_loads_checked(body))
    except (ValueError, UnicodeDecodeError) as exc:
        return JsonResponse({"detail": str(exc) or "Unreadable body."}, status=400)
    try:
        counts = tracking_updates_record(carrier=carrier, updates=updates, source=TrackingSource.WEBHOOK)
    except TrackingError as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse(counts)


@csrf_exempt
@require_POST
def easypost_webhook(request, account_id: int):
    """POST /webhooks/easypost/<account>/: EasyPost Events, signed with the account's webhook secret
    (X-Hmac-Signature: hmac-sha256-hex=<HMAC-SHA256 of the body>)."""
    account = GatewayAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return JsonResponse({"detail": "Unknown account."}, status=404)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    if not easypost_signature_valid(body, account.webhook_secret, request.headers.get(EASYPOST_SIGNATURE_HEADER)):
        logger.warning("EasyPost webhook of account %s with a bad signature", account.pk)
        return JsonResponse({"detail": "Bad signature."}, status=401)
    try:
        counts = gateway_tracking_record(account=account, event=json_loads_checked(body))
    except (ValueError, UnicodeDecodeError) as exc:
        return JsonResponse({"detail": str(exc) or "Unreadable body."}, status=400)
    except TrackingError as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse(counts)


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def deliveries_view(request):
    """Packages with an open delivery exception, and shipments past their promised delivery date."""
    shipments = shipment_list(user=request.user)
    exceptions = (
        PackageTracking.objects.filter(exception_at__isnull=False, exception_resolved_at__isnull=True,
                                       package__shipment__in=shipments)
        .exclude(status=TrackingStatus.DELIVERED)
        .select_related("package", "package__carrier", "package__shipment__order", "package__shipment__order__client")
        .order_by("exception_at")
    )
    today = timezone.localdate()
    on_the_way = (shipments.filter(status=ShipmentStatus.SHIPPED, order__status="shipped")
                  .prefetch_related("packages__tracking").order_by("shipped_at")[:500])
    late = []
    for shipment in on_the_way:
        promised = promised_delivery_date(shipment)
        if promised is not None and promised < today:
            late.append({"shipment": shipment, "promised": promised, "days_late": (today - promised).days,
                         "packages": list(shipment.packages.all())})
    return render(request, "shipping/tracking/deliveries.html", {"exceptions": exceptions, "late": late, "today": today})


@require_POST
@login_required
@role_required(Role.MANAGER)
def exception_resolve_view(request, package_id: int):
    package = Package.objects.filter(pk=package_id, shipment__in=shipment_list(user=request.user)).select_related(
        "shipment").first()
    if package is None:
        raise Http404("No such package.")
    package_exception_resolve(package=package, user=request.user, note=request.POST.get("note", "")[:500])
    messages.success(request, f"Exception of {package.tracking_number} marked as handled.")
    return redirect("tracking:deliveries")
