"""Each user chooses the language of their pages; the floor pages have Spanish."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.choices import Role
from core.services import user_language_set
from tests.factories import make_user

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
