"""Who may see what: roles from groups, tenancy from the user's profile.

Every selector scopes through these functions, so a client user never sees another client's data
and warehouse staff limited to some warehouses see only those warehouses' work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from inventory.choices import ROLE_GROUP_NAMES, Role

STAFF_ROLES = frozenset({Role.PICKER, Role.PACKER, Role.MANAGER})


@dataclass(frozen=True)
class Access:
    roles: frozenset[str]
    client_id: int | None  # set for client users: everything is limited to this client
    warehouse_ids: frozenset[int] | None  # None: every warehouse

    @property
    def is_manager(self) -> bool:
        return Role.MANAGER in self.roles

    @property
    def is_client_user(self) -> bool:
        return self.client_id is not None

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


NO_ACCESS = Access(roles=frozenset(), client_id=None, warehouse_ids=frozenset())


def user_access(user: AbstractBaseUser | AnonymousUser) -> Access:
    """Return the roles and scope of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return NO_ACCESS
    cached = getattr(user, "_dockhand_access", None)
    if cached is not None:
        return cached
    group_names = {group.name for group in user.groups.all()}  # .all(): a list's prefetched groups serve
    roles = {role for role, group in ROLE_GROUP_NAMES.items() if group in group_names}
    if user.is_superuser:
        roles.add(Role.MANAGER)
    profile = getattr(user, "profile", None) if _has_profile(user) else None
    client_id = profile.client_id if profile else None
    warehouse_ids: frozenset[int] | None = None
    if profile is not None:
        ids = frozenset(warehouse.pk for warehouse in profile.warehouses.all())
        warehouse_ids = ids or None
    if Role.CLIENT in roles and client_id is None:
        # A client user without a client sees nothing rather than everything.
        roles.discard(Role.CLIENT)
    if client_id is not None and not user.is_superuser:
        roles = {Role.CLIENT}
    access = Access(roles=frozenset(roles), client_id=client_id, warehouse_ids=warehouse_ids)
    user._dockhand_access = access
    return access


def _has_profile(user) -> bool:
    from inventory.models import UserProfile

    try:
        user.profile  # noqa: B018
    except UserProfile.DoesNotExist:
        return False
    return True


def primary_role(user) -> str | None:
    """Return the role that decides the home page: manager, then packer, picker, client."""
    access = user_access(user)
    for role in (Role.MANAGER, Role.PACKER, Role.PICKER, Role.CLIENT):
        if role in access.roles:
            return role
    return None


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups if missing and return them by role."""
    return {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUP_NAMES.items()}


def scope_by_client(queryset, user, field: str = "client"):
    """Limit a queryset to the user's client when the user is a client user."""
    access = user_access(user)
    if not access.roles:
        return queryset.none()
    if access.client_id is not None:
        return queryset.filter(**{field: access.client_id})
    return queryset


def scope_by_warehouse(queryset, user, field: str = "warehouse"):
    """Limit a queryset to the warehouses a staff member is assigned to (all when unassigned)."""
    access = user_access(user)
    if not access.roles:
        return queryset.none()
    if access.warehouse_ids is not None and access.client_id is None:
        return queryset.filter(**{f"{field}__in": access.warehouse_ids})
    return queryset
