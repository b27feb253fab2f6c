import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.choices import Role
from orders.choices import OrderStatus
from shipping.choices import ScanResult, ShipmentStatus
from shipping.models import CarrierService, PackScan, Shipment
from shipping.packing.services import pack_scan, shipment_start
from tests.factories import ProductFactory, WarehouseFactory, make_user
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory, CarrierFactory
from tests.shipping.tracking_helpers import shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(rate_cards):
    order = make_picked_order()
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150)
    return order


def test_packer_scans_an_order_through_the_pages(client, packer, order, django_capture_on_commit_callbacks):
    client.force_login(packer)

    # scan the order number at the station
    response = client.post("/packing/", {"code": order.order_number, "station": "P1"})
    shipment = Shipment.objects.get(order=order)
    assert response.status_code == 302
    assert response.url == f"/packing/{shipment.pk}/"

    # a wrong item is refused loudly
    ProductFactory(client=order.client, sku="WRONG-1", barcode="555")
    client.post(f"/packing/{shipment.pk}/scan/", {"barcode": "555"})
    page = client.get(f"/packing/{shipment.pk}/").content.decode()
    assert 'data-testid="refusal"' in page
    assert "WRONG ITEM: WRONG-1" in page
    assert PackScan.objects.filter(result=ScanResult.WRONG_ITEM).count() == 1

    # every unit scanned: the recommended box and the rates appear
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            client.post(f"/packing/{shipment.pk}/scan/", {"barcode": line.product.barcode})
    page = client.get(f"/packing/{shipment.pk}/").content.decode()
    assert "Recommended box" in page
    assert "recommended</option>" in page
    assert "Rates compared" in page

    # confirm with the box and the scale's weight
    box = order.warehouse.box_types.get(code="S")
    items = ",".join(f"{line.product_id}:{line.quantity}" for line in order.lines.all())
    response = client.post(f"/packing/{shipment.pk}/confirm/", {
        "package_count": 1, "box_1": box.pk, "weight_1": "2.35", "items_1": items})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    assert shipment.packages.get().weight_g == 1066

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/packing/{shipment.pk}/label/", {"service": shipment.service_id})
    package = shipment.packages.get()
    label = client.get(f"/packing/packages/{package.pk}/label.pdf")
    assert label.status_code == 200
    assert label["Content-Type"] == "application/pdf"
    zpl = client.get(f"/packing/packages/{package.pk}/label.zpl").content.decode()
    assert zpl.startswith("^XA")
    assert package.tracking_number in zpl

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/packing/{shipment.pk}/ship/")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


@pytest.mark.parametrize("weight", ["", "abc", "-1", "0", "9999", "NaN"])
def test_bad_weight_is_a_page_message_not_an_error(client, packer, order, weight):
    client.force_login(packer)
    client.post("/packing/", {"code": order.order_number})
    shipment = Shipment.objects.get(order=order)
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            client.post(f"/packing/{shipment.pk}/scan/", {"barcode": line.product.barcode})
    box = order.warehouse.box_types.get(code="S")
    response = client.post(f"/packing/{shipment.pk}/confirm/", {
        "package_count": 1, "box_1": box.pk, "weight_1": weight, "items_1": "1:1"},
        HTTP_REFERER=f"/packing/{shipment.pk}/", follow=True)
    assert response.status_code == 200
    assert b"message-error" in response.content
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKING


def test_unknown_code_at_the_station_says_so(client, packer, order):
    client.force_login(packer)
    response = client.post("/packing/", {"code": "NOPE-123"}, follow=True)
    assert "Nothing to pack found" in response.content.decode()


def test_pickers_and_clients_cannot_use_the_pack_station(client, picker, client_user_a, order):
    client.force_login(picker)
    assert client.get("/packing/").status_code == 403
    client.force_login(client_user_a)
    assert client.get("/packing/").status_code == 403


def test_packer_of_another_warehouse_cannot_open_the_shipment(client, order):
    other = make_user(Role.PACKER, warehouses=[WarehouseFactory(code="NSH")])
    shipment = Shipment.objects.create(order=order, warehouse=order.warehouse)
    client.force_login(other)
    assert client.get(f"/packing/{shipment.pk}/").status_code == 404


