"""Who may see what: roles from groups, tenancy from the user's profile.

Every selector limits its rows with `restrict`, the one tenancy rule: a user without a role sees nothing, a
client user only its client's rows, and staff assigned to some warehouses only those warehouses' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import Model, Q, QuerySet

from core.choices import ROLE_GROUP_NAMES, Role
from core.models import UserProfile

STAFF_ROLES = frozenset({Role.PICKER, Role.PACKER, Role.MANAGER})

M = TypeVar("M", bound=Model)


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
    try:
        user.profile  # noqa: B018
    except UserProfile.DoesNotExist:
        return False
    return True


def restrict(queryset: QuerySet[M], user, *, client: str | None,
             warehouse: str | Sequence[str] | None) -> QuerySet[M]:
    """Return the rows of `queryset` that the user may see.

    `client` is the lookup from the queryset's model to the client that owns a row ("client",
    "order__client", "pk" for clients themselves), or None for rows no client owns (warehouses, locations),
    which client users see like everyone. `warehouse` is the lookup to the warehouse a row belongs to
    ("warehouse", "location__warehouse", "pk" for warehouses themselves), several when a row belongs to any
    of them (a transfer leaves one warehouse for another), or None for rows staff see whatever their
    warehouses (products, channels). Pages that client users must not see at all check the role first.
    """
    access = user_access(user)
    if not access.roles:
        return queryset.none()
    if access.client_id is not None:
        return queryset if client is None else queryset.filter(**{client: access.client_id})
    if access.warehouse_ids is None or warehouse is None:
        return queryset
    paths = (warehouse,) if isinstance(warehouse, str) else tuple(warehouse)
    match = Q()
    for path in paths:
        match |= Q(**{f"{path}__in": access.warehouse_ids})
    return queryset.filter(match)


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
