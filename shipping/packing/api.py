"""/api/v1/shipments/, /api/v1/box-types/, /api/v1/manifests/ and /api/v1/orders/<id>/rates/: the packing
area's API (writes go through shipping.packing.services)."""

from collections import Counter

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_fields import DocumentURLField, ScopedPrimaryKeyRelatedField
from core.choices import Role
from core.permissions import ALL_ROLES
from inventory.models import Product
from inventory.selectors import client_list
from orders.models import Order
from orders.selectors import order_list
from shipping.choices import ShipmentStatus
from shipping.document_links import shipment_document_links
from shipping.exceptions import InvalidShipmentTransition
from shipping.filters import BoxTypeFilter, ManifestFilter, ShipmentFilter
from shipping.models import BoxType, Carrier, CarrierService, Manifest, Package, RateQuote, Shipment
from shipping.packing.services import (
    PackageInput,
    expected_units,
    manifest_close,
    pack_plan,
    pack_scan,
    planned_inputs,
    shipment_label,
    shipment_label_void,
    shipment_plan,
    shipment_ship,
    shipment_start,
    shipment_weigh,
    verified_units,
)
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


class DocumentLinkSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="label_pdf, label_zpl, packing_slip, manifest")
    package = serializers.IntegerField(allow_null=True, help_text="The package number, for a label.")
    content_type = serializers.CharField()
    url = serializers.URLField(help_text="Fetch with the same Authorization: Token header as the API.")


class UnitSerializer(serializers.Serializer):
    sku = serializers.CharField()
    expected = serializers.IntegerField()
    verified = serializers.IntegerField()


class PlannedPackageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    box = serializers.CharField()
    box_id = serializers.IntegerField()
    items = serializers.ListField(child=serializers.DictField())


class ShipmentDetailSerializer(ShipmentSerializer):
    """A shipment at the pack station: what is left to verify, the packages given, and its document links."""

    station = serializers.CharField()
    units = serializers.SerializerMethodField()
    planned_packages = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta(ShipmentSerializer.Meta):
        fields = [*ShipmentSerializer.Meta.fields, "station", "units", "planned_packages", "documents"]
        read_only_fields = fields

    @extend_schema_field(UnitSerializer(many=True))
    def get_units(self, shipment):
        expected = expected_units(shipment.order)
        verified = verified_units(shipment)
        skus = dict(Product.objects.filter(pk__in=list(expected)).values_list("pk", "sku"))
        return [{"sku": skus[pid], "expected": qty, "verified": min(verified.get(pid, 0), qty)}
                for pid, qty in sorted(expected.items())]

    @extend_schema_field(PlannedPackageSerializer(many=True))
    def get_planned_packages(self, shipment):
        packages = planned_inputs(shipment)
        skus = dict(Product.objects.filter(pk__in={pid for p in packages for pid in p.items})
                    .values_list("pk", "sku"))
        return [{"number": n, "box": p.box_type.code, "box_id": p.box_type.pk,
                 "items": [{"sku": skus[pid], "quantity": qty} for pid, qty in sorted(p.items.items())]}
                for n, p in enumerate(packages, start=1)]

    @extend_schema_field(DocumentLinkSerializer(many=True))
    def get_documents(self, shipment):
        request = self.context.get("request")
        return shipment_document_links(shipment, user=request.user if request else None,
                                       build_url=request.build_absolute_uri if request else None)


class PackageItemRequestSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class PackageRequestSerializer(serializers.Serializer):
    box = ScopedPrimaryKeyRelatedField(scope=box_type_list, required=False, allow_null=True,
                                       help_text="A box type id; leave out for the best box for these items.")
    items = PackageItemRequestSerializer(many=True, allow_empty=False)


class ShipmentCreateSerializer(serializers.Serializer):
    order = ScopedPrimaryKeyRelatedField(scope=order_list, help_text="A picked order.")
    station = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                    help_text="The pack station's code; labels go to its label printer.")
    packages = PackageRequestSerializer(many=True, required=False, allow_empty=False, max_length=50,
                                        help_text="Leave out for the recommended boxes.")

    def validate(self, attrs):
        packages = attrs.get("packages")
        if packages is None:
            return attrs
        order = attrs["order"]
        by_sku = {sku.lower(): pid for sku, pid in order.lines.filter(product__isnull=False)
                  .values_list("product__sku", "product_id")}
        errors, inputs = [], []
        for package in packages:
            items: dict[int, int] = {}
            unknown = [i["sku"] for i in package["items"] if i["sku"].lower() not in by_sku]
            for item in package["items"]:
                pid = by_sku.get(item["sku"].lower())
                if pid is not None:
                    items[pid] = items.get(pid, 0) + item["quantity"]
            errors.append({"items": [f"Not on order {order.order_number}: {', '.join(unknown)}."]} if unknown
                          else {})
            inputs.append(PackageInput(box_type=package.get("box"), weight_g=0, items=items))
        if any(errors):
            raise serializers.ValidationError({"packages": errors})
        attrs["package_inputs"] = inputs
        return attrs


class VerifySerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=64, help_text="The scanned barcode (or the SKU typed).")


class VerifyResultSerializer(serializers.Serializer):
    result = serializers.CharField()
    message = serializers.CharField()
    sku = serializers.CharField()
    complete = serializers.BooleanField(help_text="Every unit of the order is verified.")
    units = UnitSerializer(many=True)


class WeightSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=50)
    weight_g = serializers.IntegerField(min_value=1, max_value=500_000, help_text="The scale's weight, box included.")


class WeighSerializer(serializers.Serializer):
    packages = WeightSerializer(many=True, allow_empty=False)
    deliver_by = serializers.DateField(required=False, allow_null=True)

    def validate_packages(self, value):
        numbers = [p["number"] for p in value]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError("Each package number once.")
        return value


