import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.choices import Role
from orders.choices import OrderStatus
from shipping.choices import PickListStatus
from shipping.models import PickList, Wave
from shipping.picking.release import pick_list_release_batch, pick_list_release_single
from shipping.picking.scan import pick_list_start
from shipping.picking.short import pick_list_line_short
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory, make_user
from tests.shipping.factories import allocated_order, make_floor

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor():
    return make_floor()


@pytest.fixture
def warehouse(floor):
    return floor["PACK-01"].warehouse


@pytest.fixture
def item(db):
    return ProductFactory(client=ClientFactory(), sku="PG-SKU", barcode="012345678905")


def test_pick_list_page_lists_open_lists_in_few_queries(client, manager, floor, warehouse, item,
                                                        django_assert_max_num_queries):
    client.force_login(manager)
    pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("shipping:pick_lists"))
    for n in range(2, 4):
        pick_list_release_single(order=allocated_order(warehouse, [(item, floor[f"A-01-0{n}-A"], 1)]))

    with django_assert_max_num_queries(len(one)):  # no query per row
        response = client.get(reverse("shipping:pick_lists"))

    assert response.status_code == 200
    assert response.content.decode().count("PL-TST-") >= 3
    assert "Release batch" in response.content.decode()


def test_pick_list_page_shows_no_release_forms_to_pickers(client, picker):
    client.force_login(picker)
    body = client.get(reverse("shipping:pick_lists")).content.decode()
    assert "Release wave" not in body
    assert "Scan a pick list barcode" in body


def test_client_users_cannot_open_picking(client, client_user_a):
    client.force_login(client_user_a)
    assert client.get(reverse("shipping:pick_lists")).status_code == 403


def test_picker_of_another_warehouse_gets_404(client, floor, warehouse, item):
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    elsewhere = make_user(Role.PICKER, warehouses=[WarehouseFactory(code="OTH")])
    client.force_login(elsewhere)
    assert client.get(reverse("shipping:detail", args=[pick_list.pk])).status_code == 404
    assert client.get(reverse("shipping:print", args=[pick_list.pk])).status_code == 404


def test_manager_releases_single_batch_and_wave_from_the_page(client, manager, floor, warehouse, item):
    single = allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)], order_number="S-1")
    for n in range(2, 5):
        allocated_order(warehouse, [(item, floor[f"A-01-0{n}-A"], 1)])
    client.force_login(manager)

    r1 = client.post(reverse("shipping:release"), {"kind": "single", "order_number": "S-1"})
    r2 = client.post(reverse("shipping:release"), {"kind": "batch", "warehouse": warehouse.pk, "cart_size": 2})
    r3 = client.post(reverse("shipping:release"), {"kind": "wave", "warehouse": warehouse.pk, "split": "zone"})

    assert r1.status_code == r2.status_code == r3.status_code == 302
    assert PickList.objects.filter(list_orders__order=single, kind="single").exists()
    assert PickList.objects.filter(kind="batch").get().list_orders.count() == 2
    wave = Wave.objects.get()
    assert r3.url == reverse("shipping:wave", args=[wave.pk])
    assert wave.pick_lists.count() == 1


def test_release_with_nothing_waiting_is_a_message_not_a_500(client, manager, warehouse):
    client.force_login(manager)
    response = client.post(reverse("shipping:release"), {"kind": "batch", "warehouse": warehouse.pk}, follow=True)
    assert response.status_code == 200
    assert "No allocated orders" in response.content.decode()
    response = client.post(reverse("shipping:release"), {"kind": "single", "order_number": ""}, follow=True)
    assert "Give the order number" in response.content.decode()


def test_print_page_has_no_navigation_and_a_barcode(client, picker, floor, warehouse, item):
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)]))
    client.force_login(picker)

    body = client.get(reverse("shipping:print", args=[pick_list.pk]) + "?paper=a4").content.decode()

    assert 'class="mainnav"' not in body
    assert "<svg" in body
    assert f"Barcode {pick_list.number}" in body
    assert "size: A4" in body
    assert "A-01-01-A" in body


