"""Schemathesis fuzzes every API operation from our own OpenAPI schema: no input may cause a 5xx.

The schema is generated in-process (no HTTP fetch, no auth needed at collection), so every endpoint that
any app registers is fuzzed automatically. Examples per operation are bounded to keep the suite fast;
raise DOCKHAND_FUZZ_EXAMPLES for a deeper run.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from core.choices import Role
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SalesChannelFactory,
    StockLevelFactory,
    make_user,
)

EXAMPLES = int(os.environ.get("DOCKHAND_FUZZ_EXAMPLES", "6"))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()
# Keep the fuzzing user able to log in: it may not deactivate or rewrite users (including itself).
schema = schema.exclude(path_regex=r"/users/", method=["DELETE", "PUT", "PATCH"])


@pytest.fixture
def keep_test_connection():
    # Django's test Client does the same: the WSGI handler would otherwise close the test's database
    # connection at the end of each request (PostgreSQL then fails the next query).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db, keep_test_connection):
    user = make_user(Role.MANAGER)
    channel = SalesChannelFactory()
    product = ProductFactory(client=channel.client)
    location = LocationFactory()
    StockLevelFactory(product=product, location=location)
    order = OrderFactory(channel=channel)
    OrderLineFactory(order=order, product=product)
    return Token.objects.create(user=user).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_never_answers_5xx(case, fuzz_token):
    response = case.call(headers={"Authorization": f"Token {fuzz_token}"})

    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"{case.as_curl_command()}\n{response.text[:2000]}"
    )
