"""The API token endpoint: POST a username and password for a token, DELETE to revoke it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.json_input import CheckedJSONParser
from core.lockout import lockout_response
from core.token_auth import token_expires_at, token_issue

TokenResponse = inline_serializer("TokenResponse", fields={"token": serializers.CharField(),
                                                           "expires_at": serializers.DateTimeField()})


class TokenView(APIView):
    """POST a username and password for an API token (send it as `Authorization: Token <token>`); DELETE revokes it.

    Failed attempts count towards the lockout shared with the login pages: after too many, a 429 until it ends.
    """

    parser_classes = [CheckedJSONParser, FormParser, MultiPartParser]
    serializer_class = AuthTokenSerializer

    def get_permissions(self):
        return [IsAuthenticated()] if getattr(self.request, "method", None) == "DELETE" else [AllowAny()]

    def get_authenticators(self):
        # Logging in needs no credentials: an expired token still in the client's header must not stop it.
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(request=AuthTokenSerializer, responses=TokenResponse, auth=[])
    def post(self, request, *args, **kwargs):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes flags the DRF request it was given, which its middleware never sees: answer here.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            raise exceptions.ValidationError(serializer.errors)
        token = token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key, "expires_at": token_expires_at(token)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        """Revoke the token this request was authenticated with; the next call with it is a 401."""
        if isinstance(request.auth, Token):
            request.auth.delete()
        else:  # logged in by session (the docs page): revoke the user's token, if any
            Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
