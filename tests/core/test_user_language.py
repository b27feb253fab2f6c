"""Each user chooses the language of their pages; the floor pages have Spanish."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from core.choices import Role
from core.services import user_language_set
from inventory.control.counting import cycle_count_create
from inventory.control.receiving import inbound_close, inbound_create
from shipping.picking.release import pick_list_release_batch, pick_list_release_single
from shipping.picking.scan import pick_list_start
from tests.conftest import api_client_for
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.inventory.stock_helpers import receive
from tests.returns.factories import make_setup, open_return
from tests.shipping.factories import allocated_order, make_floor, product

pytestmark = pytest.mark.django_db
PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_picker_who_chose_spanish_gets_the_floor_pages_in_spanish(client):
    picker = make_user(Role.PICKER)
    client.force_login(picker)

    response = client.post(reverse("language_set"), {"language": "es", "next": reverse("shipping:pick_lists")})

    assert response.status_code == 302
    assert response["Location"] == reverse("shipping:pick_lists")
    picker.profile.refresh_from_db()
    assert picker.profile.language == "es"
    page = client.get(reverse("shipping:pick_lists"))
    body = page.content.decode()
    assert page["Content-Language"] == "es"
    assert '<html lang="es">' in body
    assert "Escanee el código de una lista de surtido" in body
    assert "Listas de surtido" in body
    assert "Cerrar sesión" in body


def test_other_users_keep_english_and_an_unknown_language_is_refused(client):
    user_language_set(user=make_user(Role.PICKER), language="es")
    packer = make_user(Role.PACKER)
    client.force_login(packer)

    response = client.post(reverse("language_set"), {"language": "xx", "next": "https://evil.example/"}, follow=True)

    assert response.redirect_chain[0][0] == reverse("home")  # never off the site
    assert "That language is not offered." in response.content.decode()
    packer.profile.refresh_from_db()
    assert packer.profile.language == ""
    assert "Log out" in client.get(reverse("shipping:pick_lists")).content.decode()


def test_every_spanish_message_is_translated_and_compiled():
    msgids = re.findall(r'^msgid "(.+)"$', PO.read_text(), flags=re.MULTILINE)
    assert len(msgids) > 150
    with translation.override("es"):
        untranslated = [m for m in msgids if "%(" not in m and translation.gettext(m.replace('\\"', '"')) == m
                        and m not in {"SKU", "PDF", "ZPL", "RMA", "Total"}]
    assert not untranslated, f"run compilemessages, or translate: {untranslated}"


def test_a_spanish_picker_hears_and_reads_the_scanner_in_spanish(client):
    floor = make_floor()
    warehouse = floor["A-01-01-A"].warehouse
    item = product(sku="ES-SKU-1")
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)])
    picker = make_user(Role.PICKER, warehouses=[warehouse])
    user_language_set(user=picker, language="es")
    pick_list = pick_list_start(pick_list=pick_list_release_single(order=order), user=picker)
    client.force_login(picker)
    url = reverse("shipping:scan", args=[pick_list.pk])

    page = client.get(url).content.decode()
    wrong = client.post(url, {"code": "ZZ-99"}, HTTP_HX_REQUEST="true").content.decode()
    located = client.post(url, {"code": "A-01-01-A"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Escanee la etiqueta de la UBICACIÓN" in page
    assert "Parada 1 de 1" in page
    assert "UBICACIÓN EQUIVOCADA" in wrong
    assert "Vaya a A-01-01-A. No se contó nada." in wrong
    assert "Ubicación A-01-01-A correcta. Ahora escanee ES-SKU-1." in located
    assert "Escanee el ARTÍCULO (faltan 2)" in located


def test_a_spanish_receiver_reads_the_returns_desk_refusals_in_spanish(client):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    receiver = make_user(Role.PICKER)
    user_language_set(user=receiver, language="es")
    client.force_login(receiver)
    client.post(reverse("returns:receive_start", kwargs={"pk": rma.pk}))

    refused = client.post(reverse("returns:receive", kwargs={"pk": rma.pk}),
                          {"barcode": "NO-SUCH-1", "quantity": 1, "disposition": "restock",
                           "location": setup.pick.pk}).content.decode()

    assert f"“NO-SUCH-1” no es un producto de {rma.client.name}. Apártelo para un gerente." in refused


def test_a_spanish_sorter_reads_where_each_unit_goes_in_spanish(client):
    floor = make_floor()
    warehouse = floor["A-01-01-A"].warehouse
    item = product(sku="ES-SORT-1")
    orders = [allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]),
              allocated_order(warehouse, [(product(sku="ES-SORT-2"), floor["A-02-01-A"], 1)])]
    picker = make_user(Role.PICKER, warehouses=[warehouse])
    user_language_set(user=picker, language="es")
    pick_list = pick_list_start(pick_list=pick_list_release_batch(warehouse=warehouse, orders=orders), user=picker)
    client.force_login(picker)
    for code in ["A-01-01-A", item.barcode, "A-02-01-A", orders[1].lines.get().product.barcode]:
        client.post(reverse("shipping:scan", args=[pick_list.pk]), {"code": code})
    client.post(reverse("shipping:complete", args=[pick_list.pk]))
    sort = reverse("shipping:sort", args=[pick_list.pk])

    stranger = client.post(sort, {"code": "ZZ-1"}, HTTP_HX_REQUEST="true").content.decode()
    sorted_ = client.post(sort, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()

    assert "NO ESTÁ EN ESTA LISTA" in stranger
    assert "ES-SORT-1 → contenedor" in sorted_
    assert "Pedido completo: listo para empacar." in sorted_



def test_a_spanish_picker_prints_a_cart_pick_list_in_spanish(client):
    # Given a batch of two orders on a cart, released to a picker who chose Spanish
    floor = make_floor()
    warehouse = floor["A-01-01-A"].warehouse
    orders = [allocated_order(warehouse, [(product(sku="ES-PRINT-1"), floor["A-01-01-A"], 1)]),
              allocated_order(warehouse, [(product(sku="ES-PRINT-2"), floor["A-02-01-A"], 2)])]
    pick_list = pick_list_release_batch(warehouse=warehouse, orders=orders)
    picker = make_user(Role.PICKER, warehouses=[warehouse])
    user_language_set(user=picker, language="es")
    client.force_login(picker)

    # When they open the list and its printed walking order
    detail = client.get(reverse("shipping:detail", args=[pick_list.pk])).content.decode()
    printed = client.get(reverse("shipping:print", args=[pick_list.pk])).content.decode()

    # Then both read in Spanish
    assert "Pedidos y contenedores" in detail
    assert f"dejar en {pick_list.packing_location.code}" in detail
    assert '<html lang="es">' in printed
    assert "Contenedores en el carrito" in printed
    assert "Escanee para empezar en el escáner" in printed
    assert "Artículos faltantes: anote la cantidad encontrada junto a la línea y repórtela en el escáner." in printed
    assert "Pasillo A-01 · avance ↑ hacia arriba" in printed  # the walking directions between aisles
    assert "Pasillo A-02 · avance ↓ hacia abajo" in printed

# --- Receiving and counts ---------------------------------------------------------------------------------------

@pytest.fixture
def asn():
    """An ASN of 2 boots and 1 pair of socks for SLC, whose bin A-01-01-A already holds another client's tea."""
    merchant, warehouse = ClientFactory(name="Cascade Outdoor"), WarehouseFactory(code="SLC")
    tea_bin = LocationFactory(warehouse=warehouse, zone="A", code="A-01-01-A", walk_sequence=10)
    LocationFactory(warehouse=warehouse, zone="A", code="A-01-02-A", walk_sequence=20)
    receive(ProductFactory(client=ClientFactory(name="Brightleaf Tea"), sku="TEA-1"), tea_bin, 5)
    ProductFactory(client=merchant, sku="BOOT-1", barcode="0001")
    ProductFactory(client=merchant, sku="SOCK-1", barcode="0002")
    return inbound_create(client=merchant, warehouse=warehouse, reference="PO-77",
                          lines=[{"sku": "BOOT-1", "quantity": 2}, {"sku": "SOCK-1", "quantity": 1}])


