from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import user_access
from core.choices import Role
from core.exceptions import DomainError
from core.permissions import ALL_ROLES
from returns.api.serializers import (
    ReturnCreateSerializer,
    ReturnPolicySerializer,
    ReturnReasonSerializer,
    ReturnReceiveSerializer,
    ReturnSerializer,
)
from returns.filters import ReturnFilter
from returns.selectors import return_list_with_details, return_policy_list
from returns.services.opening import ReturnLineRequest, return_request
from returns.services.policy import return_policy_update
from returns.services.receiving import return_inspection_finish, return_unit_receive
from returns.services.refunding import return_refund
from returns.services.status import return_authorise, return_close, return_reject
from warehouses.selectors import location_list

DECIDE_ROLES = frozenset({Role.MANAGER, Role.CLIENT})
DESK_ROLES = frozenset({Role.MANAGER, Role.PICKER, Role.PACKER})
MANAGERS = frozenset({Role.MANAGER})


class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Returns (RMAs): merchants open them for their orders; managers decide, the desk receives, managers refund."""

    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    search_fields = ["number", "order__order_number", "customer_email"]
    ordering_fields = ["created_at", "status", "number"]
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER})

    def get_queryset(self):
        return return_list_with_details(user=self.request.user).order_by("-created_at", "-pk")

    def _respond(self, rma, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=rma.pk)).data, status=code)

    def _require(self, roles):
        if not user_access(self.request.user).has_any(*roles):
            self.permission_denied(self.request, message="Your role does not allow this.")

    def _body(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data, context={"request": self.request})
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _rma(self, roles):
        """Check the role first, then load the return (404 when the user may not see it)."""
        self._require(roles)
        return self.get_object()

    def _act(self, service, *, roles, body=None, **from_body):
        """One action on a return: check the role, load the return, validate the body, call `service` and
        answer with the return as it is now. `from_body` names, per service keyword, the body field it takes
        (`note="reason"` passes the body's reason as the note)."""
        rma = self._rma(roles)
        data = self._body(body) if body else {}
        service(rma=rma, user=self.request.user, **{name: data[field] for name, field in from_body.items()})
        return self._respond(rma)

    @extend_schema(request=ReturnCreateSerializer, responses={201: ReturnSerializer})
    def create(self, request, *args, **kwargs):
        """Open a return of a shipped order: items (order line ids), quantities and a reason each."""
        self._require(DECIDE_ROLES)
        data = self._body(ReturnCreateSerializer)
        access = user_access(request.user)
        if data["ignore_window"] and not access.is_manager:
            raise DomainError("Only managers may accept a return outside the window.", field="ignore_window")
        rma = return_request(
            order=data["order"], source="manager" if access.is_manager else "api", user=request.user,
            lines=[ReturnLineRequest(order_line_id=line["order_line"], quantity=line["quantity"],
                                     reason=line["reason"], reason_note=line["reason_note"],
                                     resolution=line["resolution"], exchange_sku=line["exchange_sku"])
                   for line in data["lines"]],
            customer_note=data["customer_note"], authorise=data["authorise"], ignore_window=data["ignore_window"],
        )
        return self._respond(rma, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def authorise(self, request, pk=None):
        """Authorise a requested return; the customer gets the label by email."""
        return self._act(return_authorise, roles=DECIDE_ROLES)

    @extend_schema(request=ReturnReasonSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a requested return with a reason (required)."""
        return self._act(return_reject, roles=DECIDE_ROLES, body=ReturnReasonSerializer, reason="reason")

    @extend_schema(request=ReturnReasonSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a return without refund (cancelled, or nothing refundable)."""
        return self._act(return_close, roles=DECIDE_ROLES, body=ReturnReasonSerializer, note="reason")

    @extend_schema(request=ReturnReceiveSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Returns desk: scan units of one product with their disposition (restock needs a location id)."""
        rma = self._rma(DESK_ROLES)
        data = self._body(ReturnReceiveSerializer)
        location = None
        if data.get("location"):
            location = location_list(user=request.user).filter(pk=data["location"]).first()
            if location is None:
                raise DomainError("Unknown location.", field="location")
        return_unit_receive(rma=rma, barcode=data["barcode"], disposition=data["disposition"], location=location,
                            quantity=data["quantity"], condition_note=data["condition_note"], user=request.user,
                            allow_mixing=data["allow_mixing"])
        return self._respond(rma)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="finish-inspection")
    def finish_inspection(self, request, pk=None):
        """Finish receiving: units not scanned are recorded missing; exchanges get their order."""
        return self._act(return_inspection_finish, roles=DESK_ROLES)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Compute, record and send the refund of an inspected return (managers)."""
        return self._act(return_refund, roles=MANAGERS)


class ReturnPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                          viewsets.GenericViewSet):
    """Each client's return policy (window, label fee, survey), with per-reason free label and restocking fee.
    The id is the client id."""

    serializer_class = ReturnPolicySerializer
    lookup_field = "client"
    lookup_value_regex = r"[0-9]{1,18}"  # a client id; longer numbers cannot be ids (and overflow SQLite)
    read_roles = frozenset({Role.MANAGER, Role.CLIENT})
    write_roles = frozenset({Role.MANAGER})

    def get_queryset(self):
        return return_policy_list(user=self.request.user).order_by("client_id")

    def update(self, request, *args, **kwargs):
        policy = self.get_object()
        body = self.get_serializer(policy, data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        rules = {rule["reason"]: rule for rule in data.pop("reason_rules", [])}
        return_policy_update(client=policy.client, rules=rules, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=policy.pk)).data)
