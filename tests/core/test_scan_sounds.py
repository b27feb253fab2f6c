"""Every scanning page loads the scanner's sounds (static/js/scanner.js), the script knows a finished sound, and
the returns desk, receiving and counts mark their last scan as finished."""

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.urls import reverse

from core.choices import Role
from inventory.control.counting import cycle_count_create
from inventory.control.receiving import inbound_create
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.inventory.stock_helpers import receive
from tests.returns.factories import make_setup, open_return

SCANNING_PAGES = [
    "shipping/scanner.html", "shipping/sorter.html", "shipping/packing/pack_shipment.html",
    "returns/receive_scan.html", "returns/receive.html",
    "inventory/control/inbound_detail.html", "inventory/control/count_detail.html",
]


@pytest.mark.parametrize("template", SCANNING_PAGES)
def test_every_scanning_page_loads_the_scanner_sounds(template):
    source = get_template(template).template.source
    assert "{% static 'js/scanner.js' %}" in source


def test_the_scanner_script_has_a_refusal_and_a_finished_sound():
    script = open(finders.find("js/scanner.js"), encoding="utf-8").read()
    assert '"error"' in script
    assert '"done"' in script
    assert "navigator.vibrate" in script


# --- The finished chime on the returns desk, receiving and counts: the last scan is announced as done -------------

DONE = 'data-feedback="done"'


@pytest.mark.django_db
def test_the_last_item_of_a_return_at_the_desk_is_announced_as_finished(client):
    setup = make_setup(quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[0], 2, "too_small")])
    client.force_login(make_user(Role.PICKER))
    client.post(reverse("returns:receive_start", kwargs={"pk": rma.pk}))
    url = reverse("returns:receive", kwargs={"pk": rma.pk})
    scan = {"barcode": setup.lines[0].product.barcode, "quantity": 1, "disposition": "restock",
            "location": setup.pick.pk}

    first = client.post(url, scan, follow=True).content.decode()
    last = client.post(url, scan, follow=True).content.decode()

    assert "message-success" in first
    assert DONE not in first
    assert DONE in last
    assert "every item is in: finish the inspection" in last


@pytest.mark.django_db
def test_the_last_expected_unit_of_an_asn_is_announced_as_finished(client):
    merchant, warehouse = ClientFactory(), WarehouseFactory(code="SLC")
    LocationFactory(warehouse=warehouse, zone="A", code="A-01-01-A")
    ProductFactory(client=merchant, sku="BOOT-1")
    ProductFactory(client=merchant, sku="SOCK-1")
    asn = inbound_create(client=merchant, warehouse=warehouse, reference="PO-5",
                         lines=[{"sku": "BOOT-1", "quantity": 2}, {"sku": "SOCK-1", "quantity": 1}])
    client.force_login(make_user(Role.MANAGER))
    url = reverse("inventory:inbound_detail", args=[asn.pk])

    boots = client.post(url, {"code": "BOOT-1", "quantity": "2"}, follow=True).content.decode()
    socks = client.post(url, {"code": "SOCK-1", "quantity": "1", "damaged": "on"}, follow=True).content.decode()

    assert "message-success" in boots
    assert DONE not in boots
    assert DONE in socks  # a damaged unit is accounted for too: nothing more is expected
    assert "Every expected unit is in: close the ASN." in socks


@pytest.mark.django_db
def test_the_last_bin_of_a_count_is_announced_as_finished(client):
    warehouse = WarehouseFactory(code="SLC")
    bins = [LocationFactory(warehouse=warehouse, code=f"A-0{i}") for i in range(2)]
    for i, location in enumerate(bins):
        receive(ProductFactory(sku=f"C-{i}"), location, 20)
    count = cycle_count_create(warehouse=warehouse, location_ids=[b.pk for b in bins])
    client.force_login(make_user(Role.PICKER))
    url = reverse("inventory:count_detail", args=[count.pk])
    first, second = count.lines.order_by("pk")

    one = client.post(url, {"line": first.pk, "counted": "20"}, follow=True).content.decode()
    both = client.post(url, {"line": second.pk, "counted": "19"}, follow=True).content.decode()

    assert "recorded" in one
    assert DONE not in one
    assert DONE in both
    assert "Every bin is counted: submit the count." in both
