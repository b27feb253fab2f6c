from collections import Counter

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.choices import Role
from core.permissions import ALL_ROLES
from inventory.models import Product
from orders.models import Order
from orders.selectors import order_list
from shipping.api.packing_serializers import (
    BoxTypeSerializer,
    QuoteSerializer,
    RateRequestSerializer,
    ShipmentSerializer,
)
from shipping.api.serializers import ManifestSerializer
from shipping.filters import BoxTypeFilter, ManifestFilter, ShipmentFilter
from shipping.models import BoxType
from shipping.packing import pack_plan
from shipping.selectors import box_type_list, manifest_list, shipment_list_with_details


class ShipmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Shipments with their packages, the rates compared, tracking numbers and label links."""

    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    search_fields = ["order__order_number", "packages__tracking_number"]
    ordering_fields = ["created_at", "shipped_at"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return shipment_list_with_details(user=self.request.user).order_by("-created_at", "-pk")


class ManifestViewSet(viewsets.ReadOnlyModelViewSet):
    """End-of-day manifests of the user's warehouses, each with the link to its PDF (staff only)."""

    serializer_class = ManifestSerializer
    filterset_class = ManifestFilter
    ordering_fields = ["manifest_date", "created_at"]
    read_roles = frozenset({Role.MANAGER, Role.PACKER})

    def get_queryset(self):
        return (manifest_list(user=self.request.user).annotate(package_count=Count("packages"))
                .order_by("-manifest_date", "-pk"))


class BoxTypeViewSet(viewsets.ModelViewSet):
    """Box types of the warehouses, and clients' own packaging (client set). Managers write."""

    serializer_class = BoxTypeSerializer
    filterset_class = BoxTypeFilter
    search_fields = ["code", "name"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return box_type_list(user=self.request.user).order_by("warehouse_id", "code", "pk")

    def perform_destroy(self, instance: BoxType):
        # Boxes that packed something keep their history: retire them instead.
        if instance.packages.exists():
            instance.is_active = False
            instance.save(update_fields=["is_active", "updated_at"])
            return
        instance.delete()


def _option(option, chosen) -> dict:
    return {
        "carrier": option.service.carrier.code, "service": option.service.name,
        "transit_days": option.service.transit_days,
        "boxes": option.candidate.label if option.candidate else "",
        "zone": option.quote.zone if option.quote else None, "billable_weight_lb": option.billable_weight_lb,
        "shipping_cost": option.shipping_cost if option.quote else None, "box_cost": option.box_cost,
        "total": option.total if option.quote else None, "eligible": option.eligible,
        "chosen": option is chosen, "note": option.note,
    }


class OrderRatesView(GenericAPIView):
    """Quote an order: the boxes it would go in and every service's price, box and service chosen together."""

    serializer_class = RateRequestSerializer
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.MANAGER, Role.CLIENT, Role.PACKER})

    def get_queryset(self):
        return order_list(user=self.request.user)

    @extend_schema(request=RateRequestSerializer, responses={200: QuoteSerializer})
    def post(self, request, pk: int):
        try:
            order = self.get_queryset().get(pk=pk)
        except Order.DoesNotExist:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        body = RateRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = pack_plan(order=order, deliver_by=body.validated_data.get("deliver_by"), strict=True)
        chosen = plan.rates.chosen
        packages = [{"box": p.box.key, "estimated_weight_g": p.gross_weight_g,
                     "items": _items(p)} for p in plan.packages]
        return Response(QuoteSerializer({
            "order": order.pk, "reason": plan.rates.reason, "distance_miles": round(plan.rates.distance_miles, 1),
            "chosen": _option(chosen, chosen) if chosen else None, "packages": packages,
            "options": [_option(o, chosen) for o in plan.rates.options],
        }).data)


def _items(packed) -> list[dict]:
    counts = Counter(int(i.key) for i in packed.items)
    skus = dict(Product.objects.filter(pk__in=list(counts)).values_list("pk", "sku"))
    return [{"sku": skus[pid], "quantity": qty} for pid, qty in sorted(counts.items())]
