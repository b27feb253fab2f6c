from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related field whose choices are what the requesting user may see (foreign ids read as 'does not exist')."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(user=request.user if request else None)


@extend_schema_field(serializers.URLField(allow_null=True, read_only=True))
class DocumentURLField(serializers.Field):
    """The absolute URL of the access-checked view serving an object's document (a PDF, a label), or null when
    the object has none. The URL takes the same token as the API (core.documents.document_view)."""

    def __init__(self, view_name: str, *, pk_attr: str = "pk", available=None, **kwargs):
        self.view_name = view_name
        self.pk_attr = pk_attr
        self.available = available
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        pk = getattr(obj, self.pk_attr)
        if pk is None or (self.available is not None and not self.available(obj)):
            return None
        path = reverse(self.view_name, args=[pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
