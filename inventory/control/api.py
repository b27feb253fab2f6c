"""API of stock control: /api/v1/inbound/, /api/v1/cycle-counts/, /api/v1/transfers/ (figures live on /stock/).

Serializers, then the viewsets; every write goes through the services of inventory.control."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api_fields import ScopedPrimaryKeyRelatedField
from core.choices import Role
from core.permissions import ALL_ROLES, STAFF_READ
from inventory.control.counting import (
    cycle_count_approve,
    cycle_count_create,
    cycle_count_record,
    cycle_count_submit,
)
from inventory.control.receiving import (
    inbound_close,
    inbound_create,
    inbound_lines_from_csv,
    inbound_receive_scan,
    inbound_reverse,
)
from inventory.control.transfers import transfer_cancel, transfer_create, transfer_dispatch, transfer_receive
from inventory.filters import CycleCountFilter, InboundShipmentFilter, TransferFilter
from inventory.models import (
    CycleCount,
    CycleCountLine,
    InboundLine,
    InboundShipment,
    ReceiptDifference,
    Transfer,
    TransferLine,
)
from inventory.selectors import (
    client_list,
    cycle_count_list,
    inbound_shipment_list,
    product_list,
    transfer_list,
)
from warehouses.selectors import location_list, warehouse_list


class InboundLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    outstanding = serializers.IntegerField(read_only=True)

    class Meta:
        model = InboundLine
        fields = ["id", "product", "sku", "expected_quantity", "received_quantity", "damaged_quantity", "outstanding"]


class ReceiptDifferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceiptDifference
        fields = ["id", "kind", "code", "quantity", "note", "created_at"]


class InboundShipmentSerializer(serializers.ModelSerializer):
    lines = InboundLineSerializer(many=True, read_only=True)
    differences = ReceiptDifferenceSerializer(many=True, read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)

    class Meta:
        model = InboundShipment
        fields = ["id", "client", "warehouse", "warehouse_code", "reference", "carrier", "expected_date", "status",
                  "notes", "created_at", "closed_at", "lines", "differences"]


class InboundLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)


class InboundCreateSerializer(serializers.Serializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list)
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    reference = serializers.CharField(max_length=64)
    expected_date = serializers.DateField(required=False, allow_null=True, default=None)
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    lines = InboundLineInputSerializer(many=True, required=False)
    csv = serializers.CharField(required=False, allow_blank=False,
                                help_text="Instead of lines: CSV text with the header sku,quantity.")

    def validate(self, attrs):
        if bool(attrs.get("lines")) == bool(attrs.get("csv")):
            raise serializers.ValidationError({"lines": ["Send either lines or csv."]})
        return attrs


class ReceiveScanSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="SKU or barcode as scanned.")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    damaged = serializers.BooleanField(default=False)
    location = ScopedPrimaryKeyRelatedField(scope=location_list, required=False, allow_null=True, default=None,
                                            help_text="Where to put the units; default: the putaway suggestion.")
    allow_mixing = serializers.BooleanField(
        default=False, help_text="Confirm putting the units into a bin that holds another product's stock.")


class CycleCountLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    variance = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = CycleCountLine
        fields = ["id", "location", "location_code", "product", "sku", "lot_number", "expected_quantity",
                  "counted_quantity", "variance", "status", "counted_at"]


class CycleCountSerializer(serializers.ModelSerializer):
    lines = CycleCountLineSerializer(many=True, read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)

    class Meta:
        model = CycleCount
        fields = ["id", "warehouse", "warehouse_code", "status", "basis", "approval_threshold", "created_at",
                  "closed_at", "lines"]


class CycleCountCreateSerializer(serializers.Serializer):
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    abc_class = serializers.ChoiceField(choices=["A", "B", "C"], required=False, allow_blank=True, default="")
    location_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    approval_threshold = serializers.IntegerField(min_value=0, default=5)


class CountRecordSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    counted_quantity = serializers.IntegerField(min_value=0, max_value=10_000_000)


class CountApproveSerializer(serializers.Serializer):
    reject = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                   help_text="Line ids to count again instead of approving.")


class TransferLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = TransferLine
        fields = ["id", "product", "sku", "from_location", "to_location", "lot_number", "quantity"]


class TransferSerializer(serializers.ModelSerializer):
    lines = TransferLineSerializer(many=True, read_only=True)

    class Meta:
        model = Transfer
        fields = ["id", "from_warehouse", "to_warehouse", "status", "note", "created_at", "dispatched_at",
                  "received_at", "lines"]


class TransferLineInputSerializer(serializers.Serializer):
    product = ScopedPrimaryKeyRelatedField(scope=product_list)
    from_location = ScopedPrimaryKeyRelatedField(scope=location_list)
    to_location = ScopedPrimaryKeyRelatedField(scope=location_list, required=False, allow_null=True, default=None)
    lot_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)


class InboundReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class TransferCreateSerializer(serializers.Serializer):
    from_warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    to_warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    lines = TransferLineInputSerializer(many=True, allow_empty=False)


STAFF_AND_CLIENTS = frozenset({Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER})


class InboundShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                             viewsets.GenericViewSet):
    """Advance shipping notices: create (lines or CSV), receive by scan, close (reports differences)."""

    serializer_class = InboundShipmentSerializer
    filterset_class = InboundShipmentFilter
    search_fields = ["reference"]
    ordering_fields = ["created_at", "expected_date"]
    read_roles = ALL_ROLES
    write_roles = STAFF_AND_CLIENTS
    action_roles = {"create": {Role.MANAGER, Role.CLIENT}, "receive": STAFF_READ, "close": STAFF_READ,
                    "reverse": {Role.MANAGER}}

    def get_queryset(self):
        return inbound_shipment_list(user=self.request.user).prefetch_related(
            "lines__product", "differences").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "create":
            return InboundCreateSerializer
        if self.action == "receive":
            return ReceiveScanSerializer
        if self.action == "reverse":
            return InboundReverseSerializer
        return InboundShipmentSerializer

    @extend_schema(responses={201: InboundShipmentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = inbound_lines_from_csv(data["csv"]) if data.get("csv") else [dict(line) for line in data["lines"]]
        shipment = inbound_create(client=data["client"], warehouse=data["warehouse"], reference=data["reference"],
                                  lines=lines, user=request.user, expected_date=data["expected_date"],
                                  carrier=data["carrier"])
        return Response(InboundShipmentSerializer(self.get_queryset().get(pk=shipment.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiveScanSerializer, responses={200: InboundShipmentSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Receive scanned units (good units into stock at the putaway location, damaged ones aside)."""
        shipment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = inbound_receive_scan(shipment=shipment, user=request.user, **serializer.validated_data)
        body = InboundShipmentSerializer(self.get_queryset().get(pk=shipment.pk)).data
        body["message"] = result.message
        body["location"] = result.location.pk if result.location else None
        return Response(body)

    @extend_schema(request=None, responses={200: InboundShipmentSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the ASN, recording its differences and emailing them to the client."""
        inbound_close(shipment=self.get_object(), user=request.user)
        return Response(InboundShipmentSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=InboundReverseSerializer, responses={200: InboundShipmentSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse a closed ASN booked in error (managers): its units leave the bins and its receiving charge is
        cancelled. 400 with the bin when units it received were since picked, moved or reserved."""
        shipment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inbound_reverse(shipment=shipment, user=request.user, **serializer.validated_data)
        return Response(InboundShipmentSerializer(self.get_queryset().get(pk=pk)).data)


class CycleCountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Cycle counts: create (ABC class or locations), record counted bins, submit, approve variances."""

    serializer_class = CycleCountSerializer
    filterset_class = CycleCountFilter
    ordering_fields = ["created_at"]
    read_roles = STAFF_READ
    write_roles = STAFF_READ
    action_roles = {"create": {Role.MANAGER}, "approve": {Role.MANAGER}}

    def get_queryset(self):
        return cycle_count_list(user=self.request.user).prefetch_related(
            "lines__product", "lines__location").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return {"create": CycleCountCreateSerializer, "record": CountRecordSerializer,
                "approve": CountApproveSerializer}.get(self.action, CycleCountSerializer)

    @extend_schema(responses={201: CycleCountSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        count = cycle_count_create(warehouse=data["warehouse"], user=request.user, abc_class=data["abc_class"],
                                   location_ids=data["location_ids"] or None,
                                   approval_threshold=data["approval_threshold"])
        return Response(CycleCountSerializer(self.get_queryset().get(pk=count.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=CountRecordSerializer, responses={200: CycleCountSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the units counted in one bin (line)."""
        count = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = count.lines.filter(pk=serializer.validated_data["line"]).first()
        if line is None:
            raise NotFound("No such line on this count.")
        cycle_count_record(line=line, counted_quantity=serializer.validated_data["counted_quantity"],
                           user=request.user)
        return Response(CycleCountSerializer(self.get_queryset().get(pk=count.pk)).data)

    @extend_schema(request=None, responses={200: CycleCountSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Finish counting: small variances adjust stock now, large ones wait for approval."""
        count = cycle_count_submit(count=self.get_object(), user=request.user)
        return Response(CycleCountSerializer(self.get_queryset().get(pk=count.pk)).data)

    @extend_schema(request=CountApproveSerializer, responses={200: CycleCountSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the waiting variances (manager), sending the `reject` lines back for a recount."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = cycle_count_approve(count=self.get_object(), user=request.user,
                                    reject_ids=serializer.validated_data["reject"])
        return Response(CycleCountSerializer(self.get_queryset().get(pk=count.pk)).data)


class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Transfers between locations or warehouses (through in-transit stock): create, dispatch, receive, cancel."""

    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    ordering_fields = ["created_at"]
    read_roles = STAFF_READ
    write_roles = STAFF_READ
    action_roles = {"create": {Role.MANAGER}, "cancel": {Role.MANAGER}}

    def get_queryset(self):
        return transfer_list(user=self.request.user).prefetch_related("lines__product").order_by(
            "-created_at", "-pk")

    def get_serializer_class(self):
        return TransferCreateSerializer if self.action == "create" else TransferSerializer

    @extend_schema(responses={201: TransferSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = transfer_create(from_warehouse=data["from_warehouse"], to_warehouse=data["to_warehouse"],
                                   lines=[dict(line) for line in data["lines"]], user=request.user,
                                   note=data["note"])
        return Response(TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _act(self, request, service):
        transfer = service(transfer=self.get_object(), user=request.user)
        return Response(TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data)

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_transfer(self, request, pk=None):
        """Send the transfer: between warehouses its units go in transit, inside one they move at once."""
        return self._act(request, transfer_dispatch)

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Take an in-transit transfer into the destination's bins."""
        return self._act(request, transfer_receive)

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft transfer (manager)."""
        return self._act(request, transfer_cancel)
