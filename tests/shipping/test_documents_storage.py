"""Documents across processes and machines: rendered once under concurrent requests (PostgreSQL row lock), and
kept in an S3-compatible bucket that every web node and worker shares."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import transaction
from django.test import Client

import shipping.pdf
from core.choices import Role
from shipping.locks import pick_list_lock
from shipping.models import DocumentLock, PickList, Wave
from shipping.pdf import pick_list_pdf_store
from shipping.picking.release import pick_list_release_single, wave_release
from tests.concurrency import run_together
from tests.conftest import api_client_for, postgres_only
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory, make_user
from tests.fakes.s3_server import MOTO_SERVER, S3Server
from tests.shipping.factories import allocated_order, make_floor

CONCURRENT_FETCHES = 6


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _warehouse_with_orders(count: int):
    floor = make_floor(WarehouseFactory(code="RND"))
    product = ProductFactory(client=ClientFactory())
    for n in range(1, count + 1):
        allocated_order(floor["A-01-01-A"].warehouse, [(product, floor[f"A-0{1 + n % 3}-0{1 + n % 5}-A"], 1)])
    return floor["A-01-01-A"].warehouse


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_fetches_of_a_missing_wave_pdf_render_it_once_and_leave_one_file(settings, tmp_path,
                                                                                      monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    warehouse = _warehouse_with_orders(4)
    wave = wave_release(warehouse=warehouse, cart_size=2)  # its task renders the PDF after commit...
    for stored in tmp_path.rglob("*.pdf"):  # ...which is then lost, as on another machine's disk
        stored.unlink()
    manager = make_user(Role.MANAGER)

    renders = []
    real_render = shipping.pdf.pick_lists_pdf

    def slow_render(*args, **kwargs):
        renders.append(threading.get_ident())
        time.sleep(0.5)  # every request is in flight while the first one renders
        return real_render(*args, **kwargs)

    monkeypatch.setattr(shipping.pdf, "pick_lists_pdf", slow_render)

    def fetch():
        browser = Client()
        browser.force_login(manager)
        response = browser.get(f"/picking/waves/{wave.pk}/pdf/")
        return response.status_code, _body(response)

    results, errors = run_together([fetch] * CONCURRENT_FETCHES)

    assert errors == []
    assert len(renders) == 1
    assert [status for status, _ in results] == [200] * CONCURRENT_FETCHES
    assert len({body for _, body in results}) == 1
    assert results[0][1].startswith(b"%PDF-")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [str(p.relative_to(tmp_path)) for p in files] == [Wave.objects.get(pk=wave.pk).pdf.name]
    assert DocumentLock.objects.filter(key=f"shipping.wave.pdf:{wave.pk}").count() == 1


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_render_does_not_hold_up_writes_to_the_pick_list(settings, tmp_path, monkeypatch):
    """The render lock is a row of its own: the floor can scan and change the list while its PDF renders."""
    settings.MEDIA_ROOT = tmp_path
    warehouse = _warehouse_with_orders(1)
    pick_list = pick_list_release_single(order=warehouse.orders.get())
    PickList.objects.filter(pk=pick_list.pk).update(pdf="")
    rendering = threading.Event()
    real_render = shipping.pdf.pick_lists_pdf

    def slow_render(*args, **kwargs):
        rendering.set()
        time.sleep(1.0)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(shipping.pdf, "pick_lists_pdf", slow_render)
    def write_while_rendering():
        assert rendering.wait(10)
        started = time.monotonic()
        with transaction.atomic():
            pick_list_lock(pick_list.pk)
        return time.monotonic() - started

    results, errors = run_together([lambda: pick_list_pdf_store(pick_list=pick_list), write_while_rendering])

    assert errors == []
    waited = next(r for r in results if isinstance(r, float))
    assert waited < 0.5  # the 1 s render held no lock on the pick list row


@pytest.fixture
def s3_server():
    if not MOTO_SERVER:
        pytest.skip("moto[server] is not installed (pip install 'moto[server]'); needed for the S3 storage test")
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.django_db
def test_documents_are_stored_in_the_s3_bucket_and_served_through_the_access_checked_view(
        s3_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # must stay empty: nothing goes to the local disk
    s3 = s3_server.client()
    s3.create_bucket(Bucket="dockhand-documents")
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_options("dockhand-documents")}
    warehouse = _warehouse_with_orders(1)
    pick_list = pick_list_release_single(order=warehouse.orders.get())
    picker = make_user(Role.PICKER, warehouses=[warehouse])
    outsider = make_user(Role.PICKER, warehouses=[WarehouseFactory(code="OUT")])

    by_token = api_client_for(picker).get(f"/picking/{pick_list.pk}/pdf/")
    browser = Client()
    browser.force_login(picker)
    by_session = browser.get(f"/picking/{pick_list.pk}/pdf/")

    name = PickList.objects.get(pk=pick_list.pk).pdf.name
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="dockhand-documents").get("Contents", [])]
    assert keys == [name]
    stored = s3.get_object(Bucket="dockhand-documents", Key=name)
    data = stored["Body"].read()
    assert data.startswith(b"%PDF-")
    assert stored["CacheControl"] == "private"
    assert by_token.status_code == by_session.status_code == 200
    assert _body(by_token) == _body(by_session) == data
    assert by_token["Cache-Control"] == "private, no-cache"
    assert api_client_for(outsider).get(f"/picking/{pick_list.pk}/pdf/").status_code == 404
    assert not any(tmp_path.iterdir())
    # the bucket refuses anyone without the keys
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{s3_server.endpoint_url}/dockhand-documents/{name}", timeout=5)
