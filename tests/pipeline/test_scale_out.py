"""Scale-out on one machine (tests/fakes/scaleout.py): two gunicorn web nodes and two Celery worker nodes (plus
one beat), each in a directory of its own, sharing only PostgreSQL, a private Redis and a private S3 bucket.

What it proves: storefront orders posted alternately to both web nodes are allocated by the workers; picking
(API, manager's token) and packing up to the label (pages, manager's session) work with every request going to
either node; and every document (pick list PDF, label PDF and ZPL, packing slip) is the same bytes, HTTP 200,
from either web node, matches its object in the bucket, and no node's own disk holds a document file.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import postgres_only
from tests.fakes.scaleout import ScaleOutStack, scale_out_unavailable

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.redis]

ORDERS = 8
ALLOCATE_SECONDS = 60  # the fast path takes a second or two; the sweep (every 5 s here) backs it up
DOCUMENT_SECONDS = 90  # label PDF, ZPL and packing slip rendered by a worker after the label is bought
DEMO_PASSWORD = "dockhand-demo"


@pytest.fixture
def stack(tmp_path):
    reason = scale_out_unavailable()
    if reason:
        pytest.skip(reason)
    with ScaleOutStack(workdir=tmp_path / "stack", sweep_seconds=5) as running:
        yield running
        assert running.restarts == [], f"a process crashed and was restarted: {running.restarts}"


def _orders_of(stack, hooks) -> dict[int, str]:
    ids = [str(hook.order_id) for hook in hooks]
    return dict(stack.query(
        "SELECT id, status FROM orders_order WHERE channel_id = %s AND parent_id IS NULL AND external_id = ANY(%s)",
        [stack.shopify_channel()["id"], ids]))


def _all_routed(stack, hooks) -> bool:
    orders = _orders_of(stack, hooks)
    return len(orders) == len(hooks) and "received" not in orders.values()


def _login(stack, node: int, username: str) -> requests.Session:
    session = requests.Session()
    url = f"{stack.web_urls[node]}/login/"
    session.get(url, timeout=30).raise_for_status()
    response = session.post(url, data={"username": username, "password": DEMO_PASSWORD,
                                       "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:500]
    return session


def _post_page(stack, session: requests.Session, node: int, path: str, data: dict | None = None):
    response = session.post(f"{stack.web_urls[node]}{path}",
                            data={**(data or {}), "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                            allow_redirects=False, timeout=60)
    assert response.status_code == 302, f"POST {path} on node {node}: {response.status_code} {response.text[:500]}"
    return response


def _pick(stack, order_id: int, first_node: int) -> int:
    """Release a single pick list for the order, start it, confirm every stop and complete it: each call on
    the other node than the one before."""
    node = first_node
    released = stack.api("POST", "/api/v1/pick-lists/release/", json={"kind": "single", "order": order_id},
                         node=node)
    assert released.status_code == 201, released.text
    pick_list_id = released.json()["pick_lists"][0]["id"]
    node = 1 - node
    assert stack.api("POST", f"/api/v1/pick-lists/{pick_list_id}/start/", node=node).status_code == 200
    node = 1 - node
    detail = stack.api("GET", f"/api/v1/pick-lists/{pick_list_id}/", node=node).json()
    for line in detail["lines"]:
        node = 1 - node
        confirmed = stack.api("POST", f"/api/v1/pick-lists/{pick_list_id}/confirm-line/", node=node, json={
            "line": line["id"], "location": line["location"], "item": line["barcode"] or line["sku"],
            "quantity": line["quantity"] - line["picked_quantity"]})
        assert confirmed.status_code == 200, confirmed.text
    node = 1 - node
    completed = stack.api("POST", f"/api/v1/pick-lists/{pick_list_id}/complete/", node=node)
    assert completed.status_code == 200, completed.text
    return pick_list_id


def _pack_and_buy_label(stack, sessions: list[requests.Session], order_id: int, first_node: int) -> int:
    """At the pack station's pages: open the order, scan every unit, confirm the recommended boxes with their
    weights, buy the label; each request on the other node than the one before."""
    node = first_node
    opened = _post_page(stack, sessions[node], node, f"/packing/orders/{order_id}/")
    shipment_id = int(re.search(r"/packing/(\d+)/$", opened.headers["Location"]).group(1))
    for barcode, sku, quantity in stack.query(
            "SELECT p.barcode, p.sku, l.quantity FROM orders_orderline l JOIN inventory_product p "
            "ON p.id = l.product_id WHERE l.order_id = %s ORDER BY l.id", [order_id]):
        for _ in range(quantity):
            node = 1 - node
            _post_page(stack, sessions[node], node, f"/packing/{shipment_id}/scan/", {"barcode": barcode or sku})
    node = 1 - node
    # (a refusal, such as an item no box holds, would come back as a redirect with a message)
    page = sessions[node].get(f"{stack.web_urls[node]}/packing/{shipment_id}/", timeout=60, allow_redirects=False)
    assert page.status_code == 200, f"the shipment page of order {order_id}: {page.status_code}"
    html = page.text
    count = int(re.search(r'name="package_count" value="(\d+)"', html).group(1))
    form = {"package_count": count}
    for n in range(1, count + 1):
        form[f"items_{n}"] = re.search(rf'name="items_{n}" value="([^"]*)"', html).group(1)
        select = re.search(rf'<select name="box_{n}".*?</select>', html, re.S).group(0)
        form[f"box_{n}"] = re.search(r'<option value="(\d+)" selected>', select).group(1)
        # the packer types what the scale reads: here, the weight the page expects
        form[f"weight_{n}"] = re.search(rf'id="expected_{n}">Expected about ([0-9.]+) ', html).group(1)
    node = 1 - node
    _post_page(stack, sessions[node], node, f"/packing/{shipment_id}/confirm/", form)
    node = 1 - node
    _post_page(stack, sessions[node], node, f"/packing/{shipment_id}/label/")
    return shipment_id


def _documents_stored(stack, shipment_ids: list[int]) -> bool:
    """Every package's label PDF and ZPL, and every shipment's packing slip, stored (by a worker)."""
    rows = stack.query(
        "SELECT s.id, s.packing_slip_pdf, p.label_pdf, p.label_zpl FROM shipping_shipment s "
        "JOIN shipping_package p ON p.shipment_id = s.id WHERE s.id = ANY(%s)", [shipment_ids])
    return {row[0] for row in rows} == set(shipment_ids) and all(all(row[1:]) for row in rows)


def _worker_task_counts(stack) -> dict[str, int]:
    return {name: stack.tail(name, 100_000).count(" succeeded in ")
            for name in stack.processes if name.startswith("worker")}


def test_orders_flow_through_two_web_nodes_and_two_workers_with_documents_only_in_the_bucket(stack):
    began = time.monotonic()
    timings = {}
    # every process runs in its own directory, as on a machine of its own
    assert {name: os.readlink(f"/proc/{process.popen.pid}/cwd") for name, process in stack.processes.items()} \
        == {name: str(directory) for name, directory in stack.node_dirs().items()}
    assert len(stack.processes) == 5  # two web nodes, two workers, beat

    # Given storefront orders posted alternately to both web nodes
    hooks = stack.packable_shopify_webhooks(ORDERS)
    path = urlsplit(stack.shopify_channel()["url"]).path
    statuses = [requests.post(f"{stack.web_urls[i % 2]}{path}", data=hook.body, headers=hook.headers,
                              timeout=30).status_code for i, hook in enumerate(hooks)]
    assert statuses == [200] * ORDERS

    # When the workers have taken them in and allocated them
    assert stack.wait_until(lambda s: _all_routed(s, hooks), timeout=ALLOCATE_SECONDS), _orders_of(stack, hooks)
    orders = _orders_of(stack, hooks)
    assert set(orders.values()) == {"allocated"}, orders
    assert stack.intake_report(hooks).settled, stack.intake_report(hooks)
    timings["intake"] = time.monotonic() - began

    # And each is picked (API) and packed up to its label (pages), every request on the other node
    pick_list_ids = [_pick(stack, order_id, first_node=i % 2) for i, order_id in enumerate(sorted(orders))]
    timings["picking"] = time.monotonic() - began
    sessions = [_login(stack, node, "manager") for node in range(2)]
    shipment_ids = [_pack_and_buy_label(stack, sessions, order_id, first_node=i % 2)
                    for i, order_id in enumerate(sorted(orders))]
    timings["packing"] = time.monotonic() - began
    assert stack.wait_until(lambda s: _documents_stored(s, shipment_ids), timeout=DOCUMENT_SECONDS), (
        stack.tail("worker1", 30), stack.tail("worker2", 30))
    timings["labels rendered"] = time.monotonic() - began

    # Then every document is the same bytes from either web node, and the same as its object in the bucket
    documents = []  # (URL path, the bucket key of its stored file or None for the ZPL, which is a text column)
    for pick_list_id in pick_list_ids:
        documents.append((f"/picking/{pick_list_id}/pdf/", ("shipping_picklist", "pdf", pick_list_id)))
    for shipment_id in shipment_ids:
        documents.append((f"/packing/{shipment_id}/packing-slip.pdf",
                          ("shipping_shipment", "packing_slip_pdf", shipment_id)))
        for (package_id,) in stack.query("SELECT id FROM shipping_package WHERE shipment_id = %s ORDER BY id",
                                         [shipment_id]):
            documents.append((f"/packing/packages/{package_id}/label.pdf",
                              ("shipping_package", "label_pdf", package_id)))
            documents.append((f"/packing/packages/{package_id}/label.zpl", None))
    problems = []
    headers = {"Authorization": f"Token {stack.api_token()}"}
    for path, stored in documents:
        answers = [requests.get(f"{url}{path}", headers=headers, timeout=60) for url in stack.web_urls]
        codes = [answer.status_code for answer in answers]
        bodies = [answer.content for answer in answers]
        if codes != [200, 200]:
            problems.append(f"{path}: {codes}")
            continue
        if bodies[0] != bodies[1]:
            problems.append(f"{path}: different bytes from the two web nodes")
        if not bodies[0].startswith(b"^XA" if path.endswith(".zpl") else b"%PDF-"):
            problems.append(f"{path}: not a document ({bodies[0][:20]!r})")
        if stored is not None:
            table, column, pk = stored
            key = stack.query(f"SELECT {column} FROM {table} WHERE id = %s", [pk])[0][0]  # noqa: S608
            if key not in stack.bucket_keys() or stack.bucket_object(key) != bodies[0]:
                problems.append(f"{path}: {key!r} is not that object in the bucket")
    timings["fetched"] = time.monotonic() - began
    assert problems == [], problems
    assert len(documents) >= 4 * ORDERS

    # And no node's own disk holds a document: they all live in the bucket
    assert stack.local_document_files() == []
    print(f"\n{len(documents)} documents from {ORDERS} orders; seconds since start: "
          + ", ".join(f"{step} {seconds:.1f}" for step, seconds in timings.items())
          + f"; tasks succeeded per worker: {_worker_task_counts(stack)}")
