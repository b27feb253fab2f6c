from django.urls import NoReverseMatch, reverse

from inventory.access import user_access
from inventory.choices import Role

# (label, url name, roles that see it); later issues append their pages here.
NAVIGATION: list[tuple[str, str, frozenset[str]]] = [
    ("Home", "home", frozenset(Role.values)),
    ("Orders", "orders:list", frozenset({Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER})),
    ("Backorders", "orders:backorders", frozenset({Role.MANAGER, Role.CLIENT})),
    ("Holds", "holds:list", frozenset({Role.MANAGER, Role.CLIENT})),
    ("Rules", "rules:list", frozenset({Role.MANAGER})),
    ("Channels", "intake:channels", frozenset({Role.MANAGER, Role.CLIENT})),
    ("CSV import", "intake:csv_upload", frozenset({Role.MANAGER, Role.CLIENT})),
    ("Failed deliveries", "intake:failed_deliveries", frozenset({Role.MANAGER})),
    ("Stock", "inventory:stock", frozenset({Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER})),
    ("Dashboard", "reports:dashboard", frozenset({Role.MANAGER})),
    ("Picking", "shipping:pick_lists", frozenset({Role.MANAGER, Role.PICKER, Role.PACKER})),
    ("Pack", "packing:station", frozenset({Role.MANAGER, Role.PACKER})),
    ("Manifests", "packing:manifests", frozenset({Role.MANAGER, Role.PACKER})),
    ("Mis-picks", "packing:mispicks", frozenset({Role.MANAGER})),
    ("API docs", "api-docs", frozenset({Role.MANAGER, Role.CLIENT})),
    ("Admin", "admin:index", frozenset({Role.MANAGER})),
]


def navigation(request):
    access = user_access(request.user)
    items = []
    for label, url_name, roles in NAVIGATION:
        if not access.roles & roles:
            continue
        if url_name == "admin:index" and not request.user.is_staff:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"
                      or request.path == url})
    # Only the most specific match is current: /orders/backorders/ is Backorders, not Orders as well.
    best = max((len(item["url"]) for item in items if item["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == best
    return {"nav_items": items, "access": access}
