from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from core.access import user_access


def role_required(*roles: str):
    """Let a page through only for users holding one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not user_access(request.user).has_any(*roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        # Read by may_open, so a link to this page shows only to those the page lets in.
        wrapper.required_roles = frozenset(roles)
        return wrapper

    return decorator


def object_visible(check: Callable[..., bool]):
    """Name the test a page's object lookup makes (`check(user, **url_kwargs)`), for may_open to ask.

    The page itself answers 404 through its lookup; the decorator only records the same test beside it.
    """

    def decorator(view):
        view.object_visible = check
        return view

    return decorator


def may_open(user, url_name: str, *args, **kwargs) -> bool:
    """Whether the page behind a URL name lets this user in: its role check, then its object's visibility."""
    try:
        match = resolve(reverse(url_name, args=args, kwargs=kwargs))
    except (NoReverseMatch, Resolver404):
        return False
    # Every decorator layer copies the marks of the one it wraps (functools.wraps), so gather them once each.
    role_sets, checks = set(), {}
    view = match.func
    while view is not None:
        if getattr(view, "required_roles", None) is not None:
            role_sets.add(view.required_roles)
        if getattr(view, "object_visible", None) is not None:
            checks[id(view.object_visible)] = view.object_visible
        view = getattr(view, "__wrapped__", None)
    access = user_access(user)
    if not all(access.has_any(*roles) for roles in role_sets):
        return False
    return all(check(user, *match.args, **match.kwargs) for check in checks.values())
