import io

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from pypdf import PdfReader

from shipping.documents import packing_slip_html, packing_slip_pdf
from shipping.labels import label_html, label_pdf, label_zpl, labels_pdf
from shipping.models import PickList, PickListOrder, Wave
from shipping.packing.services import shipment_label
from tests.shipping.helpers import make_picked_order, packing_location
from tests.shipping.packing_factories import BoxTypeFactory, ClientShippingProfileFactory
from tests.shipping.test_packing import packed_shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(rate_cards):
    order = make_picked_order(ship_name="Ava ^XZ Stone", ship_address1="12 Elm St~JA", ship_city="Boise",
                              ship_state="ID", ship_postal_code="83702")
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150)
    return shipment_label(shipment=packed_shipment(order))


def pdf_text(data: bytes) -> tuple[int, str, tuple]:
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    return len(reader.pages), text, tuple(page.mediabox)[2:]


def test_label_pdf_is_4_by_6_inches_with_everything_the_carrier_needs(shipment):
    package = shipment.packages.get()

    pages, text, size = pdf_text(label_pdf(package))

    assert pages == 1
    assert [round(float(v)) for v in size] == [288, 432]  # 4 × 6 in at 72 pt/in
    assert "AVA ^XZ STONE" in text
    assert "BOISE, ID 83702" in text
    assert shipment.warehouse.city in text
    assert shipment.service.name.upper() in text
    assert "PKG 1 OF 1" in text
    assert "WT 2." in text or "WT 1." in text
    spaced = " ".join(package.tracking_number[i:i + 4] for i in range(0, len(package.tracking_number), 4))
    assert spaced in text


def test_label_zpl_has_the_barcode_and_no_injected_commands(shipment):
    package = shipment.packages.get()

    zpl = label_zpl(package)

    assert zpl.startswith("^XA")
    assert zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == 1
    assert zpl.count("^XZ") == 1  # the customer's "^XZ" was neutralised
    assert "~JA" not in zpl
    assert f"^BCN,200,N,N,N^FD{package.tracking_number}^FS" in zpl
    assert "AVA  XZ STONE" in zpl
    assert "^PW812" in zpl
    assert "^LL1218" in zpl


def test_many_labels_print_as_one_pdf_in_the_order_given(shipment, rate_cards):
    other_order = make_picked_order(warehouse=shipment.warehouse)
    other = shipment_label(shipment=packed_shipment(other_order))
    first, second = other.packages.get(), shipment.packages.get()

    pages, text, _ = pdf_text(labels_pdf([first, second]))

    assert pages == 2
    assert text.index(other_order.order_number) < text.index(shipment.order.order_number)


def test_packing_slip_shows_client_logo_lines_and_message(shipment):
    without_logo = packing_slip_pdf(shipment)
    profile = ClientShippingProfileFactory(client=shipment.order.client, packing_slip_message="Thanks, friend!")
    profile.logo.save("logo.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                              b'<rect width="10" height="10"/></svg>'))

    data = packing_slip_pdf(shipment)

    _, text, _ = pdf_text(data)
    assert shipment.order.client.name in text
    assert "Thanks, friend!" in text
    for line in shipment.order.lines.all():
        assert line.sku in text
    # the logo is inlined (documents fetch nothing) and drawn
    assert 'src="data:image/svg+xml;base64,' in packing_slip_html(shipment)
    assert len(data) > len(without_logo)


def test_a_waves_labels_print_carrier_by_carrier(client, packer, shipment, rate_cards):
    wave = Wave.objects.create(number="W-1", warehouse=shipment.warehouse)
    pick_list = PickList.objects.create(number="PL-W1", warehouse=shipment.warehouse, kind="wave", wave=wave,
                                        packing_location=packing_location(shipment.warehouse))
    PickListOrder.objects.create(pick_list=pick_list, order=shipment.order, tote=1, is_open=False)
    client.force_login(packer)

    response = client.get(f"/packing/labels.pdf?wave={wave.pk}")

    assert response.status_code == 200
    pages, text, _ = pdf_text(response.content)
    assert pages == 1
    assert shipment.order.order_number in text
    assert client.get("/packing/labels.pdf?wave=999").status_code == 404


def test_the_label_and_packing_slip_stay_in_english_for_a_packer_who_reads_spanish(shipment):
    # Given a packer whose pages are in Spanish
    with translation.override("es"):
        # When they print the carrier's label and the customer's packing slip
        label, slip = label_html(shipment.packages.get()), packing_slip_html(shipment)

    # Then both are written in the site's language, not the packer's
    assert "SHIP TO" in label
    assert "PKG 1 OF 1" in label
    assert "<strong>Packing slip</strong>" in slip
    assert "<h2>Ship to</h2>" in slip
    assert "Enviar a" not in slip
    assert "Lista de empaque" not in slip
