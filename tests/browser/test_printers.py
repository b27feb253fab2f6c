"""A manager registers a station's label printer; a packer's label goes straight to it, and the pack page
reprints it."""

import pytest

from core.choices import Role
from shipping.choices import PrintJobStatus
from shipping.models import Printer, PrintJob
from shipping.packing.services import shipment_label
from shipping.rate_cards import rate_cards_load
from tests.factories import WarehouseFactory, make_user
from tests.shipping.conftest import _light_rate_cards
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_packing import packed_shipment
from tests.shipping.test_printing import FakePrinter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_registers_a_label_printer_and_the_packer_reprints(page, live_server, login, screenshot_dir):
    # Given a warehouse, a printer standing by on a local port, and a manager
    rate_cards_load(files=_light_rate_cards())
    warehouse = WarehouseFactory(code="SLC")
    fake = FakePrinter()
    try:
        manager = make_user(Role.MANAGER)
        login(page, manager.username)

        # When the manager adds station PACK-01 and its label printer
        page.goto(f"{live_server.url}/packing/printers/")
        page.select_option("select[name=warehouse]", str(warehouse.pk))
        page.fill("input[name=code]", "PACK-01")
        page.fill("input[name=name]", "Bench by the door")
        page.click("text=Add station")
        page.wait_for_load_state("networkidle")
        form = page.locator("#printer-form")
        form.locator("select[name=station]").select_option(label="SLC PACK-01")
        form.locator("select[name=purpose]").select_option("label")
        form.locator("select[name=connection]").select_option("raw_tcp")
        form.locator("input[name=name]").fill("Zebra ZD421")
        form.locator("input[name=host]").fill("127.0.0.1")
        form.locator("input[name=port]").fill(str(fake.port))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        printer = Printer.objects.get()
        assert (printer.host, printer.port) == ("127.0.0.1", fake.port)
        assert f"127.0.0.1:{fake.port}" in page.get_by_test_id("stations").inner_text()

        # and a label is bought for an order packed at that station (the print runs after commit)
        order = make_picked_order(warehouse=warehouse, ship_name="Mia Chen", ship_city="Seattle",
                                  ship_state="WA", ship_postal_code="98101")
        BoxTypeFactory(warehouse=warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                       inner_height_mm=150)
        shipment = packed_shipment(order)
        shipment.station = "PACK-01"
        shipment.save(update_fields=["station"])
        shipment_label(shipment=shipment)
        job = PrintJob.objects.get()
        job.refresh_from_db()
        assert job.status == PrintJobStatus.PRINTED
        assert len(fake.received) == 1
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}/packing/printers/")
            page.screenshot(path=str(screenshot_dir / f"printers-{width}.png"), full_page=True)

        # Then the packer sees the print job on the pack page and reprints the label
        packer = make_user(Role.PACKER, warehouses=[warehouse])
        page.context.clear_cookies()
        login(page, packer.username)
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{live_server.url}/packing/{shipment.pk}/")
        assert "Sent to the printer" in page.get_by_test_id("print-jobs").inner_text()
        page.click("#reprint-1")
        page.wait_for_load_state("networkidle")
        assert PrintJob.objects.filter(status=PrintJobStatus.PRINTED).count() == 2
        assert fake.received[0] == fake.received[1]
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}/packing/{shipment.pk}/")
            page.screenshot(path=str(screenshot_dir / f"pack-page-reprint-{width}.png"), full_page=True)
    finally:
        fake.close()