def test_pdf_download_renders_and_stores_the_file(client, picker, floor, warehouse, item, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)]))
    client.force_login(picker)

    response = client.get(reverse("shipping:pdf", args=[pick_list.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    pick_list.refresh_from_db()
    assert pick_list.pdf.name.startswith("pick-lists/")


def test_scanner_refuses_a_wrong_location_loudly_and_accepts_the_right_one(client, picker, floor, warehouse, item):
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)])
    pick_list = pick_list_release_single(order=order)
    client.force_login(picker)
    client.post(reverse("shipping:start", args=[pick_list.pk]))
    url = reverse("shipping:scan", args=[pick_list.pk])

    wrong = client.post(url, {"code": "A-09-09-Z"}, HTTP_HX_REQUEST="true")
    right = client.post(url, {"code": "A-01-01-A"}, HTTP_HX_REQUEST="true")
    item_scan = client.post(url, {"code": item.barcode}, HTTP_HX_REQUEST="true")

    assert 'role="alert"' in wrong.content.decode()
    assert "WRONG LOCATION" in wrong.content.decode()
    assert "<html" not in wrong.content.decode()  # an htmx partial
    assert "Location OK" in right.content.decode()
    assert "Complete list" in item_scan.content.decode()
    done = client.post(reverse("shipping:complete", args=[pick_list.pk]))
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKED


def test_scanner_short_pick_form_reports_the_outcome(client, picker, floor, warehouse, item):
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)])
    pick_list = pick_list_start(pick_list=pick_list_release_single(order=order), user=picker)
    client.force_login(picker)

    response = client.post(reverse("shipping:short", args=[pick_list.pk]),
                           {"line": pick_list.lines.get().pk, "found": "0"})

    assert "Short pick recorded" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.BACKORDERED
    bad = client.post(reverse("shipping:short", args=[pick_list.pk]), {"line": "x"})
    assert bad.status_code == 200


def test_sort_page_shows_the_tote(client, picker, floor, warehouse, item):
    orders = [allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]) for _ in range(2)]
    pick_list = pick_list_start(pick_list=pick_list_release_batch(warehouse=warehouse, orders=orders), user=picker)
    client.force_login(picker)
    scan = reverse("shipping:scan", args=[pick_list.pk])
    for code in ["A-01-01-A", item.barcode, item.barcode]:
        client.post(scan, {"code": code})
    assert client.post(reverse("shipping:complete", args=[pick_list.pk])).url == reverse("shipping:sort",
                                                                                         args=[pick_list.pk])

    first = client.post(reverse("shipping:sort", args=[pick_list.pk]), {"code": item.barcode}).content.decode()
    client.post(reverse("shipping:sort", args=[pick_list.pk]), {"code": item.barcode})

    assert "TOTE 1" in first
    pick_list.refresh_from_db()
    assert pick_list.status == PickListStatus.COMPLETED


def test_sort_page_header_says_sorting_once(client, picker, floor, warehouse, item):
    orders = [allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]) for _ in range(2)]
    pick_list = pick_list_start(pick_list=pick_list_release_batch(warehouse=warehouse, orders=orders), user=picker)
    client.force_login(picker)
    scan = reverse("shipping:scan", args=[pick_list.pk])
    for code in ["A-01-01-A", item.barcode, item.barcode]:
        client.post(scan, {"code": code})
    client.post(reverse("shipping:complete", args=[pick_list.pk]))

    page = client.get(reverse("shipping:sort", args=[pick_list.pk])).content.decode()

    assert "<span>Sorting</span>" in page
    assert "Sorting · Sorting" not in page


def test_scanning_a_list_barcode_opens_it(client, picker, floor, warehouse, item):
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    client.force_login(picker)
    response = client.post(reverse("shipping:open"), {"code": pick_list.number.lower()})
    assert response.url == reverse("shipping:detail", args=[pick_list.pk])
    missing = client.post(reverse("shipping:open"), {"code": "PL-NOPE"}, follow=True)
    assert "No pick list PL-NOPE" in missing.content.decode()


def test_manager_sees_why_a_short_pick_stopped_an_order(client, manager, picker, floor, warehouse, item):
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)], order_number="SHORT-1")
    pick_list = pick_list_start(pick_list=pick_list_release_single(order=order), user=picker)
    pick_list_line_short(pick_list=pick_list, line_id=pick_list.lines.get().pk, user=picker)
    client.force_login(manager)

    body = client.get(reverse("shipping:pick_lists")).content.decode()

    assert "Short picks that stopped an order" in body
    assert "SHORT-1" in body
    assert "not found at A-01-01-A" in body


def test_admin_shows_pick_lists_read_only_and_short_pick_rules(client, floor, warehouse, item):
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    admin_user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-tests-123")
    client.force_login(admin_user)

    assert client.get(reverse("admin:shipping_picklist_changelist")).status_code == 200
    assert client.get(reverse("admin:shipping_picklist_change", args=[pick_list.pk])).status_code == 200
    assert client.get(reverse("admin:shipping_picklist_add")).status_code == 403
    assert client.get(reverse("admin:shipping_shortpickrule_add")).status_code == 200


