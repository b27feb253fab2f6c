"""A refused business rule on a page is a message, never a 500 and never a redirect loop."""

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from core.exceptions import DomainError
from core.middleware import DomainErrorMiddleware
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def refused(request):
    raise DomainError("No box holds CO-TP-CARB (660 mm).")


def answer(request):
    request.user = make_user("manager")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    middleware = DomainErrorMiddleware(refused)
    try:
        refused(request)
    except DomainError as exc:
        return middleware.process_exception(request, exc)


def test_a_page_that_cannot_be_shown_says_why_instead_of_redirecting_to_itself():
    response = answer(RequestFactory().get("/packing/shipments/7/"))

    assert response.status_code == 400
    assert "No box holds CO-TP-CARB (660 mm)." in response.content.decode()


def test_a_refused_action_goes_back_to_the_page_it_came_from_with_the_message():
    response = answer(RequestFactory().post("/packing/shipments/7/scan/", HTTP_REFERER="/packing/shipments/7/"))

    assert (response.status_code, response["Location"]) == (302, "/packing/shipments/7/")
