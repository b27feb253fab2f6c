"""/api/v1/shipments/, /api/v1/box-types/, /api/v1/manifests/ and /api/v1/orders/<id>/rates/: the packing
area's API (writes go through shipping.packing.services)."""

from collections import Counter

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_fields import DocumentURLField, ScopedPrimaryKeyRelatedField
from core.choices import Role
from core.permissions import ALL_ROLES
from inventory.models import Product
from inventory.selectors import client_list
from orders.models import Order
from orders.selectors import order_list
from shipping.filters import BoxTypeFilter, ManifestFilter, ShipmentFilter
from shipping.models import BoxType, Manifest, Package, RateQuote, Shipment
from shipping.packing.services import pack_plan
from shipping.selectors import box_type_list, manifest_list, shipment_list_with_details
from warehouses.selectors import warehouse_list


class BoxTypeSerializer(serializers.ModelSerializer):
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    client = ScopedPrimaryKeyRelatedField(scope=client_list, required=False, allow_null=True)

    class Meta:
        model = BoxType
        fields = ["id", "warehouse", "client", "code", "name", "inner_length_mm", "inner_width_mm",
                  "inner_height_mm", "wall_mm", "tare_weight_g", "max_weight_g", "cost", "stock_count", "is_active"]

    def validate(self, attrs):
        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        if value("stock_count") is not None and value("stock_count") < 0:
            raise serializers.ValidationError({"stock_count": "Must not be negative."})
        if value("max_weight_g") is not None and value("tare_weight_g") is not None \
                and value("max_weight_g") <= value("tare_weight_g"):
            raise serializers.ValidationError({"max_weight_g": "Must be more than the empty box weighs."})
        return attrs


class RateQuoteSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.name")
    carrier = serializers.CharField(source="service.carrier.code")
    transit_days = serializers.IntegerField(source="service.transit_days")

    class Meta:
        model = RateQuote
        fields = ["carrier", "service", "transit_days", "boxes", "packages", "zone", "billable_weight_lb",
                  "shipping_cost", "box_cost", "total", "eligible", "chosen", "note"]


class PackageSerializer(serializers.ModelSerializer):
    box = serializers.CharField(source="box_type.code", allow_null=True)
    carrier = serializers.CharField(source="carrier.code", allow_null=True)
    tracking_url = serializers.CharField(source="tracking_link")
    label_pdf_url = DocumentURLField("packing:label_pdf", available=lambda package: bool(package.tracking_number))
    label_zpl_url = DocumentURLField("packing:label_zpl", available=lambda package: bool(package.tracking_number))
    items = serializers.SerializerMethodField()

    class Meta:
        model = Package
        fields = ["number", "box", "length_mm", "width_mm", "height_mm", "weight_g", "billable_weight_lb", "price",
                  "carrier", "tracking_number", "tracking_url", "label_pdf_url", "label_zpl_url", "items",
                  "handed_over_at"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_items(self, package):
        return [{"sku": i.product.sku, "quantity": i.quantity} for i in package.items.all()]


class ShipmentSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.order_number")
    warehouse = serializers.CharField(source="warehouse.code")
    carrier = serializers.CharField(source="service.carrier.code", allow_null=True, default=None)
    service = serializers.CharField(source="service.name", allow_null=True, default=None)
    total_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    packages = PackageSerializer(many=True)
    rates = RateQuoteSerializer(source="rate_quotes", many=True)
    packing_slip_url = DocumentURLField("packing:packing_slip")

    class Meta:
        model = Shipment
        fields = ["id", "order", "order_number", "warehouse", "status", "carrier", "service", "shipping_cost",
                  "box_cost", "total_cost", "rate_reason", "packed_at", "labelled_at", "shipped_at", "packages",
                  "packing_slip_url", "rates", "created_at"]
        read_only_fields = fields


class RateRequestSerializer(serializers.Serializer):
    deliver_by = serializers.DateField(required=False, allow_null=True, help_text="Delivery deadline (optional).")


class QuotedPackageSerializer(serializers.Serializer):
    box = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    estimated_weight_g = serializers.IntegerField()


class QuoteOptionSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    service = serializers.CharField()
    transit_days = serializers.IntegerField()
    boxes = serializers.CharField()
    zone = serializers.IntegerField(allow_null=True)
    billable_weight_lb = serializers.IntegerField()
    shipping_cost = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    box_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    eligible = serializers.BooleanField()
    chosen = serializers.BooleanField()
    note = serializers.CharField()


class QuoteSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    reason = serializers.CharField()
    distance_miles = serializers.FloatField(allow_null=True, help_text="Null for a destination abroad.")
    chosen = QuoteOptionSerializer(allow_null=True)
    packages = QuotedPackageSerializer(many=True)
    options = QuoteOptionSerializer(many=True)


class ManifestSerializer(serializers.ModelSerializer):
    carrier = serializers.SlugRelatedField(slug_field="code", read_only=True)
    warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True)
    package_count = serializers.IntegerField(read_only=True)
    pdf_url = DocumentURLField("packing:manifest_pdf")

    class Meta:
        model = Manifest
        fields = ["id", "carrier", "warehouse", "manifest_date", "package_count", "pdf_url", "created_at"]
        read_only_fields = fields



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
            "order": order.pk, "reason": plan.rates.reason, "distance_miles": (
                None if plan.rates.distance_miles is None else round(plan.rates.distance_miles, 1)),
            "chosen": _option(chosen, chosen) if chosen else None, "packages": packages,
            "options": [_option(o, chosen) for o in plan.rates.options],
        }).data)


def _items(packed) -> list[dict]:
    counts = Counter(int(i.key) for i in packed.items)
    skus = dict(Product.objects.filter(pk__in=list(counts)).values_list("pk", "sku"))
    return [{"sku": skus[pid], "quantity": qty} for pid, qty in sorted(counts.items())]