def test_a_single_order_list_names_its_order_on_the_list_page_the_detail_and_the_print(client, picker, floor,
                                                                                       warehouse, item):
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)])
    pick_list = pick_list_release_single(order=order)
    client.force_login(picker)

    index = client.get(reverse("shipping:pick_lists")).content.decode()
    detail = client.get(reverse("shipping:detail", args=[pick_list.pk])).content.decode()
    printed = client.get(reverse("shipping:print", args=[pick_list.pk])).content.decode()

    assert f'<td class="num">{order.order_number}</td>' in index
    assert f"order <strong>{order.order_number}</strong>" in detail
    assert f"Order <strong>{order.order_number}</strong>" in printed


def test_one_unit_too_many_on_the_scanner_says_the_sku_is_complete(client, picker, floor, warehouse, item):
    other = ProductFactory(client=item.client, sku="PG-OTHER", barcode="012345678912")
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 1), (other, floor["A-02-01-A"], 1)])
    pick_list = pick_list_start(pick_list=pick_list_release_single(order=order), user=picker)
    client.force_login(picker)
    url = reverse("shipping:scan", args=[pick_list.pk])
    client.post(url, {"code": "A-01-01-A"}, HTTP_HX_REQUEST="true")
    client.post(url, {"code": item.barcode}, HTTP_HX_REQUEST="true")

    before_location = client.post(url, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()
    client.post(url, {"code": "A-02-01-A"}, HTTP_HX_REQUEST="true")
    after_location = client.post(url, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()

    for body in (before_location, after_location):
        assert "ALREADY COMPLETE" in body
        assert "PG-SKU" in body
        assert "NOT ON THIS LIST" not in body
    assert pick_list.lines.get(product=item).picked_quantity == 1


def test_one_unit_too_many_when_sorting_says_the_sku_is_complete(client, picker, floor, warehouse, item):
    other = ProductFactory(client=item.client, sku="PG-OTHER", barcode="012345678912")
    orders = [allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]),
              allocated_order(warehouse, [(other, floor["A-02-01-A"], 1)])]
    pick_list = pick_list_start(pick_list=pick_list_release_batch(warehouse=warehouse, orders=orders), user=picker)
    client.force_login(picker)
    scan = reverse("shipping:scan", args=[pick_list.pk])
    for code in ["A-01-01-A", item.barcode, "A-02-01-A", other.barcode]:
        client.post(scan, {"code": code})
    client.post(reverse("shipping:complete", args=[pick_list.pk]))
    sort = reverse("shipping:sort", args=[pick_list.pk])
    client.post(sort, {"code": item.barcode})

    extra = client.post(sort, {"code": item.barcode}).content.decode()
    stranger = client.post(sort, {"code": "NO-SUCH-THING"}).content.decode()

    assert "ALREADY COMPLETE" in extra
    assert "every PG-SKU on this list is sorted" in extra
    assert "NOT ON THIS LIST" in stranger


def test_the_last_unit_of_an_order_at_the_sorter_plays_the_finished_sound(client, picker, floor, warehouse, item):
    other = ProductFactory(client=item.client, sku="PG-OTHER", barcode="012345678912")
    orders = [allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)]),
              allocated_order(warehouse, [(other, floor["A-02-01-A"], 1)])]
    pick_list = pick_list_start(pick_list=pick_list_release_batch(warehouse=warehouse, orders=orders), user=picker)
    client.force_login(picker)
    scan = reverse("shipping:scan", args=[pick_list.pk])
    for code in ["A-01-01-A", item.barcode, item.barcode, "A-02-01-A", other.barcode]:
        client.post(scan, {"code": code})
    client.post(reverse("shipping:complete", args=[pick_list.pk]))
    sort = reverse("shipping:sort", args=[pick_list.pk])

    first = client.post(sort, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()
    last = client.post(sort, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()

    assert 'data-feedback="ok"' in first
    assert 'data-feedback="done"' in last


def test_the_last_unit_of_a_list_plays_the_finished_sound_not_the_scan_beep(client, picker, floor, warehouse, item):
    order = allocated_order(warehouse, [(item, floor["A-01-01-A"], 2)])
    pick_list = pick_list_start(pick_list=pick_list_release_single(order=order), user=picker)
    client.force_login(picker)
    url = reverse("shipping:scan", args=[pick_list.pk])
    client.post(url, {"code": "A-01-01-A"}, HTTP_HX_REQUEST="true")

    first = client.post(url, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()
    last = client.post(url, {"code": item.barcode}, HTTP_HX_REQUEST="true").content.decode()

    assert 'data-feedback="ok"' in first
    assert 'data-feedback="done"' in last
