"""No page shows a link its reader cannot follow: every link on every page of every role answers, never 403/404.

The pages come from the URLconf (tests/world.py); links are followed one step with the same user.
"""

import html
import re

import pytest
from django.urls import reverse

from tests.world import build_world, page_names, world_path

HREF = re.compile(r"<a\b[^>]*\bhref=\"(/[^\"#]*)", re.IGNORECASE)
ROLES = ("picker", "nsh-picker", "packer", "manager", "client")


def _links(response) -> set[str]:
    return {html.unescape(href) for href in HREF.findall(response.content.decode())
            if not href.startswith(("//", "/static/"))}


@pytest.fixture
def world(db):
    return build_world()


def test_every_page_with_ids_has_an_object_in_the_world_or_is_an_action(client, world):
    # Given the manager, who may open every page
    client.force_login(world.users["manager"])
    missing = []
    for name, route in page_names():
        if world_path(world, name) is not None:
            continue
        # When a path with ids is opened with made-up ones
        dummy = {key: ("x" if kind == "str" else 999999) for kind, key in re.findall(r"<(\w+):(\w+)>", route)}
        response = client.get(reverse(name, kwargs=dummy))
        # Then it refuses GET (an action behind a form), else the world must give it an object to be walked
        if response.status_code != 405:
            missing.append(name)
    assert not missing, f"give these pages an object in tests/world.py: {missing}"


def test_no_link_on_any_page_of_any_role_leads_to_403_or_404(client, world):
    broken, followed = [], {}
    for role in ROLES:
        client.force_login(world.users[role])
        seen = set()
        for name, _route in page_names():
            path = world_path(world, name)
            if path is None:
                continue
            page = client.get(path)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            for link in sorted(_links(page) - seen):
                seen.add(link)
                status = client.get(link).status_code
                if status in (403, 404):
                    broken.append(f"{role}: {path} links to {link} ({status})")
        followed[role] = seen
        client.logout()

    assert not broken, "\n".join(broken)
    # The walk did follow the links that used to break, so an empty result means something
    assert reverse("orders:detail", kwargs=world.kwargs["orders:detail"]) in followed["nsh-picker"]
    assert reverse("inventory:transfer_list") in followed["picker"]
    assert reverse("reports:rebalance") in followed["manager"]


def test_split_child_links_its_parent_only_for_those_who_may_open_it(client, world):
    child_path = reverse("orders:detail", kwargs=world.kwargs["orders:detail"])
    parent_path = reverse("orders:detail", kwargs={"pk": world.parent_order_id})

    client.force_login(world.users["nsh-picker"])
    page = client.get(child_path).content.decode()
    assert "Part of split order" in page
    assert parent_path not in page
    client.force_login(world.users["manager"])
    assert parent_path in client.get(child_path).content.decode()


def test_transfers_offer_rebalancing_to_managers_only(client, world):
    for role, shown in (("picker", False), ("packer", False), ("manager", True)):
        client.force_login(world.users[role])
        page = client.get(reverse("inventory:transfer_list")).content.decode()
        assert (reverse("reports:rebalance") in page) is shown, role
