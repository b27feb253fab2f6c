import pytest
from django.test import RequestFactory

from core.choices import Role
from core.context_processors import navigation
from tests.factories import UserFactory, make_user

MANAGER_NAV = [
    ("Orders", ["All orders", "Backorders", "Holds", "Rules", "Channels", "SKU mappings", "CSV import", "Failed deliveries"]),
    ("Shipping", ["Pick lists", "Pack station", "Manifests", "Tracking", "Customer emails"]),
    ("Stock", ["Stock levels", "Inbound (ASNs)", "Cycle counts", "Transfers"]),
    ("Returns", ["All returns", "Open a return", "Returns desk", "Survey cases"]),
    ("Billing", ["Invoices", "Month so far", "Price lists", "Value-added work", "Unbilled work"]),
    ("Reports", ["Dashboard", "Turnover", "Rebalancing", "Returns analytics", "Mis-picks", "Work backlog"]),
    ("Admin", ["Box types", "Rate cards", "EasyPost accounts", "Printers", "API docs", "Site admin"]),
]


def _nav(user, path: str = "/"):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)["nav_items"]


def _outline(items) -> list:
    """Sections as (label, [link labels]); direct links as their label."""
    return [(item.label, [link.label for link in item.links]) if item.is_section else item.label for item in items]


def _links(items) -> list:
    return [link for item in items for link in (item.links if item.is_section else [item])]


def _current(items) -> tuple[list[str], list[str]]:
    sections = [item.label for item in items if item.is_section and item.current]
    return sections, [link.label for link in _links(items) if link.current]


@pytest.mark.django_db
def test_staff_manager_gets_seven_sections_in_the_order_of_the_fulfilment_cycle():
    manager = UserFactory(role=Role.MANAGER, is_staff=True)

    assert _outline(_nav(manager)) == MANAGER_NAV


@pytest.mark.django_db
def test_manager_without_admin_access_gets_no_site_admin_link():
    manager = make_user(Role.MANAGER)

    admin = dict(_outline(_nav(manager)))["Admin"]

    assert admin == ["Box types", "Rate cards", "EasyPost accounts", "Printers", "API docs"]


@pytest.mark.django_db
def test_client_user_gets_their_sections_and_a_lone_page_as_a_direct_link():
    client_user = make_user(Role.CLIENT)

    assert _outline(_nav(client_user)) == [
        ("Orders", ["All orders", "Backorders", "Holds", "Channels", "SKU mappings", "CSV import"]),
        ("Shipping", ["Tracking", "Customer emails"]),
        ("Stock", ["Stock levels", "Inbound (ASNs)"]),
        ("Returns", ["All returns", "Open a return", "Survey cases"]),
        ("Billing", ["Invoices", "Month so far", "Price lists"]),
        ("Reports", ["Turnover", "Returns analytics"]),
        "API docs",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "links"), [
    (Role.PICKER, ["Pick lists", "Orders", "Stock", "Returns desk"]),
    (Role.PACKER, ["Pick lists", "Pack station", "Manifests", "Orders", "Stock", "Returns desk"]),
])
def test_floor_staff_get_a_few_direct_links_and_no_sections(role, links):
    user = make_user(role)

    assert _outline(_nav(user)) == links


@pytest.mark.django_db
def test_user_without_a_role_gets_no_navigation():
    assert _nav(UserFactory()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "section", "link"), [
    ("/orders/", "Orders", "All orders"),
    ("/orders/12/", "Orders", "All orders"),
    ("/orders/backorders/", "Orders", "Backorders"),
    ("/orders/rules/3/", "Orders", "Rules"),
    ("/orders/channels/2/", "Orders", "Channels"),
    ("/picking/waves/4/", "Shipping", "Pick lists"),
    ("/packing/7/", "Shipping", "Pack station"),
    ("/packing/manifests/", "Shipping", "Manifests"),
    ("/deliveries/", "Shipping", "Tracking"),
    ("/stock/product/5/", "Stock", "Stock levels"),
    ("/stock/counts/3/", "Stock", "Cycle counts"),
    ("/stock/turnover/", "Reports", "Turnover"),
    ("/returns/7/", "Returns", "All returns"),
    ("/returns/desk/", "Returns", "Returns desk"),
    ("/returns/analytics/", "Reports", "Returns analytics"),
    ("/reports/", "Reports", "Dashboard"),
    ("/reports/rebalance/", "Reports", "Rebalancing"),
    ("/reports/backlog/", "Reports", "Work backlog"),
    ("/admin/auth/user/", "Admin", "Site admin"),
])
def test_the_most_specific_link_and_its_section_are_current(path, section, link):
    manager = UserFactory(role=Role.MANAGER, is_staff=True)

    assert _current(_nav(manager, path)) == ([section], [link])


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/login/", "/api/v1/orders/"])
def test_pages_outside_the_navigation_mark_nothing_current(path):
    manager = make_user(Role.MANAGER)

    assert _current(_nav(manager, path)) == ([], [])


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "link"), [
    ("/picking/4/print/", "Pick lists"),
    ("/packing/12/", "Pack station"),
    ("/stock/inbound/", "Stock"),
    ("/returns/9/receive/", "Returns desk"),
    ("/returns/", "Returns desk"),
])
def test_floor_link_is_current_on_the_pages_behind_it(path, link):
    packer = make_user(Role.PACKER)

    assert _current(_nav(packer, path)) == ([], [link])


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER])
def test_every_link_in_a_roles_navigation_opens_for_that_role(client, role):
    user = UserFactory(role=role, is_staff=role == Role.MANAGER) if role != Role.CLIENT else make_user(role)
    client.force_login(user)

    statuses = {link.label: client.get(link.url).status_code for link in _links(_nav(user))}

    assert statuses == dict.fromkeys(statuses, 200)


@pytest.mark.django_db
def test_page_renders_sections_as_dropdowns_with_the_current_one_marked(client):
    client.force_login(make_user(Role.MANAGER))

    html = client.get("/stock/counts/").content.decode()

    assert '<summary aria-current="true">Stock</summary>' in html
    assert '<a href="/stock/counts/" aria-current="page">Cycle counts</a>' in html
    assert html.count('<details name="mainnav">') == 7
