from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.access import user_access
from core.choices import Role

ALL_ROLES = frozenset(Role.values)
STAFF_READ = frozenset({Role.PICKER, Role.PACKER, Role.MANAGER})


class IsStaffOrClientUser(BasePermission):
    """Role check for API views: `read_roles` may read, `write_roles` may write (managers by default).

    `action_roles` narrows single actions further, e.g. {"approve": {Role.MANAGER}}.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        access = user_access(request.user)
        if not access.roles:
            return False
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", ALL_ROLES)
        else:
            allowed = getattr(view, "write_roles", frozenset({Role.MANAGER}))
        if not access.roles & set(allowed):
            return False
        narrower = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return narrower is None or bool(access.roles & set(narrower))