def test_station_lists_ready_orders_without_n_plus_one(client, packer, order, django_assert_max_num_queries):
    for _ in range(3):
        make_picked_order(warehouse=order.warehouse)
    client.force_login(packer)
    with django_assert_max_num_queries(15):
        response = client.get("/packing/")
    assert response.status_code == 200
    assert order.order_number in response.content.decode()


def test_manager_pages_render(client, manager, order):
    client.force_login(manager)
    for url in ["/packing/boxes/", "/packing/rate-cards/", "/packing/mispicks/", "/packing/manifests/",
                "/packing/notifications/"]:
        assert client.get(url).status_code == 200, url


def test_manager_uploads_a_rate_card_and_a_bad_one_is_refused(client, manager, order):
    client.force_login(manager)
    good = SimpleUploadedFile("rates.csv", b"carrier,service,weight_lb,zone_8\nUSPS,GA,1,4.10\n", "text/csv")
    response = client.post("/packing/rate-cards/", {"kind": "rates.csv", "file": good}, follow=True)
    assert "rates.csv loaded: 1 rows" in response.content.decode()
    assert CarrierService.objects.get(carrier__code="USPS", code="GA").rates.count() == 1

    bad = SimpleUploadedFile("rates.csv", b"carrier,service,weight_lb,zone_8\nUSPS,GA,x,4.10\n", "text/csv")
    response = client.post("/packing/rate-cards/", {"kind": "rates.csv", "file": bad},
                           HTTP_REFERER="/packing/rate-cards/", follow=True)
    assert "line 2" in response.content.decode()
    assert CarrierService.objects.get(carrier__code="USPS", code="GA").rates.count() == 1


def test_mispick_page_counts_caught_mispicks(client, manager, order):
    shipment = shipment_start(order=order)
    for code in ["x1", "x2"]:
        with pytest.raises(Exception, match="UNKNOWN"):
            pack_scan(shipment=shipment, barcode=code)
    client.force_login(manager)
    page = client.get("/packing/mispicks/").content.decode()
    assert 'data-testid="mispick-total">2<' in page


def _verified_shipment(client, order) -> Shipment:
    client.post("/packing/", {"code": order.order_number})
    shipment = Shipment.objects.get(order=order)
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            client.post(f"/packing/{shipment.pk}/scan/", {"barcode": line.product.barcode})
    return shipment


def test_scale_weight_is_typed_not_prefilled_and_shown_in_the_unit_it_was_entered(client, packer, order):
    client.force_login(packer)
    shipment = _verified_shipment(client, order)

    page = client.get(f"/packing/{shipment.pk}/").content.decode()
    field = page[page.index('name="weight_1"'):].split(">", 1)[0]
    assert "value=" not in field
    assert "required" in field
    assert "Weight on the scale (lb)" in page
    assert "Expected about" in page

    box = order.warehouse.box_types.get(code="S")
    items = ",".join(f"{line.product_id}:{line.quantity}" for line in order.lines.all())
    client.post(f"/packing/{shipment.pk}/confirm/", {
        "package_count": 1, "box_1": box.pk, "weight_1": "2.35", "items_1": items})
    packed = client.get(f"/packing/{shipment.pk}/").content.decode()
    assert "Weight (lb)" in packed
    assert '<td class="num">2.35</td>' in packed
    assert "Weight (g)" not in packed


def test_a_kilogram_warehouse_weighs_in_kilograms(client, packer, order):
    order.warehouse.country = "DE"
    order.warehouse.save(update_fields=["country"])
    client.force_login(packer)
    shipment = _verified_shipment(client, order)
    box = order.warehouse.box_types.get(code="S")
    items = ",".join(f"{line.product_id}:{line.quantity}" for line in order.lines.all())

    assert "Weight on the scale (kg)" in client.get(f"/packing/{shipment.pk}/").content.decode()
    client.post(f"/packing/{shipment.pk}/confirm/", {
        "package_count": 1, "box_1": box.pk, "weight_1": "1.066", "items_1": items})

    assert shipment.packages.get().weight_g == 1066


