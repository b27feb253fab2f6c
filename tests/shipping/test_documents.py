"""Private documents: who may fetch each one (session or API token), how it is served, where it is stored, and
that it is rendered once."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from core.choices import Role
from core.storage import NoPublicURL, is_private_name
from returns import pdf
from returns.labels import return_label_issue
from returns.links import return_token
from returns.models import ReturnAuthorization
from shipping import document_store
from shipping.models import ClientShippingProfile, Manifest, Package, PickList, Shipment, Wave
from shipping.packing.services import manifest_close, shipment_label, shipment_ship
from shipping.pdf import WAVE_PDF
from shipping.picking.release import pick_list_release_single, wave_release
from tests.conftest import api_client_for
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory, make_user
from tests.returns.factories import delivered_order, open_return
from tests.shipping.factories import allocated_order, make_floor
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_packing import packed_shipment

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """Client X's documents at warehouse A; staff of A and B, users of clients X and Y."""

    pick_list: PickList
    wave: Wave
    shipment: Shipment
    package: Package
    manifest: Manifest
    rma: ReturnAuthorization
    users: dict


@pytest.fixture
def world(rate_cards, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    client_x, client_y = ClientFactory(code="XCO"), ClientFactory(code="YCO")
    floor = make_floor(WarehouseFactory(code="AAA"))
    warehouse_a = floor["A-01-01-A"].warehouse
    warehouse_b = WarehouseFactory(code="BBB")
    product = ProductFactory(client=client_x)
    pick_list = pick_list_release_single(order=allocated_order(warehouse_a, [(product, floor["A-01-02-A"], 1)],
                                                               client=client_x))
    for n in (3, 4):
        allocated_order(warehouse_a, [(product, floor[f"A-01-0{n}-A"], 1)], client=client_x)
    wave = wave_release(warehouse=warehouse_a, cart_size=2)
    order = make_picked_order(warehouse=warehouse_a, client=client_x, ship_name="Dana Private")
    BoxTypeFactory(warehouse=warehouse_a, code="S", inner_length_mm=250, inner_width_mm=200, inner_height_mm=150)
    shipment = shipment_ship(shipment=shipment_label(shipment=packed_shipment(order)))
    manifest = manifest_close(carrier=shipment.service.carrier, warehouse=warehouse_a)
    rma = _authorised_return(client_x, warehouse_a)
    users = {
        "manager A": make_user(Role.MANAGER, warehouses=[warehouse_a]),
        "packer A": make_user(Role.PACKER, warehouses=[warehouse_a]),
        "picker A": make_user(Role.PICKER, warehouses=[warehouse_a]),
        "manager B": make_user(Role.MANAGER, warehouses=[warehouse_b]),
        "packer B": make_user(Role.PACKER, warehouses=[warehouse_b]),
        "client X": make_user(Role.CLIENT, client=client_x),
        "client Y": make_user(Role.CLIENT, client=client_y),
    }
    return World(pick_list=pick_list, wave=wave, shipment=shipment, package=shipment.packages.get(),
                 manifest=manifest, rma=rma, users=users)


def _authorised_return(client, warehouse) -> ReturnAuthorization:
    order = delivered_order(client=client, warehouse=warehouse)
    line = order.lines.order_by("pk").first()
    return open_return(order, [(line, 1, "damaged")], authorise=True)


# Each document: its URL, who may fetch it (everyone else gets 404), its content type and file name.
DOCUMENTS = {
    "pick list": (lambda w: f"/picking/{w.pick_list.pk}/pdf/", {"manager A", "packer A", "picker A"},
                  "application/pdf", lambda w: f"{w.pick_list.number}.pdf"),
    "wave": (lambda w: f"/picking/waves/{w.wave.pk}/pdf/", {"manager A", "packer A", "picker A"},
             "application/pdf", lambda w: f"{w.wave.number}.pdf"),
    "label PDF": (lambda w: f"/packing/packages/{w.package.pk}/label.pdf", {"manager A", "packer A", "client X"},
                  "application/pdf", lambda w: f"label-{w.package.tracking_number}.pdf"),
    "label ZPL": (lambda w: f"/packing/packages/{w.package.pk}/label.zpl", {"manager A", "packer A", "client X"},
                  "application/zpl; charset=utf-8", lambda w: f"label-{w.package.tracking_number}.zpl"),
    "labels batch": (lambda w: f"/packing/labels.pdf?shipments={w.shipment.pk}", {"manager A", "packer A"},
                     "application/pdf", lambda w: "labels.pdf"),
    "packing slip": (lambda w: f"/packing/{w.shipment.pk}/packing-slip.pdf", {"manager A", "packer A", "client X"},
                     "application/pdf", lambda w: f"packing-slip-{w.shipment.order.order_number.strip('#')}.pdf"),
    "manifest": (lambda w: f"/packing/manifests/{w.manifest.pk}.pdf", {"manager A", "packer A"},
                 "application/pdf", lambda w: w.manifest.pdf.name.rsplit("/", 1)[-1] if w.manifest.pdf else None),
    "return label": (lambda w: f"/returns/{w.rma.pk}/label.pdf", {"manager A", "packer A", "picker A", "client X"},
                     "application/pdf", lambda w: f"return-label-{w.rma.number}.pdf"),
}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _session(user) -> Client:
    browser = Client(HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_each_document_is_served_only_to_those_who_may_see_it_by_session_or_token(world, document):
    url_of, allowed, content_type, filename_of = DOCUMENTS[document]
    url = url_of(world)

    # anonymous: a browser is sent to the login page, an API client gets 401 with the token challenge
    browser = Client(HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    response = browser.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    response = Client().get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert Client().get(url, HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 401

    for name, user in world.users.items():
        for how, agent in (("session", _session(user)), ("token", api_client_for(user))):
            response = agent.get(url)
            if name not in allowed:
                assert response.status_code == 404, (name, how)
                continue
            assert response.status_code == 200, (name, how)
            assert response["Content-Type"] == content_type
            assert response["Cache-Control"] == "private, no-cache"
            assert filename_of(world) is None or f'filename="{filename_of(world)}"' in response["Content-Disposition"]
            body = _body(response)
            assert body.startswith(b"^XA" if "zpl" in content_type else b"%PDF-")


def test_a_revoked_token_is_refused(world):
    user = world.users["packer A"]
    api = api_client_for(user)
    Token.objects.filter(user=user).delete()
    assert api.get(f"/packing/packages/{world.package.pk}/label.pdf").status_code == 401


def test_stored_documents_have_unguessable_names_and_no_public_url(world, tmp_path):
    api = api_client_for(world.users["manager A"])
    for url, _, _, _ in DOCUMENTS.values():
        assert api.get(url(world)).status_code == 200

    names = [PickList.objects.get(pk=world.pick_list.pk).pdf.name, Wave.objects.get(pk=world.wave.pk).pdf.name,
             Package.objects.get(pk=world.package.pk).label_pdf.name,
             Shipment.objects.get(pk=world.shipment.pk).packing_slip_pdf.name,
             Manifest.objects.get(pk=world.manifest.pk).pdf.name,
             ReturnAuthorization.objects.get(pk=world.rma.pk).label_pdf.name]
    assert all(is_private_name(name) for name in names), names
    assert world.package.tracking_number not in "".join(n.rsplit("/", 1)[0] for n in names)
    for name in names:
        assert (tmp_path / name).is_file()
        with pytest.raises(NoPublicURL):
            default_storage.url(name)
        assert Client().get(f"/media/{name}").status_code == 404
    # nothing else was written: one file per document
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(names)


def test_every_api_link_to_a_document_is_absolute_and_works_with_a_token(world):
    manager = api_client_for(world.users["manager A"])
    client_x = api_client_for(world.users["client X"])
    wave_list = world.wave.pick_lists.order_by("pk").first()

    pick_list = manager.get(f"/api/v1/pick-lists/{world.pick_list.pk}/").json()
    in_wave = manager.get(f"/api/v1/pick-lists/{wave_list.pk}/").json()
    shipment = client_x.get(f"/api/v1/shipments/{world.shipment.pk}/").json()
    manifest = manager.get(f"/api/v1/manifests/{world.manifest.pk}/").json()
    rma = client_x.get(f"/api/v1/returns/{world.rma.pk}/").json()

    assert pick_list["wave_pdf_url"] is None
    links = {
        pick_list["pdf_url"]: manager, in_wave["pdf_url"]: manager, in_wave["wave_pdf_url"]: manager,
        shipment["packing_slip_url"]: client_x, shipment["packages"][0]["label_pdf_url"]: client_x,
        shipment["packages"][0]["label_zpl_url"]: client_x, manifest["pdf_url"]: manager,
        rma["label_pdf_url"]: client_x,
    }
    for link, api in links.items():
        assert link.startswith("http://testserver/"), link
        response = api.get(link)
        assert response.status_code == 200, link
        assert _body(response)[:3] in (b"%PD", b"^XA")
    assert manifest["package_count"] == 1
    # the client's token opens the client's documents only
    assert client_x.get(in_wave["wave_pdf_url"]).status_code == 404
    assert client_x.get(manifest["pdf_url"]).status_code == 404
    assert api_client_for(world.users["client Y"]).get(rma["label_pdf_url"]).status_code == 404


def test_manifests_api_lists_only_the_staffs_own_warehouses(world):
    assert [m["id"] for m in api_client_for(world.users["packer A"]).get("/api/v1/manifests/").json()["results"]] \
        == [world.manifest.pk]
    assert api_client_for(world.users["manager B"]).get("/api/v1/manifests/").json()["results"] == []
    assert api_client_for(world.users["client X"]).get("/api/v1/manifests/").status_code == 403


def test_a_stale_pick_list_is_rendered_again_and_the_old_file_deleted(world, tmp_path,
                                                                      django_capture_on_commit_callbacks):
    browser = _session(world.users["picker A"])
    first = _body(browser.get(f"/picking/{world.pick_list.pk}/pdf/"))
    old_name = PickList.objects.get(pk=world.pick_list.pk).pdf.name
    assert _body(browser.get(f"/picking/{world.pick_list.pk}/pdf/")) == first  # current: not rendered again

    PickList.objects.get(pk=world.pick_list.pk).save()  # any change makes the stored PDF stale
    with django_capture_on_commit_callbacks(execute=True):
        browser.get(f"/picking/{world.pick_list.pk}/pdf/")
        a4 = browser.get(f"/picking/{world.pick_list.pk}/pdf/?paper=a4")

    new = PickList.objects.get(pk=world.pick_list.pk)
    assert new.pdf.name != old_name
    assert new.pdf_paper == "a4"
    assert round(float(PdfReader(io.BytesIO(_body(a4))).pages[0].mediabox.width)) == 595  # A4
    assert not (tmp_path / old_name).parent.exists()
    assert len(list((tmp_path / "pick-lists").rglob("*.pdf"))) == 1


def test_a_failed_render_stores_nothing(world, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("shipping.pdf.pick_lists_pdf", broken)
    browser = _session(world.users["manager A"])
    browser.raise_request_exception = False

    assert browser.get(f"/picking/waves/{world.wave.pk}/pdf/").status_code == 500

    assert not Wave.objects.get(pk=world.wave.pk).pdf
    assert not (tmp_path / "waves").exists()


def test_a_file_that_fails_to_commit_is_removed(world, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(document_store.transaction, "on_commit", refuse)
    # a stored file to replace makes the store register its deletion, which fails here, after the write
    Wave.objects.filter(pk=world.wave.pk).update(pdf="waves/old/W.pdf", pdf_paper="")
    with pytest.raises(RuntimeError):
        document_store.document_ensure(WAVE_PDF, world.wave.pk, paper="a4")

    assert Wave.objects.get(pk=world.wave.pk).pdf.name == "waves/old/W.pdf"
    assert not list(Path(tmp_path).rglob("*.pdf"))


def test_a_return_label_is_rendered_once_for_the_email_the_customer_and_the_staff(world, mailoutbox, monkeypatch):
    renders = []
    real = pdf.return_label_pdf
    monkeypatch.setattr(pdf, "return_label_pdf", lambda *, rma: renders.append(rma.pk) or real(rma=rma))

    assert return_label_issue(rma_id=world.rma.pk)
    customer = Client().get(f"/returns/label/{return_token(rma_id=world.rma.pk)}/")
    staff = _session(world.users["manager A"]).get(f"/returns/{world.rma.pk}/label.pdf")

    assert renders == [world.rma.pk]
    emailed = mailoutbox[-1].attachments[0][1]
    assert _body(customer) == _body(staff) == emailed
    assert "private" in customer["Cache-Control"]


def test_old_guessable_files_are_moved_to_private_names(world, tmp_path, settings):
    old_media = tmp_path / "old-media"
    (old_media / "labels/2025/05").mkdir(parents=True)
    (old_media / "labels/2025/05/label-1Z1.pdf").write_bytes(b"%PDF-old label")
    Package.objects.filter(pk=world.package.pk).update(label_pdf="labels/2025/05/label-1Z1.pdf")
    Manifest.objects.filter(pk=world.manifest.pk).update(pdf="manifests/2025/05/gone.pdf")
    out = io.StringIO()

    call_command("documents_make_private", "--from", str(old_media), stdout=out)
    call_command("documents_make_private", "--from", str(old_media), stdout=io.StringIO())  # safe twice

    package = Package.objects.get(pk=world.package.pk)
    assert is_private_name(package.label_pdf.name)
    assert package.label_pdf.read() == b"%PDF-old label"
    assert not (old_media / "labels/2025/05/label-1Z1.pdf").exists()
    assert "1 moved, 1 missing" in out.getvalue()
    # the row whose file is gone still works: the document is rendered when asked for
    response = api_client_for(world.users["packer A"]).get(f"/packing/manifests/{world.manifest.pk}.pdf")
    assert _body(response).startswith(b"%PDF-")
    assert is_private_name(Manifest.objects.get(pk=world.manifest.pk).pdf.name)


def test_admin_pages_of_objects_with_stored_documents_open_without_linking_the_files(world, admin_client):
    api = api_client_for(world.users["manager A"])
    for url, _, _, _ in DOCUMENTS.values():
        api.get(url(world))
    profile = ClientShippingProfile.objects.create(client=world.shipment.order.client)
    profile.logo.save("logo.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))

    for model, pk in [("shipping/picklist", world.pick_list.pk), ("shipping/wave", world.wave.pk),
                      ("shipping/shipment", world.shipment.pk), ("shipping/manifest", world.manifest.pk),
                      ("returns/returnauthorization", world.rma.pk), ("shipping/clientshippingprofile", profile.pk)]:
        page = admin_client.get(f"/admin/{model}/{pk}/change/")
        assert page.status_code == 200, model
        assert "/media/" not in page.content.decode()
    assert is_private_name(profile.logo.name)