def _spanish(role=Role.PICKER, **kwargs):
    user = make_user(role, **kwargs)
    user_language_set(user=user, language="es")
    return user


def _messages(response) -> str:
    """The text of the page's messages (what the scan said), "" without any."""
    body = response.content.decode()
    if 'class="messages"' not in body:
        return ""
    start = body.index('class="messages"')
    return body[start:body.index("</div>", start)]


def test_a_spanish_receiver_scans_an_asn_in_and_reads_the_page_and_each_answer_in_spanish(client, asn):
    # Given a receiver who chose Spanish
    client.force_login(_spanish(warehouses=[asn.warehouse]))
    url = reverse("inventory:inbound_detail", args=[asn.pk])

    # When they open the ASN and scan: an unknown code, boots into the suggested bin, a damaged pair of socks
    page = client.get(url).content.decode()
    unknown = _messages(client.post(url, {"code": "ZZ-404", "quantity": "2"}, follow=True))
    boots = _messages(client.post(url, {"code": "BOOT-1", "quantity": "2"}, follow=True))
    socks = _messages(client.post(url, {"code": "0002", "quantity": "1", "damaged": "on"}, follow=True))

    # Then the page and every answer are in Spanish
    assert "Escanee el SKU o el código de barras" in page
    assert "Ubicación (en blanco: la sugerida)" in page
    assert ">Recibir</button>" in page
    assert ">Esperado</span>" in page
    assert "Código desconocido ZZ-404: se apartan 2 y se informa al cliente." in unknown
    assert "2 unidades de BOOT-1 recibidas en A-01-02-A." in boots
    assert ("1 unidad de SOCK-1 registrada como dañada (no entra al inventario). "
            "Ya llegaron todas las unidades esperadas: cierre el ASN.") in socks
    # and so is the note the first scan left on the ASN's timeline (stored as written, read in Spanish)
    assert "Primera unidad escaneada" in client.get(url).content.decode()


