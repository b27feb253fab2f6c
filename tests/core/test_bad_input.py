"""Inputs that used to be a 500 are a 4xx, with nothing stored half-done.

A NUL or a lone surrogate in a webhook's order id, JSON nested 50,000 deep on a webhook, on an API POST and
anonymously on the token endpoint.
"""

from __future__ import annotations

import pytest

from core.json_input import JSONInputError, json_loads_checked
from inventory.models import Product
from orders.choices import DeliveryState
from orders.models import Order, WebhookDelivery
from tests.orders.intake_helpers import post_shopify, post_woo, shopify_channel, woo_channel

pytestmark = pytest.mark.django_db

DEEP = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


@pytest.fixture
def channel():
    return shopify_channel()


@pytest.mark.parametrize(("escaped", "reason"), [
    (r"\u0000", "NUL"),
    (r"\ud800", "lone UTF-16 surrogate"),
    (r"\udfff tail", "lone UTF-16 surrogate"),
])
def test_webhook_order_id_with_nul_or_lone_surrogate_is_400_and_kept_as_rejected(client, channel, escaped, reason):
    body = b'{"id": "1001' + escaped.encode() + b'", "line_items": []}'

    response = post_shopify(client, channel, body)

    assert response.status_code == 400
    assert reason in response.json()["detail"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.REJECTED
    assert reason in delivery.last_error
    assert delivery.external_id == ""
    assert delivery.body == body.decode()  # stored as it came, for a person to read
    assert not Order.objects.exists()


def test_webhook_with_a_nul_in_a_name_is_stored_for_the_payload_mapping_to_judge(client, channel):
    # Only what the view itself stores (the order id) is checked here; names and addresses are the pipeline's.
    body = b'{"id": 1001, "shipping_address": {"name": "Ann\\u0000Lee"}, "line_items": []}'

    response = post_shopify(client, channel, body)

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().external_id == "1001"


def test_webhook_raw_nul_byte_is_400_and_stores_nothing(client, channel):
    response = post_shopify(client, channel, b'{"id": "1001\x00", "line_items": []}')

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_webhook_nested_50000_deep_is_400_and_kept_as_rejected(client, channel, body):
    response = post_shopify(client, channel, body)

    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]
    assert WebhookDelivery.objects.get().state == DeliveryState.REJECTED
    assert not Order.objects.exists()


def test_woocommerce_webhook_nested_deep_is_400(client):
    response = post_woo(client, woo_channel(), DEEP)

    assert response.status_code == 400
    assert WebhookDelivery.objects.get().state == DeliveryState.REJECTED


def test_webhook_nesting_just_under_the_limit_is_still_read(client, channel, settings):
    settings.DOCKHAND_JSON_MAX_DEPTH = 10
    nested = b'{"id": 7, "note_attributes": ' + b"[" * 8 + b"]" * 8 + b"}"

    response = post_shopify(client, channel, nested)

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().external_id == "7"


def test_api_post_nested_50000_deep_is_400(manager_api):
    response = manager_api.post("/api/v1/products/", DEEP, content_type="application/json")

    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("text", [r"\u0000", r"\ud800"], ids=["NUL", "lone surrogate"])
def test_api_post_with_nul_or_lone_surrogate_is_400(manager_api, client_a, text):
    body = '{"client": ' + str(client_a.pk) + ', "sku": "SKU-1", "name": "Mug ' + text + '"}'

    response = manager_api.post("/api/v1/products/", body, content_type="application/json")

    assert response.status_code == 400
    assert not Product.objects.exists()


def test_token_endpoint_nested_50000_deep_anonymously_is_400(client):
    response = client.post("/api/v1/auth/token/", DEEP_OBJECT, content_type="application/json")

    assert response.status_code == 400


def test_checked_loads_refuses_nan_like_drf_did():
    with pytest.raises(ValueError, match="not JSON compliant"):
        json_loads_checked('{"price": NaN}')


def test_checked_loads_counts_depth_of_arrays_and_objects():
    assert json_loads_checked("[[[]]]", max_depth=3) == [[[]]]
    with pytest.raises(JSONInputError):
        json_loads_checked("[[[[]]]]", max_depth=3)
    with pytest.raises(JSONInputError):
        json_loads_checked('{"a": {"b": {"c": {}}}}', max_depth=3)


def test_checked_loads_refuses_nul_in_a_key():
    with pytest.raises(JSONInputError, match="NUL"):
        json_loads_checked('{"a\\u0000": 1}')


def test_a_valid_surrogate_pair_is_fine():
    assert json_loads_checked('{"gift": "\\ud83c\\udf81"}') == {"gift": "🎁"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32-le"])
def test_checked_loads_finds_escaped_nul_in_utf16_and_utf32_bodies(encoding):
    with pytest.raises(JSONInputError, match="NUL"):
        json_loads_checked('{"id": "1\\u0000"}'.encode(encoding))


def test_checked_loads_finds_a_raw_lone_surrogate_in_text():
    with pytest.raises(JSONInputError, match="surrogate"):
        json_loads_checked('{"id": "1\ud800"}')


def test_checked_loads_passes_a_scalar_and_escaped_ordinary_text():
    assert json_loads_checked('"caf\\u00e9"') == "café"
    assert json_loads_checked("7") == 7
