"""Writes of identity: users with their role and their profile (client, warehouses)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from core.access import ensure_role_groups
from core.choices import Role
from core.models import UserProfile


@transaction.atomic
def user_save(
    *,
    instance=None,
    username: str | None = None,
    password: str | None = None,
    role: str | None = None,
    client=None,
    warehouses=None,
    **fields,
):
    """Create or update a user with one role group, its client (client users) and its warehouses (staff)."""
    user_model = get_user_model()
    user = instance or user_model(username=username)
    if username is not None:
        user.username = username
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        user.set_password(password)
    user.save()
    if role is not None:
        groups = ensure_role_groups()
        user.groups.remove(*groups.values())
        user.groups.add(groups[role])
    profile, _ = UserProfile.objects.get_or_create(user=user)
    if role is not None:
        profile.client = client if role == Role.CLIENT else None
        profile.save(update_fields=["client", "updated_at"])
    if warehouses is not None:
        profile.warehouses.set(warehouses)
    user.__dict__.pop("_dockhand_access", None)
    return user


def user_language_set(*, user, language: str) -> UserProfile:
    """Save the language a user's pages are shown in ("" for the site's default).

    Raises ValueError for a language the site does not offer.
    """
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language: {language}")
    profile, _ = UserProfile.objects.get_or_create(user=user)
    profile.language = language
    profile.save(update_fields=["language", "updated_at"])
    return profile
