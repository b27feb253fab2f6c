from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import user_access
from core.choices import Role
from orders.models import Order
from orders.selectors import order_list
from shipping.api.serializers import (
    ActionResultSerializer,
    ConfirmLineSerializer,
    PickListDetailSerializer,
    PickListSerializer,
    ReleaseResultSerializer,
    ReleaseSerializer,
    ShortSerializer,
    SortSerializer,
)
from shipping.choices import PickListKind
from shipping.exceptions import PickingError
from shipping.filters import PickListFilter
from shipping.picking.release import (
    pick_list_cancel,
    pick_list_release_batch,
    pick_list_release_single,
    wave_release,
)
from shipping.picking.scan import pick_list_complete, pick_list_line_confirm, pick_list_start
from shipping.picking.short import pick_list_line_short
from shipping.picking.sort import pick_list_sort_scan
from shipping.selectors import pick_list_list, pick_list_list_with_lines
from warehouses.selectors import warehouse_list


class PickListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pick lists: list, detail with stops, and the floor's actions (the same services as the pages)."""

    filterset_class = PickListFilter
    search_fields = ["number"]
    ordering_fields = ["created_at", "number", "status"]
    read_roles = frozenset({Role.MANAGER, Role.PICKER, Role.PACKER})
    write_roles = frozenset({Role.MANAGER, Role.PICKER})

    def get_queryset(self):
        if self.action == "list":
            return pick_list_list(user=self.request.user).order_by("-created_at", "-pk")
        return pick_list_list_with_lines(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return PickListSerializer if self.action == "list" else PickListDetailSerializer

    def _result(self, pick_list, message: str, details=None, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pick_list.pk)
        body = {"message": message, "details": details or [],
                "pick_list": PickListDetailSerializer(fresh, context=self.get_serializer_context()).data}
        return Response(body, status=code)

    @extend_schema(request=ReleaseSerializer, responses={201: ReleaseResultSerializer})
    @action(detail=False, methods=["post"])
    def release(self, request):
        """Release work (managers): one order (single), one cart of small orders (batch), or a wave."""
        if not user_access(request.user).is_manager:
            raise PermissionDenied("Only managers release pick lists.")
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        wave = None
        if data["kind"] == PickListKind.SINGLE:
            order = order_list(user=request.user).filter(pk=data["order"]).select_related("warehouse").first()
            if order is None:
                raise Order.DoesNotExist("No such order.")
            lists = [pick_list_release_single(order=order, user=request.user)]
        else:
            warehouse = warehouse_list(user=request.user).filter(code=data["warehouse"]).first()
            if warehouse is None:
                raise PickingError(f"No warehouse {data['warehouse']} that you may see.", field="warehouse")
            if data["kind"] == PickListKind.BATCH:
                orders = None
                if data.get("orders"):
                    orders = list(order_list(user=request.user).filter(pk__in=data["orders"]))
                    if len(orders) != len(set(data["orders"])):
                        raise PickingError("Some of these orders do not exist or are not yours to see.",
                                           field="orders")
                lists = [pick_list_release_batch(warehouse=warehouse, user=request.user, orders=orders,
                                                 cart_size=data.get("cart_size"), max_units=data.get("max_units"))]
            else:
                wave = wave_release(warehouse=warehouse, user=request.user, service_level=data.get("service_level", ""),
                                    cutoff_at=data.get("cutoff_at"), cart_size=data.get("cart_size"),
                                    split=data.get("split") or "cart")
                lists = list(wave.pick_lists.order_by("pk"))
        fresh = pick_list_list(user=request.user).filter(pk__in=[pl.pk for pl in lists]).order_by("pk")
        return Response({"wave": wave.number if wave else None,
                         "pick_lists": PickListSerializer(fresh, many=True).data}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ActionResultSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start picking: you become the picker; the orders go allocated → picking."""
        pick_list = pick_list_start(pick_list=self.get_object(), user=request.user)
        return self._result(pick_list, f"{pick_list.number} started.")

    @extend_schema(request=ConfirmLineSerializer, responses=ActionResultSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-line")
    def confirm_line(self, request, pk=None):
        """Confirm picked units of one stop; the scanned location and item must match (409 otherwise)."""
        pick_list = self.get_object()
        body = ConfirmLineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        result = pick_list_line_confirm(pick_list=pick_list, line_id=d["line"], location_code=d["location"],
                                        item_code=d["item"], quantity=d["quantity"], user=request.user)
        return self._result(pick_list, result.message,
                            [{"order_number": p.order_number, "tote": p.tote, "quantity": p.quantity}
                             for p in result.placed])

    @extend_schema(request=ShortSerializer, responses=ActionResultSerializer)
    @action(detail=True, methods=["post"])
    def short(self, request, pk=None):
        """Report a short pick on one stop: the rest is re-allocated elsewhere or the order backordered/held."""
        pick_list = self.get_object()
        body = ShortSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcomes = pick_list_line_short(pick_list=pick_list, line_id=body.validated_data["line"],
                                        found=body.validated_data["found"], user=request.user)
        return self._result(pick_list, "Short pick recorded.", [
            {"order_number": o.order_number, "missing": o.missing, "reallocated": o.reallocated,
             "new_stops": o.new_stops, "order_status": o.order_status} for o in outcomes])

    @extend_schema(request=None, responses=ActionResultSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Finish walking the list: a single list completes, batch and wave lists go to sorting."""
        pick_list = pick_list_complete(pick_list=self.get_object(), user=request.user)
        return self._result(pick_list, f"{pick_list.number} is {pick_list.get_status_display().lower()}.")

    @extend_schema(request=SortSerializer, responses=ActionResultSerializer)
    @action(detail=True, methods=["post"])
    def sort(self, request, pk=None):
        """Sort one scanned unit of a batch or wave list into its order's tote."""
        pick_list = self.get_object()
        body = SortSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = pick_list_sort_scan(pick_list=pick_list, code=body.validated_data["item"], user=request.user)
        return self._result(pick_list, result.message, [{"order_number": result.order_number, "tote": result.tote,
                                                         "order_done": result.order_done}])

    @extend_schema(request=None, responses=ActionResultSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Withdraw a released list before picking starts (managers)."""
        if not user_access(request.user).is_manager:
            raise PermissionDenied("Only managers cancel pick lists.")
        pick_list = pick_list_cancel(pick_list=self.get_object(), user=request.user)
        return self._result(pick_list, f"{pick_list.number} cancelled.")
