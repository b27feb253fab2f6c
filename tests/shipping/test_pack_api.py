"""The pack station driven through the API alone: open and pack, verify, weigh, buy and void labels, hand over,
close the day, with the documents fetched through their links and the API token."""

import pytest
from rest_framework.test import APIClient

from core.choices import Role
from orders.choices import OrderStatus
from shipping.choices import ScanResult, ShipmentStatus
from shipping.models import CarrierService, PackScan, Shipment
from shipping.packing.services import mispick_count, shipment_plan, shipment_start
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(boxed_order):
    return boxed_order


@pytest.fixture
def packer_api(api_for, order):
    return api_for(make_user(Role.PACKER, warehouses=[order.warehouse]))


def _barcodes(order):
    return [line.product.barcode for line in order.lines.select_related("product") for _ in range(line.quantity)]


def test_a_full_cycle_from_order_to_hand_over_through_the_api_alone(packer_api, order):
    # Given a picked order, a packer of its warehouse and another product of the same client
    stranger = ProductFactory(client=order.client, sku="NOT-ON-ORDER", barcode="999000111222")

    # When the pack station opens the shipment with the recommended boxes
    response = packer_api.post("/api/v1/shipments/", {"order": order.pk, "station": "PACK-01"}, format="json")
    assert response.status_code == 201, response.content
    shipment = response.json()
    sid = shipment["id"]
    assert shipment["status"] == "packing"
    assert shipment["station"] == "PACK-01"
    assert [p["box"] for p in shipment["planned_packages"]] == ["S"]
    assert {u["sku"]: (u["expected"], u["verified"]) for u in shipment["units"]} == {
        line.product.sku: (line.quantity, 0) for line in order.lines.select_related("product")}

    # Weighing before every unit is verified is refused, as on the page
    early = packer_api.post(f"/api/v1/shipments/{sid}/weigh/", {"packages": [{"number": 1, "weight_g": 1200}]},
                            format="json")
    assert early.status_code == 400
    assert "Not every unit is verified" in early.json()["detail"]

    # A wrong scan is a 409 and a caught mis-pick, counted like the page's
    wrong = packer_api.post(f"/api/v1/shipments/{sid}/verify/", {"barcode": stranger.barcode}, format="json")
    assert wrong.status_code == 409
    assert "WRONG ITEM" in wrong.json()["detail"]
    assert PackScan.objects.get(shipment_id=sid).result == ScanResult.WRONG_ITEM
    assert mispick_count(warehouse_id=order.warehouse_id) == 1

    barcodes = _barcodes(order)
    for n, barcode in enumerate(barcodes, start=1):
        scan = packer_api.post(f"/api/v1/shipments/{sid}/verify/", {"barcode": barcode}, format="json")
        assert scan.status_code == 200, scan.content
        assert scan.json()["result"] == "accepted"
        assert scan.json()["complete"] is (n == len(barcodes))
    extra = packer_api.post(f"/api/v1/shipments/{sid}/verify/", {"barcode": barcodes[0]}, format="json")
    assert extra.status_code == 409
    assert mispick_count(warehouse_id=order.warehouse_id) == 2

    # The scale weighs the package: the order is packed and rated
    weighed = packer_api.post(f"/api/v1/shipments/{sid}/weigh/", {"packages": [{"number": 1, "weight_g": 1234}]},
                              format="json")
    assert weighed.status_code == 200, weighed.content
    body = weighed.json()
    assert body["status"] == "packed"
    assert body["packages"][0]["weight_g"] == 1234
    assert body["packages"][0]["box"] == "S"
    chosen = body["service"]
    assert chosen

    # The label with rate shopping's choice, then voided, then bought again with another service
    labelled = packer_api.post(f"/api/v1/shipments/{sid}/buy-label/", {}, format="json")
    assert labelled.status_code == 200, labelled.content
    first_number = labelled.json()["packages"][0]["tracking_number"]
    assert labelled.json()["status"] == "labelled"
    assert labelled.json()["service"] == chosen
    assert {d["kind"] for d in labelled.json()["documents"]} == {"label_pdf", "label_zpl", "packing_slip"}

    voided = packer_api.post(f"/api/v1/shipments/{sid}/void-label/", format="json")
    assert voided.status_code == 200, voided.content
    assert voided.json()["status"] == "packed"
    assert voided.json()["packages"][0]["tracking_number"] == ""
    assert {d["kind"] for d in voided.json()["documents"]} == {"packing_slip"}

    other = CarrierService.objects.filter(carrier__code="USPS").exclude(name=chosen).order_by("pk").first()
    again = packer_api.post(f"/api/v1/shipments/{sid}/buy-label/", {"service": other.pk}, format="json")
    assert again.status_code == 200, again.content
    package = again.json()["packages"][0]
    assert again.json()["service"] == other.name
    assert package["carrier"] == "USPS"
    assert package["tracking_number"] not in ("", first_number)

    # The ZPL label through its link and the token
    links = {d["kind"]: d for d in again.json()["documents"]}
    zpl = packer_api.get(links["label_zpl"]["url"])
    assert zpl.status_code == 200
    text = zpl.content.decode()
    assert text.startswith("^XA")
    assert text.rstrip().endswith("^XZ")
    assert f"^BCN,200,N,N,N^FD{package['tracking_number']}^FS" in text
    assert APIClient().get(links["label_zpl"]["url"]).status_code == 401

    # Hand-over ships the order; the manifest closes the day and its link appears on the shipment
    shipped = packer_api.post(f"/api/v1/shipments/{sid}/hand-over/", format="json")
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["status"] == "shipped"
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED

    manifest = packer_api.post("/api/v1/manifests/", {"carrier": "USPS", "warehouse": order.warehouse_id},
                               format="json")
    assert manifest.status_code == 201, manifest.content
    assert manifest.json()["package_count"] == 1
    final = packer_api.get(f"/api/v1/shipments/{sid}/").json()
    manifest_link = next(d for d in final["documents"] if d["kind"] == "manifest")
    assert manifest_link["url"] == manifest.json()["pdf_url"]
    pdf = packer_api.get(manifest_link["url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    again_closed = packer_api.post("/api/v1/manifests/", {"carrier": "USPS", "warehouse": order.warehouse_id},
                                   format="json")
    assert again_closed.status_code == 400


def test_given_boxes_and_items_per_package_are_packed_as_given(packer_api, order):
    # Given the order's two products, each in a package of its own: one box given, one left to choose
    (a, qa), (b, qb) = [(line.product, line.quantity) for line in order.lines.select_related("product").order_by("pk")]
    large = order.warehouse.box_types.get(code="L")
    body = {"order": order.pk, "packages": [
        {"box": large.pk, "items": [{"sku": a.sku, "quantity": qa}]},
        {"items": [{"sku": b.sku.lower(), "quantity": qb}]},
    ]}

    response = packer_api.post("/api/v1/shipments/", body, format="json")

    assert response.status_code == 201, response.content
    planned = response.json()["planned_packages"]
    assert [(p["box"], p["items"]) for p in planned] == [
        ("L", [{"sku": a.sku, "quantity": qa}]), ("S", [{"sku": b.sku, "quantity": qb}])]
    sid = response.json()["id"]
    for barcode in _barcodes(order):
        assert packer_api.post(f"/api/v1/shipments/{sid}/verify/", {"barcode": barcode}, format="json").status_code == 200
    missing = packer_api.post(f"/api/v1/shipments/{sid}/weigh/", {"packages": [{"number": 1, "weight_g": 900}]},
                              format="json")
    assert missing.status_code == 400
    assert "packages" in missing.json()
    weighed = packer_api.post(f"/api/v1/shipments/{sid}/weigh/", {"packages": [
        {"number": 2, "weight_g": 400}, {"number": 1, "weight_g": 1100}]}, format="json")
    assert weighed.status_code == 200, weighed.content
    assert [(p["number"], p["box"], p["weight_g"]) for p in weighed.json()["packages"]] == [
        (1, "L", 1100), (2, "S", 400)]
    # Packing is confirmed: the packages can no longer be changed
    late = packer_api.post("/api/v1/shipments/", body, format="json")
    assert late.status_code == 400


def _shipment(order):
    shipment = shipment_start(order=order)
    return shipment_plan(shipment=shipment)


ACTIONS = [("verify", {"barcode": "x"}), ("weigh", {"packages": [{"number": 1, "weight_g": 500}]}),
           ("buy-label", {}), ("void-label", {}), ("hand-over", {})]


@pytest.mark.parametrize(("who", "read", "write"), [
    ("client_of_another_client", 404, 403),
    ("client_owner", 200, 403),
    ("picker", 200, 403),
    ("packer_of_another_warehouse", 404, 404),
    ("manager_of_another_warehouse", 404, 404),
])
def test_tenancy_matrix(api_for, order, who, read, write):
    # Given an open shipment at the order's warehouse
    shipment = _shipment(order)
    elsewhere = WarehouseFactory(code="RNO")
    user = {
        "client_of_another_client": lambda: make_user(Role.CLIENT, client=ClientFactory()),
        "client_owner": lambda: make_user(Role.CLIENT, client=order.client),
        "picker": lambda: make_user(Role.PICKER, warehouses=[order.warehouse]),
        "packer_of_another_warehouse": lambda: make_user(Role.PACKER, warehouses=[elsewhere]),
        "manager_of_another_warehouse": lambda: make_user(Role.MANAGER, warehouses=[elsewhere]),
    }[who]()
    api = api_for(user)

    assert api.get(f"/api/v1/shipments/{shipment.pk}/").status_code == read
    for name, body in ACTIONS:
        response = api.post(f"/api/v1/shipments/{shipment.pk}/{name}/", body, format="json")
        assert response.status_code == write, (name, response.content)
    created = api.post("/api/v1/shipments/", {"order": order.pk}, format="json")
    if write == 404:  # staff of another warehouse: the order does not exist for them
        assert created.status_code == 400
        assert "order" in created.json()
        closed = api.post("/api/v1/manifests/", {"carrier": "UPS", "warehouse": order.warehouse_id}, format="json")
        assert closed.status_code == 400
        assert "warehouse" in closed.json()
    else:
        assert created.status_code == 403
        assert api.post("/api/v1/manifests/", {"carrier": "UPS", "warehouse": order.warehouse_id},
                        format="json").status_code == 403
    # Nothing moved and nothing was counted
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKING
    assert not PackScan.objects.filter(shipment=shipment).exists()
    assert Shipment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(("path", "body", "field"), [
    ("", {}, "order"),
    ("", {"order": "x"}, "order"),
    ("", {"order": 0}, "order"),
    ("", {"order": "ORDER", "packages": []}, "packages"),
    ("", {"order": "ORDER", "packages": [{"items": []}]}, "packages"),
    ("", {"order": "ORDER", "packages": [{"items": [{"sku": "NOPE", "quantity": 1}]}]}, "packages"),
    ("", {"order": "ORDER", "packages": [{"items": [{"sku": "SKU", "quantity": 0}]}]}, "packages"),
    ("", {"order": "ORDER", "packages": [{"box": "big", "items": [{"sku": "SKU", "quantity": 1}]}]}, "packages"),
    ("", {"order": "ORDER", "packages": [{"items": [{"sku": "SKU", "quantity": 1}]}]}, "packages"),
    ("", {"order": "ORDER", "station": "x" * 41}, "station"),
    ("verify/", {}, "barcode"),
    ("verify/", {"barcode": ""}, "barcode"),
    ("weigh/", {}, "packages"),
    ("weigh/", {"packages": [{"number": 1, "weight_g": 0}]}, "packages"),
    ("weigh/", {"packages": [{"number": 1, "weight_g": 5}, {"number": 1, "weight_g": 5}]}, "packages"),
    ("weigh/", {"packages": [{"number": 7, "weight_g": 500}]}, "packages"),
    ("weigh/", {"packages": "heavy"}, "packages"),
    ("buy-label/", {"service": "cheap"}, "service"),
    ("buy-label/", {"service": 99999999}, "service"),
    ("void-label/", {}, "status"),
])
def test_bad_input_is_400_with_field_errors(packer_api, order, path, body, field):
    shipment = _shipment(order)
    sku = order.lines.first().product.sku
    body = {k: (order.pk if v == "ORDER" else v) for k, v in body.items()}
    if "packages" in body and isinstance(body["packages"], list) and not path:
        for package in body["packages"]:
            for item in package.get("items", []):
                item["sku"] = sku if item["sku"] == "SKU" else item["sku"]
    url = f"/api/v1/shipments/{shipment.pk}/{path}" if path else "/api/v1/shipments/"

    response = packer_api.post(url, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


@pytest.mark.parametrize(("body", "field"), [({}, "carrier"), ({"carrier": "NOPE", "warehouse": 1}, "carrier"),
                                             ({"carrier": "UPS", "warehouse": "x"}, "warehouse"),
                                             ({"carrier": "UPS", "warehouse": "WH", "manifest_date": "today"},
                                              "manifest_date")])
def test_bad_manifest_requests_are_400(packer_api, order, body, field):
    body = {k: (order.warehouse_id if v == "WH" else v) for k, v in body.items()}
    response = packer_api.post("/api/v1/manifests/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
