"""/api/v1/sku-mappings/: a storefront's SKU that means one of the client's products; creating one frees the
orders on hold for that SKU."""

from rest_framework import mixins, serializers, viewsets

from core.api_fields import ScopedPrimaryKeyRelatedField
from core.choices import Role
from inventory.selectors import client_list, product_list
from orders.models import SkuMapping
from orders.selectors import channel_list
from orders.sku_mappings.filters import SkuMappingFilter
from orders.sku_mappings.selectors import sku_mapping_list
from orders.sku_mappings.services import sku_mapping_create, sku_mapping_delete


class SkuMappingSerializer(serializers.ModelSerializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list)
    channel = ScopedPrimaryKeyRelatedField(scope=channel_list, allow_null=True, required=False, default=None,
                                           help_text="Only this channel's orders; null for all the client's.")
    product = ScopedPrimaryKeyRelatedField(scope=product_list)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    channel_name = serializers.CharField(source="channel.name", read_only=True, default=None)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SkuMapping
        fields = ["id", "client", "channel", "channel_name", "external_sku", "product", "product_sku", "created_by",
                  "created_at", "updated_at"]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        validators = []  # the service checks duplicates and raises a DomainError on the field


class SkuMappingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """SKU mappings: intake resolves a line's SKU through the channel's mapping, then the client-wide one, then
    the product's own SKU. Creating one releases the orders held only for that SKU."""

    serializer_class = SkuMappingSerializer
    filterset_class = SkuMappingFilter
    search_fields = ["external_sku", "product__sku"]
    ordering_fields = ["external_sku", "created_at"]
    read_roles = frozenset({Role.MANAGER, Role.CLIENT})
    write_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return sku_mapping_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = sku_mapping_create(user=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        sku_mapping_delete(mapping=instance, user=self.request.user)
