"""Each user chooses the language of their pages; the floor pages have Spanish."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.choices import Role
from core.services import user_language_set
from shipping.picking.release import pick_list_release_batch, pick_list_release_single
from shipping.picking.scan import pick_list_start
from tests.factories import make_user
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
