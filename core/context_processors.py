"""The main navigation: sections with dropdowns for managers and client users, direct links for the floor.

Managers have too many pages for one row of links, so theirs are grouped in the order of the fulfilment cycle
(orders in, the floor ships them, stock, returns, then the read-only reports and the set-up pages). Pickers and
packers get a handful of direct links to the pages they work in, with big tap targets. A page is "current" in the
link whose URL is the longest prefix of the request path, and its section is current with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.access import user_access
from core.choices import Role

M, C, PI, PA = Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    roles: frozenset[str]
    # Further URL names whose paths count as this link's pages when marking the current one.
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False
    is_section = False


@dataclass(frozen=True)
class NavSection:
    label: str
    links: tuple[NavLink, ...]
    current: bool = False
    is_section = True


def _link(label: str, url_name: str, *roles: str, also: tuple[str, ...] = ()) -> Link:
    return Link(label, url_name, frozenset(roles), also)


# Managers and client users: (section, links). A section left with one link for a user becomes that direct link.
SECTIONS: list[tuple[str, list[Link]]] = [
    (_("Orders"), [
        _link(_("All orders"), "orders:list", M, C),
        _link(_("Backorders"), "orders:backorders", M, C),
        _link(_("Holds"), "holds:list", M, C),
        _link(_("Rules"), "rules:list", M),
        _link(_("Channels"), "intake:channels", M, C),
        _link(_("SKU mappings"), "sku_mappings:list", M, C),
        _link(_("CSV import"), "intake:csv_upload", M, C),
        _link(_("Failed deliveries"), "intake:failed_deliveries", M),
    ]),
    (_("Shipping"), [
        _link(_("Pick lists"), "shipping:pick_lists", M),
        _link(_("Pack station"), "packing:station", M),
        _link(_("Manifests"), "packing:manifests", M),
        _link(_("Tracking"), "tracking:deliveries", M, C),
        _link(_("Customer emails"), "packing:notifications", M, C),
    ]),
    (_("Stock"), [
        _link(_("Stock levels"), "inventory:stock", M, C),
        _link(_("Inbound (ASNs)"), "inventory:inbound_list", M, C),
        _link(_("Cycle counts"), "inventory:count_list", M),
        _link(_("Transfers"), "inventory:transfer_list", M),
    ]),
    (_("Returns"), [
        _link(_("All returns"), "returns:list", M, C),
        _link(_("Open a return"), "returns:create", M, C),
        _link(_("Returns desk"), "returns:desk", M),
        _link(_("Survey cases"), "returns:cases", M, C),
    ]),
    (_("Billing"), [
        _link(_("Invoices"), "billing:invoices", M, C),
        _link(_("Month so far"), "billing:estimate", M, C),
        _link(_("Price lists"), "billing:price_lists", M, C),
        _link(_("Value-added work"), "billing:vas", M),
        _link(_("Unbilled work"), "billing:unbilled", M),
    ]),
    (_("Reports"), [
        _link(_("Dashboard"), "reports:dashboard", M),
        _link(_("Turnover"), "inventory:turnover", M, C),
        _link(_("Rebalancing"), "reports:rebalance", M),
        _link(_("Returns analytics"), "returns:analytics", M, C),
        _link(_("Mis-picks"), "packing:mispicks", M),
        _link(_("Work backlog"), "reports:backlog", M),
    ]),
    (_("Admin"), [
        _link(_("Box types"), "packing:boxes", M),
        _link(_("Rate cards"), "packing:rate_cards", M),
        _link(_("EasyPost accounts"), "packing:gateway_accounts", M),
        _link(_("Printers"), "packing:printers", M),
        _link(_("API docs"), "api-docs", M, C),
        _link(_("Site admin"), "admin:index", M),
    ]),
]

# Pickers and packers: what they work in, as direct links. The rest of their pages are one click further on
# (stock control from the Stock page's tabs, all returns from the returns desk).
FLOOR_LINKS: list[Link] = [
    _link(_("Pick lists"), "shipping:pick_lists", PI, PA),
    _link(_("Pack station"), "packing:station", PA),
    _link(_("Manifests"), "packing:manifests", PA),
    _link(_("Orders"), "orders:list", PI, PA),
    _link(_("Stock"), "inventory:stock", PI, PA),
    _link(_("Returns desk"), "returns:desk", PI, PA, also=("returns:list",)),
]


def _path(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _visible(link: Link, roles: frozenset[str], user) -> bool:
    if not roles & link.roles or _path(link.url_name) is None:
        return False
    return link.url_name != "admin:index" or user.is_staff


def _match_length(link: Link, path: str) -> int:
    """Return how long a prefix of the path this link's URLs are (0: none); "/" matches only itself."""
    lengths = [0]
    for url in filter(None, map(_path, (link.url_name, *link.also))):
        if path == url or (url != "/" and path.startswith(url)):
            lengths.append(len(url))
    return max(lengths)


def navigation(request):
    access = user_access(request.user)
    user, path = request.user, request.path
    if access.roles & {M, C}:
        groups = [(label, [link for link in links if _visible(link, access.roles, user)]) for label, links in SECTIONS]
    else:
        groups = [("", [link for link in FLOOR_LINKS if _visible(link, access.roles, user)])]
    matches = {link: _match_length(link, path) for _, links in groups for link in links}
    best = max(matches.values(), default=0)

    items: list[NavLink | NavSection] = []
    for label, links in groups:
        nav_links = [NavLink(link.label, _path(link.url_name), current=best > 0 and matches[link] == best)
                     for link in links]
        if not label or len(nav_links) == 1:
            items.extend(nav_links)
        elif nav_links:
            items.append(NavSection(label, tuple(nav_links), current=any(n.current for n in nav_links)))
    return {"nav_items": items, "access": access}
