"""An order number Code 128 cannot carry still gets its packing slip, with the exact number printed and a
barcode that the pack station maps back; a carrier's webhook nested 50,000 deep is a 400."""

from __future__ import annotations

import pytest

from core.barcodes import code128_modules, code128_svg, code128_text, code128_text_decode
from shipping.models import Shipment
from shipping.tracking.services import SIGNATURE_HEADER, webhook_signature
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_labels import pdf_text
from tests.shipping.test_packing import packed_shipment
from tests.shipping.tracking_helpers import WEBHOOK_SECRET, tracking_carrier_service

pytestmark = pytest.mark.django_db

EMOJI_NUMBER = "#1001🎁"


@pytest.fixture
def emoji_order(rate_cards):
    order = make_picked_order(order_number=EMOJI_NUMBER)
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150)
    return order


def test_packing_slip_of_an_emoji_order_number_renders_with_the_exact_number(client, packer, emoji_order):
    shipment = packed_shipment(emoji_order)
    client.force_login(packer)

    response = client.get(f"/packing/{shipment.pk}/packing-slip.pdf")

    assert response.status_code == 200
    _, text, _ = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    assert "Order #1001" in text.replace("\x00", "")  # the emoji's font run comes out of pypdf as UTF-16


def test_the_barcode_carries_an_ascii_text_that_maps_back_to_the_exact_number():
    carried = code128_text(EMOJI_NUMBER)

    svg = code128_svg(EMOJI_NUMBER)

    assert carried == "#1001\\U0001f381"
    assert code128_modules(carried)  # Code 128 encodes it
    assert code128_text_decode(carried) == EMOJI_NUMBER
    assert f"<title>{EMOJI_NUMBER}</title>" in svg  # the human-readable value stays exact


@pytest.mark.parametrize("value", ["PL-000123", "Zoë-7", "A\\B", "\\u0041", "订单 42", "x\U0001f600y\\"])
def test_every_value_round_trips_and_plain_ascii_is_unchanged(value):
    carried = code128_text(value)

    assert carried.isascii()
    assert code128_modules(carried)
    if value.isascii() and "\\" not in value:
        assert carried == value
        assert code128_text_decode(carried) is None
    else:
        assert code128_text_decode(carried) == value


@pytest.mark.parametrize("scan", ["C:\\temp", "\\u12", "\\ud800", "plain"])
def test_a_scan_that_is_no_escaped_value_decodes_to_nothing(scan):
    assert code128_text_decode(scan) is None


def test_scanning_the_slip_barcode_at_the_pack_station_finds_the_order(client, packer, emoji_order):
    client.force_login(packer)

    response = client.post("/packing/", {"code": code128_text(EMOJI_NUMBER), "station": "P1"})

    shipment = Shipment.objects.get(order=emoji_order)
    assert response.status_code == 302
    assert response.url == f"/packing/{shipment.pk}/"


def test_tracking_webhook_nested_50000_deep_is_400(client):
    tracking_carrier_service("UPS")
    body = b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"

    response = client.post("/webhooks/tracking/UPS/", data=body, content_type="application/json",
                           headers={SIGNATURE_HEADER: webhook_signature(body, WEBHOOK_SECRET)})

    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]
