"""One FilterSet per list, in its app's filters.py: a list page filters with the same FilterSet as its API list
(as NetBox does), so a filter means the same on both. A value not understood is a message on the page, listing
what the other filters match, and a 400 with the field's error on the API."""

import pytest
from django.urls import reverse
from django.utils import timezone

from config.api_urls import router
from core.choices import Role
from shipping.choices import PickListStatus
from shipping.models import PickList
from shipping.picking.release import pick_list_cancel, pick_list_release_single
from tests.conftest import api_client_for
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.rules.factories import HoldFactory, RuleFactory
from tests.shipping.factories import allocated_order
from tests.shipping.helpers import packing_location

pytestmark = pytest.mark.django_db

# page URL name, API list basename, a value the FilterSet refuses
PAGES_AND_LISTS = [
    pytest.param("orders:list", "order", {"received_from": "yesterday"}, id="orders"),
    pytest.param("holds:list", "hold", {"kind": "sulking"}, id="holds"),
    pytest.param("rules:list", "rule", {"client": "x"}, id="rules"),
    pytest.param("sku_mappings:list", "sku-mapping", {"channel": "x"}, id="sku-mappings"),
    pytest.param("intake:channels", "channel", {"kind": "carrier-pigeon"}, id="channels"),
    pytest.param("inventory:inbound_list", "inbound", {"status": "lost"}, id="inbound"),
    pytest.param("inventory:count_list", "cycle-count", {"status": "lost"}, id="counts"),
    pytest.param("inventory:transfer_list", "transfer", {"status": "lost"}, id="transfers"),
    pytest.param("shipping:pick_lists", "pick-list", {"status": "lost"}, id="pick-lists"),
    pytest.param("packing:manifests", "manifest", {"manifest_date": "someday"}, id="manifests"),
    pytest.param("packing:boxes", "box-type", {"warehouse": "x"}, id="box-types"),
    pytest.param("returns:list", "return", {"created_after": "someday"}, id="returns"),
]

# list pages with no API list: they filter with a FilterSet of their app's filters.py all the same
PAGES_ONLY = [
    pytest.param("packing:notifications", {"channel": "x"}, id="notifications"),
    pytest.param("returns:cases", {"status": "lost"}, id="cases"),
]


def viewset_of(basename: str):
    return next(viewset for _, viewset, name in router.registry if name == basename)


@pytest.mark.parametrize(("page", "basename", "bad"), PAGES_AND_LISTS)
def test_list_page_filters_with_the_filterset_of_its_api_list(client, manager, page, basename, bad):
    client.force_login(manager)

    response = client.get(reverse(page))

    assert response.status_code == 200
    assert type(response.context["filterset"]) is viewset_of(basename).filterset_class


@pytest.mark.parametrize(("page", "basename", "bad"), PAGES_AND_LISTS)
def test_bad_filter_value_is_a_message_on_the_page_and_a_400_on_the_api(client, manager, page, basename, bad):
    client.force_login(manager)
    (field, value), = bad.items()

    on_page = client.get(reverse(page), bad)
    on_api = api_client_for(manager).get(reverse(f"{basename}-list"), bad)

    assert on_page.status_code == 200
    assert "Some filters were not understood and were ignored" in on_page.content.decode()
    assert field in on_page.context["filterset"].errors
    assert on_api.status_code == 400
    assert field in on_api.json()


@pytest.mark.parametrize(("page", "bad"), PAGES_ONLY)
def test_pages_without_an_api_list_say_which_filter_value_they_ignored(client, manager, page, bad):
    client.force_login(manager)
    (field, value), = bad.items()

    response = client.get(reverse(page), bad)

    assert response.status_code == 200
    assert "Some filters were not understood and were ignored" in response.content.decode()
    assert field in response.context["filterset"].errors


def test_open_means_ready_picking_or_sorting_on_the_pick_list_page_and_the_api(client, manager):
    # Given an open pick list and a cancelled one
    warehouse = WarehouseFactory()
    packing_location(warehouse)
    product = ProductFactory()
    orders = [allocated_order(warehouse, [(product, LocationFactory(warehouse=warehouse), 1)]) for _ in range(2)]
    lists = [pick_list_release_single(order=order, user=manager) for order in orders]
    pick_list_cancel(pick_list=lists[1], user=manager)
    client.force_login(manager)

    # When the page is opened without a status, and the page and the API are asked for "open" and "cancelled"
    default = client.get(reverse("shipping:pick_lists"))
    page_open = client.get(reverse("shipping:pick_lists"), {"status": "open"})
    api_open = api_client_for(manager).get(reverse("pick-list-list"), {"status": "open"})
    api_cancelled = api_client_for(manager).get(reverse("pick-list-list"), {"status": PickListStatus.CANCELLED})

    # Then both list the open one for "open" (the page's first tab), the cancelled one for "cancelled"
    assert [pl.pk for pl in default.context["pick_lists"]] == [lists[0].pk]
    assert [pl.pk for pl in page_open.context["pick_lists"]] == [lists[0].pk]
    assert [row["id"] for row in api_open.json()["results"]] == [lists[0].pk]
    assert [row["id"] for row in api_cancelled.json()["results"]] == [lists[1].pk]
    assert PickList.objects.get(pk=lists[1].pk).status == PickListStatus.CANCELLED


def test_holds_page_state_and_the_apis_open_filter_pick_the_same_holds(client, manager):
    open_hold, released = HoldFactory(), HoldFactory(released_at=timezone.now(), released_by=manager)
    client.force_login(manager)
    api = api_client_for(manager)

    page_released = client.get(reverse("holds:list"), {"state": "released"})
    api_released = api.get(reverse("hold-list"), {"state": "released"})
    api_closed = api.get(reverse("hold-list"), {"open": "false"})
    page_default = client.get(reverse("holds:list"))

    assert [h.pk for h in page_released.context["page"]] == [released.pk]
    assert [h["id"] for h in api_released.json()["results"]] == [released.pk]
    assert [h["id"] for h in api_closed.json()["results"]] == [released.pk]
    assert [h.pk for h in page_default.context["page"]] == [open_hold.pk]


def test_client_filter_offers_a_client_user_only_its_own_client(client, client_a, client_b):
    client.force_login(make_user(Role.CLIENT, client=client_a))

    response = client.get(reverse("inventory:inbound_list"))

    offered = list(response.context["filterset"].form.fields["client"].queryset)
    assert offered == [client_a]


def test_a_yes_no_filter_offers_any_yes_and_no_on_the_page_and_filters_the_api(client, manager):
    active, inactive = RuleFactory(is_active=True), RuleFactory(is_active=False)
    client.force_login(manager)

    html = client.get(reverse("rules:list")).content.decode()

    assert "Unknown" not in html  # Django's own label for "not filtered", which reads as a value
    assert '<option value="" selected>Any</option>' in html
    api = api_client_for(manager)
    assert [r["id"] for r in api.get("/api/v1/rules/", {"is_active": "false"}).json()["results"]] == [inactive.pk]
    assert {r["id"] for r in api.get("/api/v1/rules/", {"is_active": ""}).json()["results"]} == {active.pk,
                                                                                                 inactive.pk}
