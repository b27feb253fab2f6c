"""Every page links the favicon, and the site serves it itself (WhiteNoise, no CDN) as an image."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.world import build_world, page_names, world_path

pytestmark = pytest.mark.django_db

ICON = re.compile(r'<link\b[^>]*\brel="(?:shortcut )?icon"[^>]*>', re.IGNORECASE)
HREF = re.compile(r'\bhref="([^"]+)"')


def _icon_href(body: str) -> str | None:
    link = ICON.search(body)
    return HREF.search(link.group(0)).group(1) if link else None


def _assert_is_an_image(client, href: str) -> None:
    answer = client.get(href)
    assert answer.status_code == 200, href
    assert answer["Content-Type"].startswith("image/"), (href, answer["Content-Type"])
    body = b"".join(answer.streaming_content)
    if answer["Content-Type"].startswith("image/svg+xml"):
        assert ET.fromstring(body).tag == "{http://www.w3.org/2000/svg}svg"
    else:
        assert body.startswith(b"\x89PNG"), href


def test_every_page_of_every_role_links_a_favicon_the_site_serves(client):
    # Given a world with an object behind every page, and each role (the customer signed out)
    world = build_world()
    missing, hrefs, walked = [], set(), {}
    for role in ("customer", "manager", "picker", "client"):
        if role != "customer":
            client.force_login(world.users[role])
        # When every page the role may open is loaded, with the error page and the API docs
        paths = [world_path(world, name) for name, _route in page_names()]
        paths += ["/no-such-page/", reverse("api-redoc"), reverse("api-docs")]
        for path in filter(None, paths):
            page = client.get(path)
            if page.status_code == 404 and path != "/no-such-page/":
                continue
            if page.status_code not in (200, 403, 404) or "text/html" not in page.get("Content-Type", ""):
                continue
            walked[role] = walked.get(role, 0) + 1
            href = _icon_href(page.content.decode())
            if href is None:
                missing.append(f"{role}: {path} ({page.status_code})")
            else:
                hrefs.add(href)
        client.logout()

    # Then each links a favicon that the site answers from its own static files, as an image
    assert not missing, "pages without a favicon link:\n" + "\n".join(missing)
    assert all(count > 5 for count in walked.values()), walked
    assert "/static/img/favicon.svg" in hrefs
    assert all(href.startswith("/static/") for href in hrefs), hrefs  # no CDN
    for href in sorted(hrefs):
        _assert_is_an_image(client, href)


def test_favicon_ico_leads_to_the_same_icon(client):
    answer = client.get("/favicon.ico")

    assert answer.status_code == 301
    assert answer["Location"] == "/static/img/favicon.svg"
    _assert_is_an_image(client, answer["Location"])