def test_a_spanish_receiver_reads_receiving_refusals_in_spanish(client, asn):
    # Given a Spanish-speaking receiver on the ASN
    client.force_login(_spanish(warehouses=[asn.warehouse]))
    url = reverse("inventory:inbound_detail", args=[asn.pk])

    # When they type a bin that does not exist, a bin of another client's tea, and then receive one boot too many
    no_bin = _messages(client.post(url, {"code": "BOOT-1", "quantity": "1", "location": "Z-99"}, follow=True))
    mixed = client.post(url, {"code": "BOOT-1", "quantity": "1", "location": "A-01-01-A"})
    over = _messages(client.post(url, {"code": "BOOT-1", "quantity": "3"}, follow=True))
    closed = client.post(reverse("inventory:inbound_close", args=[asn.pk]), follow=True)
    after_close = _messages(client.post(url, {"code": "BOOT-1", "quantity": "1"}, follow=True))

    # Then each refusal and the over-receipt say so in Spanish
    assert "No existe la ubicación Z-99 en SLC." in no_bin
    assert mixed.status_code == 400
    assert ("A-01-01-A contiene TEA-1 de otro cliente (Brightleaf Tea), no BOOT-1. Confirme para guardarlo ahí "
            "de todos modos, o elija otra ubicación.") in mixed.content.decode()
    assert "Guardarlo en esta ubicación de todos modos" in mixed.content.decode()
    assert "3 unidades de BOOT-1 recibidas en A-01-02-A." in over
    assert "ASN PO-77 cerrado; las diferencias se informaron al cliente." in _messages(closed)
    assert "<strong>Sobrante (más de lo esperado)</strong>: 1 × BOOT-1" in closed.content.decode()
    assert "<strong>Faltante (menos de lo esperado)</strong>: 1 × SOCK-1" in closed.content.decode()
    assert "El ASN PO-77 está cerrado; ya no admite más recepciones." in after_close


def test_the_client_hears_of_differences_in_english_when_a_spanish_receiver_closes_the_asn(
        client, asn, mailoutbox, django_capture_on_commit_callbacks):
    asn.client.contact_email = "ops@cascade.example"
    asn.client.save()
    receiver = _spanish(warehouses=[asn.warehouse])
    client.force_login(receiver)
    client.post(reverse("inventory:inbound_detail", args=[asn.pk]), {"code": "BOOT-1", "quantity": "3"})

    # When the report goes out at the commit of a Spanish request (Celery eager, as in the demo)
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        inbound_close(shipment=asn, user=receiver)

    assert len(mailoutbox) == 1
    assert "Over (more than expected): 1 × BOOT-1" in mailoutbox[0].body
    assert "Short (fewer than expected): 1 × SOCK-1" in mailoutbox[0].body


