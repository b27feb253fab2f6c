"""A manager sets up an EasyPost account, then buys the label of a shipment abroad through it and opens its
commercial invoice; the pages read at desk and phone widths."""

from decimal import Decimal

import pytest

from core.choices import Role
from orders.choices import ServiceLevel
from shipping.choices import ShipmentStatus
from shipping.models import Carrier, CarrierService, GatewayAccount, Shipment
from shipping.packing.services import pack_scan, shipment_pack, shipment_start
from shipping.rate_cards import rate_cards_load
from tests.factories import ClientFactory, ProductFactory, WarehouseFactory, make_user
from tests.fakes.easypost import FakeEasyPost
from tests.shipping.conftest import _light_rate_cards
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_packing import plan_inputs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
KEY = "EZTK_4f9c2a7d1e6b3058"


def _abroad_packed(warehouse):
    client = ClientFactory(code="MAPLE", name="Maple & Pine Outfitters")
    shirt = ProductFactory(client=client, sku="TEE-ORG-M", name="Organic cotton T-shirt, M", barcode="700000000011",
                           length_mm=200, width_mm=150, height_mm=30, weight_g=180, unit_value=Decimal("12.50"),
                           hs_code="6109.10", country_of_origin="PT", customs_value=Decimal("9.75"))
    mug = ProductFactory(client=client, sku="MUG-STONE", name="Stoneware camp mug", barcode="700000000028",
                         length_mm=120, width_mm=90, height_mm=100, weight_g=350, unit_value=Decimal("8.00"),
                         hs_code="6912.00", country_of_origin="CN")
    order = make_picked_order(warehouse=warehouse, client=client, lines=[(shirt, 2), (mug, 1)],
                              ship_name="Léa Tremblay", ship_country="CA", ship_state="ON", ship_city="Toronto",
                              ship_postal_code="M5V 2T6", ship_address1="290 Bremner Blvd",
                              customer_phone="+1 416 555 0199", requested_service_level=ServiceLevel.ECONOMY)
    shipment = shipment_start(order=order)
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            pack_scan(shipment=shipment, barcode=line.product.barcode)
    _, inputs = plan_inputs(order)
    return shipment_pack(shipment=shipment, packages=inputs)


def test_manager_sets_up_easypost_and_ships_abroad_with_a_commercial_invoice(browser, live_server, login,
                                                                             screenshot_dir):
    # Given the rate cards, a warehouse with a box, and USPS's international service known to EasyPost
    rate_cards_load(files=_light_rate_cards())
    warehouse = WarehouseFactory(code="SLC", name="Salt Lake City DC")
    BoxTypeFactory(warehouse=warehouse, code="S-10x8x6", name="Small", inner_length_mm=254, inner_width_mm=203,
                   inner_height_mm=152, tare_weight_g=180)
    usps = Carrier.objects.get(code="USPS")
    CarrierService.objects.create(carrier=usps, code="FCPI", name="USPS First-Class Package International",
                                  transit_days=10, dim_divisor=166, gateway_code="FirstClassPackageInternationalService")
    manager = make_user(Role.MANAGER)
    with FakeEasyPost(api_key=KEY) as easypost:
        desk = browser.new_context(viewport=DESK).new_page()
        login(desk, manager.username)

        # When the manager adds the warehouse's EasyPost account
        desk.goto(f"{live_server.url}/packing/gateway-accounts/")
        desk.fill("#id_name", "SLC EasyPost")
        desk.select_option("#id_warehouse", label=f"{warehouse.code} {warehouse.name}")
        desk.fill("#id_api_key", KEY)
        desk.fill("#id_webhook_secret", "whsec_demo_secret")
        desk.fill("#id_customs_signer", "Dana Whitaker, Shipping lead")
        desk.check(f"#id_carriers input[value='{usps.pk}']")
        desk.fill("#id_base_url", easypost.url)
        desk.click("#save-account")
        desk.wait_for_selector("#gateway-accounts")
        listing = desk.content()
        assert KEY not in listing
        assert "••••3058" in listing
        desk.screenshot(path=str(screenshot_dir / "gateway-accounts-1440.png"), full_page=True)
        phone = browser.new_context(viewport=PHONE).new_page()
        login(phone, manager.username)
        phone.goto(f"{live_server.url}/packing/gateway-accounts/")
        phone.screenshot(path=str(screenshot_dir / "gateway-accounts-390.png"), full_page=True)
        account = GatewayAccount.objects.get()
        assert account.api_key == KEY

        # and buys the label of a packed shipment to Canada
        shipment = _abroad_packed(warehouse)
        desk.goto(f"{live_server.url}/packing/{shipment.pk}/")
        assert "6109.10" in desk.locator("#customs").inner_text()
        desk.click("#buy-label")
        desk.wait_for_selector("#print-label-1")

        # Then EasyPost sold it, with the customs items, and the page links the commercial invoice
        shipment = Shipment.objects.get(pk=shipment.pk)
        assert shipment.status == ShipmentStatus.LABELLED
        assert shipment.packages.get().tracking_number == easypost.bought()[0]["tracking_code"]
        assert len(easypost.bought()[0]["customs_info"]["customs_items"]) == 2
        desk.screenshot(path=str(screenshot_dir / "shipment-customs-1440.png"), full_page=True)
        phone.goto(f"{live_server.url}/packing/{shipment.pk}/")
        phone.screenshot(path=str(screenshot_dir / "shipment-customs-390.png"), full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        invoice = desk.request.get(f"{live_server.url}/packing/{shipment.pk}/commercial-invoice.pdf")
        assert invoice.status == 200
        assert invoice.headers["content-type"] == "application/pdf"
        (screenshot_dir / "commercial-invoice.pdf").write_bytes(invoice.body())
