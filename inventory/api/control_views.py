"""API of stock control: /api/v1/inbound/, /api/v1/cycle-counts/, /api/v1/transfers/ (figures live on /stock/)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.choices import Role
from core.permissions import ALL_ROLES, STAFF_READ
from inventory.api.control_serializers import (
    CountApproveSerializer,
    CountRecordSerializer,
    CycleCountCreateSerializer,
    CycleCountSerializer,
    InboundCreateSerializer,
    InboundShipmentSerializer,
    ReceiveScanSerializer,
    TransferCreateSerializer,
    TransferSerializer,
)
from inventory.counting import cycle_count_approve, cycle_count_create, cycle_count_record, cycle_count_submit
from inventory.filters import CycleCountFilter, InboundShipmentFilter, TransferFilter
from inventory.receiving import inbound_close, inbound_create, inbound_lines_from_csv, inbound_receive_scan
from inventory.selectors import cycle_count_list, inbound_shipment_list, transfer_list
from inventory.transfers import transfer_cancel, transfer_create, transfer_dispatch, transfer_receive

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
    action_roles = {"create": {Role.MANAGER, Role.CLIENT}, "receive": STAFF_READ, "close": STAFF_READ}

    def get_queryset(self):
        return inbound_shipment_list(user=self.request.user).prefetch_related(
            "lines__product", "differences").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "create":
            return InboundCreateSerializer
        if self.action == "receive":
            return ReceiveScanSerializer
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
