"""The user profile moved from inventory to core: every profile keeps its user, client and warehouses.

One test takes the migrations back and forth once: a cycle costs about twenty seconds, and one cycle shows both
directions (the profiles written before the move back, and those written while it was undone).
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.access import ensure_role_groups, user_access
from core.choices import Role
from core.models import UserProfile
from tests.factories import ClientFactory, UserFactory, WarehouseFactory

BEFORE_THE_MOVE = [("inventory", "0004_stock_summary"), ("core", "0002_idempotency_keys")]


def _profiles() -> dict[int, tuple[int | None, set[int]]]:
    return {p.user_id: (p.client_id, set(p.warehouses.values_list("pk", flat=True)))
            for p in UserProfile.objects.prefetch_related("warehouses")}


@pytest.mark.django_db(transaction=True)
def test_the_move_undone_and_done_again_keeps_every_profile_its_client_and_its_warehouses():
    # Given a profile written by core's model (its warehouses and clients written by today's models: the rows
    # outlive the columns added since)
    slc, nsh = WarehouseFactory(code="SLC"), WarehouseFactory(code="NSH")
    cascade, brightleaf = ClientFactory(code="CASC"), ClientFactory(code="BRIGHT")
    staff_profile = UserProfile.objects.create(user=UserFactory(username="staff"), client=ClientFactory())
    staff_profile.warehouses.set([slc])
    written_by_core = _profiles()

    # When the move is undone
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    try:
        old = executor.loader.project_state(BEFORE_THE_MOVE).apps
        OldProfile = old.get_model("inventory", "UserProfile")
        # Then inventory's model reads the same rows, and the content type is inventory's again
        undone = {p.user_id: (p.client_id, set(p.warehouses.values_list("pk", flat=True)))
                  for p in OldProfile.objects.all()}
        old_labels = list(ContentType.objects.filter(model="userprofile").values_list("app_label", flat=True))

        # And given profiles written by inventory's model, with a group allowed to change them
        expected = dict(written_by_core)
        for n, (client, warehouses) in enumerate([(cascade, []), (brightleaf, []), (None, [slc]), (None, [nsh]),
                                                  (None, [slc, nsh]), (None, [])]):
            user = UserFactory(username=f"user-{n}")
            profile = OldProfile.objects.create(user_id=user.pk, client_id=client.pk if client else None)
            profile.warehouses.set([w.pk for w in warehouses])
            expected[user.pk] = (client.pk if client else None, {w.pk for w in warehouses})
        old_type, _ = ContentType.objects.get_or_create(app_label="inventory", model="userprofile")
        change, _ = Permission.objects.get_or_create(content_type=old_type, codename="change_userprofile",
                                                        defaults={"name": "Can change user profile"})
        admins = Group.objects.create(name="Profile admins")
        admins.permissions.add(change.pk)
    finally:
        # When the migrations run forward again
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert undone == written_by_core
    assert old_labels == ["inventory"]
    # Then core's model reads every profile with its client and warehouses, from the same tables
    assert _profiles() == expected
    assert UserProfile._meta.db_table == "inventory_userprofile"
    assert UserProfile.warehouses.through._meta.db_table == "inventory_userprofile_warehouses"
    assert not ContentType.objects.filter(app_label="inventory", model="userprofile").exists()
    assert ContentType.objects.get_for_model(UserProfile).pk == old_type.pk
    assert list(admins.permissions.values_list("content_type__app_label", "codename")) == [
        ("core", "change_userprofile")]
    # And tenancy reads them: a client user is limited to its client, staff to their warehouses
    groups = ensure_role_groups()
    client_user = get_user_model().objects.get(username="user-0")
    client_user.groups.add(groups[Role.CLIENT])
    assert (user_access(client_user).roles, user_access(client_user).client_id) == ({Role.CLIENT}, cascade.pk)
    staff = get_user_model().objects.get(username="user-4")
    staff.groups.add(groups[Role.PICKER])
    assert user_access(staff).warehouse_ids == {slc.pk, nsh.pk}
