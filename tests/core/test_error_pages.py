"""Error pages in the site's layout, with the way back: 400, 403, 404 and 500 (DEBUG is off in tests)."""

import logging.config

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.log import DEFAULT_LOGGING

from core.choices import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NAV = 'class="mainnav"'


@pytest.fixture
def picker_client(client):
    client.force_login(make_user(Role.PICKER))
    return client


def test_403_is_the_sites_page_with_the_navigation_and_the_reason(picker_client):
    response = picker_client.get(reverse("returns:create"))

    assert response.status_code == 403
    page = response.content.decode()
    assert NAV in page
    assert "You cannot open this page" in page
    assert "Your role does not give access to this page." in page
    assert f'href="{reverse("home")}"' in page


def test_404_is_the_sites_page_with_the_navigation(picker_client):
    response = picker_client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert NAV in page
    assert "Nothing here" in page


def test_400_is_the_sites_page_with_the_navigation(picker_client, settings):
    settings.ROOT_URLCONF = "tests.core.error_urls"

    response = picker_client.get("/test-errors/bad/")

    assert response.status_code == 400
    page = response.content.decode()
    assert NAV in page
    assert "The request could not be read" in page


def test_500_is_the_sites_layout_and_needs_no_database(settings, django_assert_num_queries):
    settings.ROOT_URLCONF = "tests.core.error_urls"
    client = Client(raise_request_exception=False)

    # An anonymous request: the page itself must not read the database (it may be what failed)
    with django_assert_num_queries(0):
        response = client.get("/test-errors/crash/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'class="topbar' in page
    assert f'href="{reverse("home")}"' in page


def test_a_403_is_one_log_line_without_a_traceback(picker_client, settings, capsys):
    # Given the logging of a development server (DEBUG on, Django's default configuration under ours)
    settings.DEBUG = True
    logging.config.dictConfig(DEFAULT_LOGGING)
    logging.config.dictConfig(settings.LOGGING)
    try:
        # When a picker opens a manager's page
        picker_client.get(reverse("returns:create"))
        err = capsys.readouterr().err
    finally:
        logging.config.dictConfig(settings.LOGGING)

    # Then the server log says so once, and shows no traceback
    assert err.count("Forbidden (Permission denied)") == 1
    assert "Traceback" not in err
