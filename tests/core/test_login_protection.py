"""Failed logins lock a username from an address on all three login points; API throttles; API tokens expire.

The login pages and the token endpoint share one count (django-axes), so switching between them does not
give an attacker more guesses.
"""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.choices import Role
from core.throttles import AnonRateThrottle, UserRateThrottle
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def staff_user(db):
    # A manager with the Django admin, so that /admin/login/ lets the right password in.
    user = make_user(Role.MANAGER)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def login_page(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def admin_login(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password,
                                                      "next": "/admin/"})


def token_login(client: Client, username: str, password: str):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password},
                       content_type="application/json")


def logged_in(point, response) -> bool:
    if point is token_login:
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


LOGIN_POINTS = pytest.mark.parametrize("point", [login_page, admin_login, token_login],
                                       ids=["login page", "admin login", "API token"])


@LOGIN_POINTS
def test_the_right_password_works_before_the_limit(client, staff_user, point):
    for _ in range(LIMIT - 1):
        assert not logged_in(point, point(client, staff_user.username, "wrong"))

    assert logged_in(point, point(client, staff_user.username, PASSWORD))


@LOGIN_POINTS
def test_after_the_limit_even_the_right_password_is_refused_with_a_clear_429(client, staff_user, point):
    for _ in range(LIMIT):
        point(client, staff_user.username, "wrong")

    response = point(client, staff_user.username, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    if point is token_login:
        assert "Too many failed logins" in response.json()["detail"]
    else:
        assert b"Too many failed logins" in response.content
        assert not response.wsgi_request.user.is_authenticated


def test_failures_on_different_login_points_add_up(client, staff_user):
    for point in (login_page, admin_login, token_login, login_page, admin_login)[:LIMIT]:
        point(client, staff_user.username, "wrong")

    assert token_login(client, staff_user.username, PASSWORD).status_code == 429


def test_another_address_is_not_locked_out(client, staff_user):
    for _ in range(LIMIT):
        login_page(client, staff_user.username, "wrong")

    elsewhere = Client(REMOTE_ADDR="10.9.8.7")

    assert logged_in(login_page, login_page(elsewhere, staff_user.username, PASSWORD))


@LOGIN_POINTS
def test_the_lock_ends_after_the_cool_off(client, staff_user, point):
    for _ in range(LIMIT):
        point(client, staff_user.username, "wrong")
    assert point(client, staff_user.username, PASSWORD).status_code == 429

    # The cool-off passes.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME
                                 - datetime.timedelta(seconds=1))

    assert logged_in(point, point(client, staff_user.username, PASSWORD))


def test_a_manager_unlocks_a_user_in_the_admin(client, staff_user):
    packer = make_user(Role.PACKER)
    for _ in range(LIMIT):
        login_page(client, packer.username, "wrong")
    assert login_page(client, packer.username, PASSWORD).status_code == 429
    manager_browser = Client()
    manager_browser.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")
    attempt = AccessAttempt.objects.get(username=packer.username)

    listed = manager_browser.get("/admin/axes/accessattempt/")
    deleted = manager_browser.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert packer.username.encode() in listed.content
    assert deleted.status_code == 302
    assert logged_in(login_page, login_page(client, packer.username, PASSWORD))


def test_a_successful_login_clears_earlier_failures(client, staff_user):
    for _ in range(LIMIT - 1):
        login_page(client, staff_user.username, "wrong")
    assert logged_in(login_page, login_page(client, staff_user.username, PASSWORD))
    client.logout()

    for _ in range(LIMIT - 1):
        login_page(client, staff_user.username, "wrong")

    assert logged_in(login_page, login_page(client, staff_user.username, PASSWORD))


# --- throttles ----------------------------------------------------------------------------------------------

@pytest.fixture
def low_rates(monkeypatch):
    cache.clear()
    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": "3/minute", "user": "3/minute"})
    yield
    cache.clear()


def test_anonymous_requests_are_throttled(low_rates, client, staff_user):
    answers = [token_login(client, f"nobody{n}", "wrong").status_code for n in range(4)]

    assert answers == [400, 400, 400, 429]


def test_each_user_is_throttled_on_its_own(low_rates, api_for, staff_user):
    busy, other = api_for(staff_user), api_for(make_user(Role.MANAGER))

    answers = [busy.get("/api/v1/warehouses/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert other.get("/api/v1/warehouses/").status_code == 200


def test_a_cache_outage_lets_requests_through(low_rates, monkeypatch, api_for, staff_user):
    def cache_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(UserRateThrottle, "cache", type("DownCache", (), {"get": cache_down, "set": cache_down})())
    api = api_for(staff_user)

    assert [api.get("/api/v1/warehouses/").status_code for _ in range(4)] == [200] * 4


# --- API tokens ------------------------------------------------------------------------------------------------

def test_token_endpoint_returns_a_token_and_when_it_expires(client, staff_user):
    before = timezone.now()

    body = token_login(client, staff_user.username, PASSWORD).json()

    assert body["token"] == Token.objects.get(user=staff_user).key
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    lifetime = datetime.timedelta(hours=settings.DOCKHAND_API_TOKEN_HOURS)
    assert before + lifetime <= expires_at <= timezone.now() + lifetime


def test_an_expired_token_is_refused_and_a_new_login_gives_a_new_one(staff_user):
    api = APIClient()
    old = Token.objects.create(user=staff_user)
    Token.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(hours=settings.DOCKHAND_API_TOKEN_HOURS, seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")

    refused = api.get("/api/v1/warehouses/")
    # The client still sends the expired token while it logs in again.
    renewed = api.post("/api/v1/auth/token/", {"username": staff_user.username, "password": PASSWORD},
                       format="json")

    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]
    assert renewed.status_code == 200
    assert renewed.json()["token"] != old.key
    api.credentials(HTTP_AUTHORIZATION=f"Token {renewed.json()['token']}")
    assert api.get("/api/v1/warehouses/").status_code == 200


def test_a_token_just_inside_its_lifetime_works(staff_user):
    api = APIClient()
    token = Token.objects.create(user=staff_user)
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - datetime.timedelta(hours=settings.DOCKHAND_API_TOKEN_HOURS, seconds=-60))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api.get("/api/v1/warehouses/").status_code == 200


def test_delete_revokes_the_token(api_for, staff_user):
    api = api_for(staff_user)

    revoked = api.delete("/api/v1/auth/token/")
    after = api.get("/api/v1/warehouses/")

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert not Token.objects.filter(user=staff_user).exists()


def test_revoking_needs_a_login():
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401


def test_a_deactivated_users_token_stops_working(api_for, staff_user):
    api = api_for(staff_user)
    get_user_model().objects.filter(pk=staff_user.pk).update(is_active=False)

    assert api.get("/api/v1/warehouses/").status_code == 401
