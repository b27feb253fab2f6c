"""The Content-Security-Policy header; the API schema and docs, public or behind a login."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_send_a_policy_that_allows_only_our_own_scripts(client):
    response = client.get("/login/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_have_no_inline_script(client, path):
    html = client.get(path).content.decode()

    assert "<script" in html
    assert not INLINE_SCRIPT.search(html)
    assert not HANDLER_ATTRIBUTE.search(html)
    assert "fonts.googleapis.com" not in html


def test_swagger_start_up_script_is_served_as_javascript(client):
    response = client.get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()


def test_schema_and_docs_are_public_by_default(client):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.fixture
def docs_behind_login(settings):
    settings.DOCKHAND_API_DOCS_REQUIRE_LOGIN = True


def test_behind_login_anonymous_gets_401_for_the_schema(docs_behind_login, client):
    assert client.get("/api/v1/schema/").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_behind_login_a_person_is_sent_to_the_login_page(docs_behind_login, client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url == f"/login/?next={path}"


def test_behind_login_token_and_session_users_get_them(docs_behind_login, client, manager, manager_api):
    client.force_login(manager)

    assert manager_api.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200


def test_no_template_has_inline_script_or_handler_attributes():
    offenders = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for template in directory.rglob("*.html"):
            text = template.read_text()
            if INLINE_SCRIPT.search(text) or HANDLER_ATTRIBUTE.search(text) or "javascript:" in text:
                offenders.append(str(template.relative_to(directory)))

    assert offenders == []
