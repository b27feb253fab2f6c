from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from billing.api.serializers import (
    PRICE_FIELDS,
    BillableEventSerializer,
    InvoiceDetailSerializer,
    InvoiceDraftSerializer,
    InvoiceSerializer,
    PriceListSerializer,
    RateRemoveSerializer,
    ServiceRateSerializer,
    ShippingMarkupSerializer,
    StorageRateSerializer,
)
from billing.filters import BillableEventFilter, InvoiceFilter
from billing.models import InvoiceLine
from billing.selectors import billable_event_list, client_list, invoice_list, price_list_list
from billing.services import (
    invoice_draft,
    invoice_finalise,
    invoice_rebuild,
    price_list_create,
    price_list_rate_remove,
    service_rate_set,
    shipping_markup_set,
    storage_rate_set,
)
from core.choices import Role
from core.exceptions import DomainError

BILLING_ROLES = frozenset({Role.MANAGER, Role.CLIENT})
MANAGERS = frozenset({Role.MANAGER})


class PriceListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Each client's price lists: a new one applies from its date; earlier work keeps its prices."""

    serializer_class = PriceListSerializer
    read_roles = BILLING_ROLES
    write_roles = MANAGERS
    filterset_fields = ["client"]

    def get_queryset(self):
        return price_list_list(user=self.request.user).prefetch_related(
            "storage_rates", "shipping_markups", "service_rates").order_by("client_id", "-effective_from")

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not client_list(user=self.request.user).filter(pk=data["client"].pk).exists():
            raise DomainError("No such client.", field="client")
        serializer.instance = price_list_create(client=data["client"], effective_from=data["effective_from"],
                                                user=self.request.user,
                                                **{f: data[f] for f in PRICE_FIELDS if f in data})

    # Rates can change until a finalised invoice has used the list (then a 400 says which invoice).
    def _rates_changed(self, request, serializer_class, change) -> Response:
        price_list = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        change(price_list=price_list, **serializer.validated_data)
        return Response(PriceListSerializer(self.get_queryset().get(pk=price_list.pk)).data)

    @extend_schema(request=StorageRateSerializer, responses={200: PriceListSerializer})
    @action(detail=True, methods=["post"], url_path="storage-rates")
    def storage_rates(self, request, pk=None):
        """Set how a kind of location is charged (one rate per kind: it replaces the kind's rate)."""
        return self._rates_changed(request, StorageRateSerializer, storage_rate_set)

    @extend_schema(request=ShippingMarkupSerializer, responses={200: PriceListSerializer})
    @action(detail=True, methods=["post"], url_path="shipping-markups")
    def shipping_markups(self, request, pk=None):
        """Set a carrier's label markup (no service: every service of the carrier) instead of the list's default."""
        return self._rates_changed(request, ShippingMarkupSerializer, shipping_markup_set)

    @extend_schema(request=ServiceRateSerializer, responses={200: PriceListSerializer})
    @action(detail=True, methods=["post"], url_path="service-rates")
    def service_rates(self, request, pk=None):
        """Set the price of a value-added service by its code."""
        return self._rates_changed(request, ServiceRateSerializer, service_rate_set)

    @extend_schema(request=RateRemoveSerializer, responses={200: PriceListSerializer})
    @action(detail=True, methods=["post"], url_path="remove-rate")
    def remove_rate(self, request, pk=None):
        """Remove one storage rate, carrier markup or service price."""
        return self._rates_changed(request, RateRemoveSerializer, price_list_rate_remove)


class BillableEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The work each client is charged for, as it happened (read-only; corrections are reversing events)."""

    serializer_class = BillableEventSerializer
    filterset_class = BillableEventFilter
    read_roles = BILLING_ROLES
    ordering_fields = ["event_date", "id"]

    def get_queryset(self):
        return billable_event_list(user=self.request.user).order_by("-event_date", "-pk")


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices: managers draft, rebuild and finalise; client users read their finalised ones."""

    filterset_class = InvoiceFilter
    read_roles = BILLING_ROLES
    write_roles = MANAGERS

    def get_queryset(self):
        invoices = invoice_list(user=self.request.user).order_by("-period_start", "-pk")
        if self.action != "list":
            invoices = invoices.prefetch_related(Prefetch(
                "lines", queryset=InvoiceLine.objects.order_by("position").prefetch_related("events")))
        return invoices

    def get_serializer_class(self):
        return InvoiceSerializer if self.action == "list" else InvoiceDetailSerializer

    def _respond(self, invoice, code=status.HTTP_200_OK):
        return Response(InvoiceDetailSerializer(self.get_queryset().get(pk=invoice.pk),
                                                context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=InvoiceDraftSerializer, responses={201: InvoiceDetailSerializer})
    @action(detail=False, methods=["post"])
    def draft(self, request):
        """Build (or rebuild) the draft of a client for a period: last month by default."""
        body = InvoiceDraftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        client = body.validated_data["client"]
        if not client_list(user=request.user).filter(pk=client.pk).exists():
            raise DomainError("No such client.", field="client")
        invoice = invoice_draft(client=client, period_start=body.validated_data.get("period_start"),
                                period_end=body.validated_data.get("period_end"), user=request.user)
        return self._respond(invoice, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        """Compute a draft's lines again (409 once finalised)."""
        return self._respond(invoice_rebuild(invoice=self.get_object(), user=request.user))

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None):
        """Lock the draft and give it the next invoice number (409 when finalised already)."""
        return self._respond(invoice_finalise(invoice=self.get_object(), user=request.user))
