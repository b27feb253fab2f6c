import io
import logging
import socket

import pytest
from pypdf import PdfReader

from core.pdf import PDF_BASE_URL, RefusedURL, render_pdf, static_file_for_url, static_only_url_fetcher
from shipping.pdf import pick_list_pdf_store, pick_lists_for_print, pick_lists_html, wave_pdf_store
from shipping.picking.release import pick_list_release_batch, pick_list_release_single, wave_release
from tests.factories import ClientFactory, ProductFactory
from tests.shipping.factories import allocated_order, make_floor

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything opens a socket or reads outside the static files."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_pick_list_pdf_lists_locations_and_skus_in_walking_order(settings, tmp_path, no_network, caplog):
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level(logging.WARNING, logger="weasyprint")
    floor = make_floor()
    merchant = ClientFactory()
    products = [ProductFactory(client=merchant, sku=f"PDF-SKU-{n}") for n in range(3)]
    order = allocated_order(floor["PACK-01"].warehouse, [
        (products[0], floor["A-03-01-A"], 1), (products[1], floor["A-01-04-A"], 2), (products[2], floor["A-02-02-A"], 1),
    ], ship_name="<img src='file:///etc/passwd'> Robert'); DROP")
    pick_list = pick_list_release_single(order=order)

    stored = pick_list_pdf_store(pick_list=pick_list)

    assert stored.pdf.name.endswith(f"{pick_list.number}.pdf")
    data = stored.pdf.read()
    assert data.startswith(b"%PDF")
    text = "\n".join(_text(data))
    positions = [text.index(code) for code in ["A-01-04-A", "A-02-02-A", "A-03-01-A"]]
    assert positions == sorted(positions)
    sku_positions = [text.index(sku) for sku in ["PDF-SKU-1", "PDF-SKU-2", "PDF-SKU-0"]]
    assert sku_positions == sorted(sku_positions)
    assert pick_list.number in text
    assert f"Order {order.order_number}" in text
    assert "Page 1 of 1" in text
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]  # a quiet worker log


def test_wave_prints_as_one_pdf_with_every_list_numbering_its_own_pages(settings, tmp_path, no_network):
    settings.MEDIA_ROOT = tmp_path
    floor = make_floor()
    product = ProductFactory(sku="WAVE-SKU")
    warehouse = floor["PACK-01"].warehouse
    for n in range(1, 4):
        allocated_order(warehouse, [(product, floor[f"A-01-0{n}-A"], 1)])
    wave = wave_release(warehouse=warehouse, cart_size=2)
    numbers = list(wave.pick_lists.order_by("pk").values_list("number", flat=True))

    stored = wave_pdf_store(wave=wave)

    pages = _text(stored.pdf.read())
    assert len(numbers) == 2
    assert len(pages) == 2
    for number, page in zip(numbers, pages, strict=True):
        assert number in page
        assert "Page 1 of 1" in page


def test_batch_print_shows_totes_per_stop():
    floor = make_floor()
    product = ProductFactory(sku="TOTE-SKU")
    warehouse = floor["PACK-01"].warehouse
    orders = [allocated_order(warehouse, [(product, floor["A-01-01-A"], n)]) for n in (1, 2)]
    pick_list = pick_list_release_batch(warehouse=warehouse, orders=orders)

    html = pick_lists_html(pick_lists_for_print([pick_list.pk]), paper="a4", for_pdf=True)

    assert "T1</span>" in html.replace("\n", "")
    assert "T2 ×2" in html
    assert "size: A4" in html


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://example.com/static/css/pick-list.css",
    "http://localhost:8000/static/css/pick-list.css",
    f"{PDF_BASE_URL}static/../config/settings/base.py",
    f"{PDF_BASE_URL}static/%2e%2e/%2e%2e/etc/passwd",
    f"{PDF_BASE_URL}static//etc/passwd",
    f"{PDF_BASE_URL}media/pick-lists/secret.pdf",
    f"{PDF_BASE_URL}static/css/does-not-exist.css",
    "data:text/css,body{background:url(http://169.254.169.254/)}",
])
def test_pdf_url_fetcher_refuses_everything_but_static_files(url, no_network):
    fetcher = static_only_url_fetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_pdf_url_fetcher_serves_the_apps_static_files():
    response = static_only_url_fetcher().fetch(f"{PDF_BASE_URL}static/css/pick-list.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    assert static_file_for_url(f"{PDF_BASE_URL}static/css/dockhand.css").name == "dockhand.css"


def test_injected_html_cannot_make_the_renderer_fetch_anything(no_network, tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    opened = []
    real_open = open

    def watch_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", watch_open)
    html = f"""<html><head><link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">
      <link rel="stylesheet" href="file://{secret}"></head>
      <body><p>Ship to</p><img src="file://{secret}"><img src="https://attacker.example/x.png">
      <iframe src="file:///etc/passwd"></iframe><object data="file://{secret}"></object></body></html>"""

    data = render_pdf(html)

    assert data.startswith(b"%PDF")
    assert "TOP-SECRET" not in "".join(_text(data))
    assert str(secret) not in opened