def test_the_receiving_api_answers_a_spanish_user_in_spanish_as_the_pages_do(asn):
    # Given the same Spanish-speaking receiver signed in (the scanner page's session) and an English-speaking one
    spanish = APIClient()
    spanish.force_login(_spanish(warehouses=[asn.warehouse]))
    english = api_client_for(make_user(Role.PICKER, warehouses=[asn.warehouse]))
    url = f"/api/v1/inbound/{asn.pk}/receive/"
    tea_bin = asn.warehouse.locations.get(code="A-01-01-A")

    # When each receives a boot, then a boot into the bin of another client's tea
    received = spanish.post(url, {"code": "BOOT-1", "quantity": 1}, format="json")
    refused = spanish.post(url, {"code": "BOOT-1", "quantity": 1, "location": tea_bin.pk}, format="json")
    received_en = english.post(url, {"code": "BOOT-1", "quantity": 1}, format="json")
    refused_en = english.post(url, {"code": "BOOT-1", "quantity": 1, "location": tea_bin.pk}, format="json")

    # Then each reads the answer in their own language, as the returns desk's API answers
    assert received.status_code == 200
    assert received.json()["message"] == "1 unidad de BOOT-1 recibida en A-01-02-A."
    assert received["Content-Language"] == "es"
    assert refused.status_code == 400
    assert refused.json()["location"] == ["A-01-01-A contiene TEA-1 de otro cliente (Brightleaf Tea), no BOOT-1. "
                                          "Confirme para guardarlo ahí de todos modos, o elija otra ubicación."]
    assert received_en.json()["message"] == "1 × BOOT-1 received into A-01-02-A."
    assert refused_en.status_code == 400
    assert refused_en.json()["detail"].startswith("A-01-01-A holds TEA-1 of another client (Brightleaf Tea), not")


@pytest.fixture
def count():
    warehouse = WarehouseFactory(code="SLC")
    bins = [LocationFactory(warehouse=warehouse, code=f"A-0{i}") for i in (1, 2)]
    for i, location in enumerate(bins):
        receive(ProductFactory(sku=f"C-{i}"), location, 20)
    return cycle_count_create(warehouse=warehouse, location_ids=[b.pk for b in bins], approval_threshold=5)


def test_a_spanish_counter_counts_bins_and_reads_the_page_and_each_answer_in_spanish(client, count):
    # Given a counter who chose Spanish
    client.force_login(_spanish(warehouses=[count.warehouse]))
    url = reverse("inventory:count_detail", args=[count.pk])
    first, second = count.lines.order_by("pk")

    # When they open the count, type nothing, finish too early, then count both bins and finish
    page = client.get(url).content.decode()
    empty = _messages(client.post(url, {"line": first.pk, "counted": ""}, follow=True))
    one = _messages(client.post(url, {"line": first.pk, "counted": "1"}, follow=True))
    early = _messages(client.post(reverse("inventory:count_submit", args=[count.pk]), follow=True))
    both = _messages(client.post(url, {"line": second.pk, "counted": "19"}, follow=True))
    done = client.post(reverse("inventory:count_submit", args=[count.pk]), follow=True).content.decode()

    # Then the page and every answer are in Spanish
    assert f"Conteo {count.pk}" in page
    assert "faltan por contar 2 ubicaciones" in page
    assert ">Terminar conteo</button>" in page
    assert "Escriba cuántas unidades contó (0 o más)." in empty
    assert "A-01: 1 unidad de C-0 registrada." in one
    assert "Falta contar 1 ubicación: A-02." in early
    assert "A-02: 19 unidades de C-1 registradas. Todas las ubicaciones están contadas: termine el conteo." in both
    assert f"Conteo {count.pk}: esperando aprobación." in done
    assert "Requiere aprobación" in done  # A-01 is 19 short, over the threshold of 5
    assert "Ajustado" in done  # A-02 is one short: corrected at once


def test_a_spanish_manager_approves_a_count_and_its_refusals_are_spanish(client, count):
    manager = _spanish(Role.MANAGER)
    client.force_login(manager)
    for line in count.lines.all():
        client.post(reverse("inventory:count_detail", args=[count.pk]), {"line": line.pk, "counted": "0"})
    client.post(reverse("inventory:count_submit", args=[count.pk]))

    approved = client.post(reverse("inventory:count_approve", args=[count.pk]), follow=True)
    again = _messages(client.post(reverse("inventory:count_approve", args=[count.pk]), follow=True))
    api = APIClient()
    api.force_login(manager)
    record = api.post(f"/api/v1/cycle-counts/{count.pk}/record/",
                      {"line": count.lines.first().pk, "counted_quantity": 3}, format="json")

    assert f"Conteo {count.pk}: diferencias aprobadas." in _messages(approved)
    assert "Este conteo no está esperando aprobación." in again
    assert record.status_code == 400
    assert record.json()["detail"] == "Este conteo ya no está abierto."