def _active_services(*, user=None):
    return CarrierService.objects.filter(is_active=True, carrier__is_active=True)


class BuyLabelSerializer(serializers.Serializer):
    service = ScopedPrimaryKeyRelatedField(
        scope=_active_services, required=False, allow_null=True,
        help_text="A carrier service id; leave out for the one rate shopping chose (the cheapest that keeps the "
                  "order's delivery promise, or the client's preferred carrier within its tolerance).")


class ManifestCreateSerializer(serializers.Serializer):
    carrier = serializers.SlugRelatedField(slug_field="code", queryset=Carrier.objects.filter(is_active=True),
                                           help_text="The carrier's code, e.g. UPS.")
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    manifest_date = serializers.DateField(required=False, allow_null=True)


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



PACK_ROLES = frozenset({Role.MANAGER, Role.PACKER})


class ShipmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Shipments with their packages, the rates compared, tracking numbers and document links; packers and
    managers drive the pack station here: open and pack, verify, weigh, buy-label, void-label, hand-over."""

    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    search_fields = ["order__order_number", "packages__tracking_number"]
    ordering_fields = ["created_at", "shipped_at"]
    read_roles = ALL_ROLES
    write_roles = PACK_ROLES

    def get_queryset(self):
        return shipment_list_with_details(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return ShipmentSerializer if self.action == "list" else ShipmentDetailSerializer

    def _reply(self, shipment: Shipment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=shipment.pk)
        return Response(ShipmentDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=ShipmentCreateSerializer, responses={201: ShipmentDetailSerializer})
    def create(self, request):
        """Open the pack-station shipment of a picked order (or return the open one) and record its packages:
        the given box per package (or the best box for its items), or the recommended boxes."""
        data = self._body(ShipmentCreateSerializer)
        shipment = shipment_start(order=data["order"], user=request.user, station=data["station"])
        inputs = data.get("package_inputs")
        if shipment.status == ShipmentStatus.PACKING:
            shipment = shipment_plan(shipment=shipment, packages=inputs, user=request.user)
        elif inputs is not None:
            raise InvalidShipmentTransition(f"Packing of order {shipment.order.order_number} is already confirmed.",
                                            field="packages")
        return self._reply(shipment, status.HTTP_201_CREATED)

    @extend_schema(request=VerifySerializer, responses={200: VerifyResultSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Count one scanned unit, as the pack page does. A wrong item, one too many or an unknown barcode is
        recorded as a caught mis-pick and answered 409."""
        shipment = self.get_object()
        scan = pack_scan(shipment=shipment, barcode=self._body(VerifySerializer)["barcode"], user=request.user)
        units = ShipmentDetailSerializer(context=self.get_serializer_context()).get_units(shipment)
        return Response(VerifyResultSerializer({
            "result": scan.result, "message": scan.message, "sku": scan.product.sku, "units": units,
            "complete": all(u["verified"] >= u["expected"] for u in units)}).data)

    @extend_schema(request=WeighSerializer, responses={200: ShipmentDetailSerializer})
    @action(detail=True, methods=["post"])
    def weigh(self, request, pk=None):
        """Take the scale's weight of each package and confirm the packing: the order is packed and rated."""
        shipment = self.get_object()
        data = self._body(WeighSerializer)
        shipment = shipment_weigh(shipment=shipment, weights_g={p["number"]: p["weight_g"] for p in data["packages"]},
                                  user=request.user, deliver_by=data.get("deliver_by"))
        return self._reply(shipment)

    @extend_schema(request=BuyLabelSerializer, responses={200: ShipmentDetailSerializer})
    @action(detail=True, methods=["post"], url_path="buy-label")
    def buy_label(self, request, pk=None):
        """Buy the label with the given service or rate shopping's choice; the station's label printer (if
        any) gets the ZPL."""
        shipment = self.get_object()
        service = self._body(BuyLabelSerializer).get("service")
        return self._reply(shipment_label(shipment=shipment, user=request.user, service=service))

    @extend_schema(request=None, responses={200: ShipmentDetailSerializer})
    @action(detail=True, methods=["post"], url_path="void-label")
    def void_label(self, request, pk=None):
        """Void the label (before hand-over); the shipment is packed again."""
        return self._reply(shipment_label_void(shipment=self.get_object(), user=request.user))

    @extend_schema(request=None, responses={200: ShipmentDetailSerializer})
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        """Hand the packages to the carrier: stock leaves the ledger and the order is shipped."""
        return self._reply(shipment_ship(shipment=self.get_object(), user=request.user))


class ManifestViewSet(viewsets.ReadOnlyModelViewSet):
    """End-of-day manifests of the user's warehouses, each with the link to its PDF (staff only); POST closes
    the day for a carrier at a warehouse."""

    serializer_class = ManifestSerializer
    filterset_class = ManifestFilter
    ordering_fields = ["manifest_date", "created_at"]
    read_roles = PACK_ROLES
    write_roles = PACK_ROLES

    def get_queryset(self):
        return (manifest_list(user=self.request.user).annotate(package_count=Count("packages"))
                .order_by("-manifest_date", "-pk"))

    @extend_schema(request=ManifestCreateSerializer, responses={201: ManifestSerializer})
    def create(self, request):
        """Close the day: every handed-over package of the carrier at the warehouse not yet on a manifest."""
        body = ManifestCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        manifest = manifest_close(carrier=body.validated_data["carrier"], warehouse=body.validated_data["warehouse"],
                                  user=request.user, manifest_date=body.validated_data.get("manifest_date"))
        fresh = self.get_queryset().get(pk=manifest.pk)
        return Response(ManifestSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


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