def test_label_printed_only_after_the_label_is_downloaded_with_who_and_when(
        client, packer, order, django_capture_on_commit_callbacks):
    client.force_login(packer)
    shipment = _verified_shipment(client, order)
    box = order.warehouse.box_types.get(code="S")
    items = ",".join(f"{line.product_id}:{line.quantity}" for line in order.lines.all())
    client.post(f"/packing/{shipment.pk}/confirm/", {
        "package_count": 1, "box_1": box.pk, "weight_1": "2.35", "items_1": items})
    shipment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/packing/{shipment.pk}/label/", {"service": shipment.service_id})
    package = shipment.packages.get()

    bought = client.get(f"/packing/{shipment.pk}/").content.decode()
    assert 'data-testid="shipment-status">Label bought</span>' in bought
    assert "Not printed yet" in bought

    client.get(f"/packing/packages/{package.pk}/label.pdf")
    package.refresh_from_db()
    printed_at = package.label_printed_at
    client.get(f"/packing/packages/{package.pk}/label.pdf")  # a reprint keeps the first print
    package.refresh_from_db()

    assert package.label_printed_by == packer
    assert package.label_printed_at == printed_at is not None
    page = client.get(f"/packing/{shipment.pk}/").content.decode()
    assert 'data-testid="shipment-status">Label printed</span>' in page
    assert f"by {packer.username}" in page
    assert order.events.filter(note__startswith="Label printed:").count() == 1


def test_the_client_sees_its_shipment_without_the_floors_internals(client, packer, order,
                                                                    django_capture_on_commit_callbacks):
    # Given a shipment with a refused scan (another client's barcode), rates and box costs
    client.force_login(packer)
    ProductFactory(sku="OTHER-CLIENT-SKU", barcode="777000777")
    client.post("/packing/", {"code": order.order_number})
    shipment = Shipment.objects.get(order=order)
    client.post(f"/packing/{shipment.pk}/scan/", {"barcode": "777000777"})
    shipment = _verified_shipment(client, order)
    box = order.warehouse.box_types.get(code="S")
    items = ",".join(f"{line.product_id}:{line.quantity}" for line in order.lines.all())
    client.post(f"/packing/{shipment.pk}/confirm/", {
        "package_count": 1, "box_1": box.pk, "weight_1": "2.35", "items_1": items})
    shipment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/packing/{shipment.pk}/label/", {"service": shipment.service_id})
    staff_page = client.get(f"/packing/{shipment.pk}/").content.decode()

    # When the client's user opens it
    client.force_login(make_user(Role.CLIENT, client=order.client))
    page = client.get(f"/packing/{shipment.pk}/").content.decode()

    # Then the tracking is there, the floor's internals are not (and they are for staff)
    assert shipment.packages.get().tracking_number in page
    for internal in ("Last scans", "777000777", "Rates compared", "boxes $", "Cheapest of", "Not printed yet",
                     'id="hand-over"'):
        assert internal in staff_page
        assert internal not in page


def test_the_manifest_form_starts_on_the_carrier_with_packages_waiting(client, manager):
    # Given carriers listed before it, and packages waiting only for UPS
    CarrierFactory(code="AAA", name="AAA Freight")
    CarrierFactory(code="DHL", name="DHL")
    order, shipment = shipped_order(packages=1)
    client.force_login(manager)

    page = client.get("/packing/manifests/").content.decode()

    ups = shipment.service.carrier
    assert f'<option value="{ups.pk}" selected>{ups.name}</option>' in page
    form = page[page.index('<select name="carrier"'):]  # past the header's language switcher
    assert form.count(" selected>") == 2  # the carrier and the warehouse
    assert f'<option value="{order.warehouse.pk}" selected>' in page


def test_the_last_unit_of_an_order_at_the_pack_station_plays_the_finished_sound(client, packer, order):
    client.force_login(packer)
    shipment = shipment_start(order=order, user=packer)
    units = [line.product.barcode for line in order.lines.select_related("product") for _ in range(line.quantity)]
    assert len(units) > 1  # (so that one scan is not already the last)
    pages = []
    for barcode in units:
        client.post(f"/packing/{shipment.pk}/scan/", {"barcode": barcode})
        pages.append(client.get(f"/packing/{shipment.pk}/").content.decode())

    assert 'data-feedback="done"' not in pages[0]
    assert 'data-feedback="done"' in pages[-1]
    assert 'data-feedback="done"' not in client.get(f"/packing/{shipment.pk}/").content.decode()  # once only
