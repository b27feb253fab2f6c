from functools import wraps

from django.core.exceptions import PermissionDenied

from core.access import user_access


def role_required(*roles: str):
    """Let a page through only for users holding one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not user_access(request.user).has_any(*roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
