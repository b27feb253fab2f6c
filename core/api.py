"""API plumbing shared by every app: error mapping so that no domain error or bad body becomes a 500, and the
Idempotency-Key header of the writes a client may retry."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError
from core.idempotency import KEY_MAX_LENGTH, IdempotencyConflict


def exception_handler(exc, context):
    if isinstance(exc, DomainError | IdempotencyConflict):
        body = {"detail": exc.message}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {"detail": "This record is still in use by other records and cannot be deleted; deactivate it instead."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        return Response({"detail": "The change conflicts with existing data."}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404(str(exc))
    return drf_exception_handler(exc, context)


def idempotency_key_parameter(result: str) -> OpenApiParameter:
    """The schema of the Idempotency-Key header of a write whose retry returns `result`."""
    return OpenApiParameter(
        "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
        description=f"Any unique string (e.g. a UUID). Retrying with the same key and body returns the same {result} "
                    "(with the header Idempotent-Replayed: true); the same key with a different body is refused "
                    "with 409.",
    )


def idempotency_key_from(request) -> str:
    """Return the request's Idempotency-Key header ("" without one). Raises ValidationError when too long."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > KEY_MAX_LENGTH:
        raise ValidationError({"Idempotency-Key": [f"At most {KEY_MAX_LENGTH} characters."]})
    return key


def idempotency_headers(*, replayed: bool) -> dict[str, str]:
    """The response headers that tell a client its request was answered from an earlier one."""
    return {"Idempotent-Replayed": "true"} if replayed else {}
