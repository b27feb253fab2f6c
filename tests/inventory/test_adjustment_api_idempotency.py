"""POST /api/v1/stock/adjustments/ with an Idempotency-Key: a client that retries changes stock once."""

import pytest
from django.urls import reverse

from core.choices import Role
from core.models import IdempotencyKey
from inventory.models import StockLevel, StockMovement
from inventory.services import STOCK_ADJUST_SCOPE
from tests.concurrency import run_together
from tests.conftest import api_client_for, postgres_only
from tests.factories import LocationFactory, ProductFactory, make_user

URL = reverse("stock-adjustment-list")


@pytest.fixture
def bin_a(db):
    return LocationFactory(code="A-01-01-A")


@pytest.fixture
def product(db):
    return ProductFactory(sku="BOOT-9")


def body(product, location, **overrides):
    return {"product": product.pk, "location": location.pk, "quantity": 5, "reason": "Found in receiving",
            **overrides}


def on_hand(product, location) -> int:
    return StockLevel.objects.get(product=product, location=location).on_hand


@pytest.mark.django_db
def test_same_key_and_body_returns_the_same_ledger_row_and_changes_stock_once(manager_api, product, bin_a):
    first = manager_api.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="adj-1")
    again = manager_api.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="adj-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert StockMovement.objects.count() == 1
    assert on_hand(product, bin_a) == 5


@pytest.mark.django_db
def test_same_key_with_another_body_is_409_and_changes_nothing(manager_api, product, bin_a):
    manager_api.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="adj-1")

    response = manager_api.post(URL, body(product, bin_a, quantity=6), format="json", HTTP_IDEMPOTENCY_KEY="adj-1")

    assert response.status_code == 409
    assert "different request body" in response.json()["detail"]
    assert StockMovement.objects.count() == 1
    assert on_hand(product, bin_a) == 5


@pytest.mark.django_db
def test_without_a_key_every_request_is_an_adjustment(manager_api, product, bin_a):
    manager_api.post(URL, body(product, bin_a), format="json")
    manager_api.post(URL, body(product, bin_a), format="json")

    assert StockMovement.objects.count() == 2
    assert on_hand(product, bin_a) == 10


@pytest.mark.django_db
def test_adjustment_keys_belong_to_their_user(manager_api, product, bin_a):
    other = api_client_for(make_user(Role.MANAGER))
    manager_api.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    response = other.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert on_hand(product, bin_a) == 10


@pytest.mark.django_db
def test_a_refused_adjustment_does_not_burn_the_key(manager_api, product, bin_a):
    refused = manager_api.post(URL, body(product, bin_a, quantity=-3), format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = manager_api.post(URL, body(product, bin_a, quantity=3), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert refused.status_code == 400
    assert "quantity" in refused.json()
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good
    assert IdempotencyKey.objects.get().scope == STOCK_ADJUST_SCOPE


@pytest.mark.django_db
def test_a_key_over_255_characters_is_400(manager_api, product, bin_a):
    response = manager_api.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not StockMovement.objects.exists()


@pytest.mark.django_db
def test_the_schema_documents_the_idempotency_key_header(manager_api):
    schema = manager_api.get(reverse("api-schema"), {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/stock/adjustments/"]["post"]["parameters"]

    assert {"name": "Idempotency-Key", "in": "header"}.items() <= parameters[0].items()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_the_same_moment_makes_one_adjustment(product, bin_a):
    manager = make_user(Role.MANAGER)
    clients = [api_client_for(manager) for _ in range(4)]

    def submit(api):
        return lambda: api.post(URL, body(product, bin_a), format="json", HTTP_IDEMPOTENCY_KEY="double")

    responses, errors = run_together([submit(api) for api in clients])

    assert errors == []
    assert [r.status_code for r in responses] == [201] * 4
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true", "true", "true"]
    assert len({r.json()["id"] for r in responses}) == 1
    assert StockMovement.objects.count() == 1
    assert on_hand(product, bin_a) == 5
