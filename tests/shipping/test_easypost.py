"""EasyPost as a rate and label source, against the local fake EasyPost (tests/fakes/easypost.py)."""

import hashlib
import hmac
import io
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from core.choices import JobState, Role
from core.models import Job
from inventory.models import Product
from orders.choices import ServiceLevel
from orders.models import Order
from shipping.carriers import adapter_for, gateway_account_for
from shipping.carriers.easypost import EasyPostAdapter, webhook_signature
from shipping.choices import ShipmentStatus, TrackingStatus
from shipping.documents import commercial_invoice_pdf
from shipping.exceptions import CarrierError, LabelQueued, PackingError
from shipping.models import Carrier, CarrierService, PackageTracking, TrackingEvent
from shipping.packing.services import (
    pack_plan,
    shipment_label,
    shipment_label_void,
    shipment_pack,
    shipment_start,
)
from shipping.task_names import SHIPMENT_LABEL_TASK
from tests.conftest import api_client_for, run_due_work
from tests.factories import ClientFactory, ProductFactory, make_user
from tests.fakes.easypost import FakeEasyPost, tracker_event
from tests.fakes.easypost import webhook_signature as fake_signature
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory, GatewayAccountFactory
from tests.shipping.test_packing import packed_shipment, plan_inputs, scan_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def easypost():
    with FakeEasyPost() as fake:
        yield fake


def _order(**fields):
    order = make_picked_order(**fields)
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150, tare_weight_g=150)
    return order


@pytest.fixture
def order(rate_cards):
    return _order()


@pytest.fixture
def account(easypost, order):
    account = GatewayAccountFactory(warehouse=order.warehouse, base_url=easypost.url)
    account.carriers.set(Carrier.objects.filter(code__in=["USPS", "UPS"]))
    return account


def _service(carrier: str, code: str) -> CarrierService:
    return CarrierService.objects.get(carrier__code=carrier, code=code)


# --- rates ---------------------------------------------------------------------------------------------

def test_covered_carriers_are_rated_by_easypost_and_the_others_by_their_rate_cards(order, account, easypost):
    shipment = shipment_start(order=order)
    scan_everything(shipment, order)
    _, inputs = plan_inputs(order)
    cache.clear()  # rated again later: the plan's rates have expired
    rated_before = len(easypost.creations())

    shipment = shipment_pack(shipment=shipment, packages=inputs)

    quotes = {(q.service.carrier.code, q.service.code): q for q in shipment.rate_quotes.select_related(
        "service__carrier")}
    assert quotes[("USPS", "GA")].shipping_cost == Decimal("6.07")
    assert quotes[("UPS", "GND")].shipping_cost == Decimal("9.87")
    assert quotes[("FEDEX", "GND")].shipping_cost not in (Decimal("6.07"), Decimal("9.87"), Decimal("0"))
    assert shipment.service == _service("USPS", "GA")
    # one EasyPost shipment per package answers for every covered carrier
    creates = easypost.creations()[rated_before:]
    assert len(creates) == 1
    assert creates[0].headers["Authorization"] == "Bearer EZTK_fake_key"
    sent = creates[0].json["shipment"]
    assert sent["to_address"]["zip"] == order.ship_postal_code
    assert sent["from_address"]["zip"] == order.warehouse.postal_code
    assert sent["parcel"]["weight"] > 0
    assert "customs_info" not in sent


def test_the_pack_page_rates_the_same_parcels_once_in_a_while(order, account, easypost):
    pack_plan(order=order)
    rated = len(easypost.creations())

    pack_plan(order=order)

    assert rated >= 1
    assert len(easypost.creations()) == rated


def test_the_clients_own_account_is_chosen_before_the_warehouses(order, account, easypost):
    usps = Carrier.objects.get(code="USPS")
    own = GatewayAccountFactory(warehouse=None, client=order.client, base_url=easypost.url, api_key="EZTK_client")
    own.carriers.set([usps])

    assert gateway_account_for(carrier=usps, client_id=order.client_id, warehouse_id=order.warehouse_id) == own
    assert gateway_account_for(carrier=Carrier.objects.get(code="UPS"), client_id=order.client_id,
                               warehouse_id=order.warehouse_id) == account
    assert gateway_account_for(carrier=Carrier.objects.get(code="FEDEX"), client_id=order.client_id,
                               warehouse_id=order.warehouse_id) is None
    assert isinstance(adapter_for(usps, order=order), EasyPostAdapter)
    assert not isinstance(adapter_for(Carrier.objects.get(code="FEDEX"), order=order), EasyPostAdapter)


def test_easypost_down_while_rating_leaves_its_carriers_not_serviceable_with_the_reason(order, account, easypost):
    shipment = shipment_start(order=order)
    scan_everything(shipment, order)
    _, inputs = plan_inputs(order)
    cache.clear()
    easypost.fail_next(503, path_contains="/v2/shipments")

    shipment = shipment_pack(shipment=shipment, packages=inputs)

    usps = shipment.rate_quotes.get(service=_service("USPS", "GA"))
    assert not usps.eligible
    assert "EasyPost is unavailable (503)" in usps.note
    assert shipment.service.carrier.code not in ("USPS", "UPS")


# --- buying, errors and retries -----------------------------------------------------------------------

def test_label_is_bought_with_the_services_rate(order, account, easypost, django_capture_on_commit_callbacks):
    shipment = packed_shipment(order)

    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_label(shipment=shipment)

    package = shipment.packages.get()
    gateway = easypost.shipments[package.gateway_shipment_id]
    assert shipment.status == ShipmentStatus.LABELLED
    assert package.tracking_number == gateway["tracking_code"]
    assert package.gateway_label_url.endswith(".pdf")
    assert package.gateway_account == account
    assert package.price == Decimal("6.07")
    assert shipment.shipping_cost == Decimal("6.07")
    buy = easypost.requests_to("POST", "/buy")
    assert len(buy) == 1
    assert gateway["selected_rate"]["service"] == "GroundAdvantage"
    assert buy[0].json == {"rate": {"id": gateway["selected_rate"]["id"]}}
    assert package.label_pdf  # Dockhand's own label was rendered after commit


def test_a_refusal_carries_easypost_message_and_queues_nothing(order, account, easypost):
    shipment = packed_shipment(order)
    easypost.fail_next(402, path_contains="/buy", code="PAYMENT.INSUFFICIENT_FUNDS",
                       message="Insufficient funds. Please add funds to your account.")

    with pytest.raises(CarrierError, match="Insufficient funds") as refused:
        shipment_label(shipment=shipment)

    assert refused.value.status_code == 400
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    assert not Job.objects.filter(task=SHIPMENT_LABEL_TASK).exists()


def test_a_refusal_on_the_page_is_a_message(order, account, easypost, packer, client):
    shipment = packed_shipment(order)
    easypost.fail_next(422, path_contains="/buy", code="SHIPMENT.POSTAGE.FAILURE",
                       message="Unable to purchase postage.", errors=[{"field": "to_address", "message": "is invalid"}])
    client.force_login(packer)

    response = client.post(reverse("packing:label", args=[shipment.pk]), follow=True)

    assert response.status_code == 200
    assert "Unable to purchase postage: to_address is invalid." in response.content.decode()


def test_a_5xx_is_retried_by_durable_work_and_the_label_bought_once(order, account, easypost):
    shipment = packed_shipment(order)
    rated = len(easypost.creations())
    easypost.fail_next(500, path_contains="/buy")

    with pytest.raises(LabelQueued, match="EasyPost is unavailable"):
        shipment_label(shipment=shipment)

    job = Job.objects.get(task=SHIPMENT_LABEL_TASK, object_id=shipment.pk)
    assert job.state == JobState.PENDING
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    assert "bought automatically" in shipment.label_error
    assert run_due_work() >= 1
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABELLED
    assert shipment.label_error == ""
    assert len(easypost.bought()) == 1
    assert len(easypost.creations()) == rated + 1  # the label's own shipment, once


def test_without_a_broker_the_retry_runs_right_after_commit(order, account, easypost, django_capture_on_commit_callbacks):
    shipment = packed_shipment(order)
    easypost.fail_next(502, path_contains="/buy")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(LabelQueued):
        shipment_label(shipment=shipment)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABELLED
    assert len(easypost.requests_to("POST", "/buy")) == 2
    assert len(easypost.bought()) == 1


def test_a_purchase_whose_answer_was_lost_is_not_bought_again(order, account, easypost, settings):
    settings.DOCKHAND_EASYPOST_TIMEOUT = (1.0, 0.3)
    shipment = packed_shipment(order)
    easypost.hang_next(path_contains="/buy")

    with pytest.raises(LabelQueued, match="did not answer in time"):
        shipment_label(shipment=shipment)
    assert len(easypost.bought()) == 1  # EasyPost bought it; Dockhand never heard

    run_due_work()

    shipment.refresh_from_db()
    package = shipment.packages.get()
    assert shipment.status == ShipmentStatus.LABELLED
    assert package.tracking_number == easypost.bought()[0]["tracking_code"]
    assert len(easypost.requests_to("POST", "/buy")) == 1
    assert easypost.requests_to("GET", f"/v2/shipments/{package.gateway_shipment_id}")


def test_a_queued_purchase_easypost_then_refuses_is_recorded_on_the_shipment(order, account, easypost):
    shipment = packed_shipment(order)
    easypost.fail_next(500, path_contains="/buy")
    with pytest.raises(LabelQueued):
        shipment_label(shipment=shipment)
    easypost.fail_next(422, path_contains="/buy", message="Carrier account suspended.")

    run_due_work()

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    assert "Carrier account suspended" in shipment.label_error
    assert not Job.objects.filter(task=SHIPMENT_LABEL_TASK).exists()


def test_voiding_refunds_the_postage_and_a_new_label_is_a_new_purchase(order, account, easypost, packer):
    shipment = shipment_label(shipment=packed_shipment(order))
    first = shipment.packages.get().gateway_shipment_id
    packed_at = shipment.packed_at

    shipment = shipment_label_void(shipment=shipment, user=packer, reason="wrong address")

    assert shipment.status == ShipmentStatus.PACKED
    assert shipment.packed_at == packed_at
    assert shipment.labelled_at is None
    assert easypost.shipments[first]["refund_status"] == "submitted"
    package = shipment.packages.get()
    assert package.tracking_number == ""
    assert package.gateway_shipment_id == ""
    shipment = shipment_label(shipment=shipment)
    assert shipment.packages.get().gateway_shipment_id != first
    assert len(easypost.bought()) == 2


def test_a_refused_refund_keeps_the_label(order, account, easypost):
    shipment = shipment_label(shipment=packed_shipment(order))
    easypost.fail_next(422, path_contains="/refund", code="SHIPMENT.REFUND.INVALID", message="Too late to refund.")

    with pytest.raises(CarrierError, match="Too late to refund"):
        shipment_label_void(shipment=shipment)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABELLED
    assert shipment.packages.get().tracking_number


# --- tracking webhook ----------------------------------------------------------------------------------

def _post_event(client, account, event, *, secret=None, header=None):
    body = json.dumps(event).encode()
    signature = header if header is not None else fake_signature(body, secret or account.webhook_secret)
    return client.post(reverse("tracking:easypost_webhook", args=[account.pk]), data=body,
                       content_type="application/json", HTTP_X_HMAC_SIGNATURE=signature)


@pytest.fixture
def shipped_package(order, account, easypost, packer, django_capture_on_commit_callbacks):
    from shipping.packing.services import shipment_ship  # noqa: PLC0415 - only these tests hand over

    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_label(shipment=packed_shipment(order))
        shipment_ship(shipment=shipment, user=packer)
    return shipment.packages.get()


def test_signature_matches_the_official_sdks_scheme():
    body = b'{"object": "Event"}'
    # validate_webhook in easypost-python: "hmac-sha256-hex=" + hex HMAC-SHA256 of the body keyed with the
    # NFKD-normalised secret; the vector was computed with Python's hmac module outside Dockhand.
    assert webhook_signature(body, "k") == (
        "hmac-sha256-hex=" + hmac.new(b"k", body, hashlib.sha256).hexdigest())
    # a composed "é" and its decomposed form sign alike
    assert webhook_signature(body, "s\u00e9cret") == webhook_signature(body, "se\u0301cret")


def test_tracking_events_are_mapped_recorded_once_and_deliver_the_order(client, account, shipped_package):
    number = shipped_package.tracking_number
    event = tracker_event(number, [
        ("pre_transit", "2026-12-01T15:00:00Z", "Shipping Label Created", "SALT LAKE CITY"),
        ("in_transit", "2026-12-02T03:10:00Z", "Arrived at USPS Regional Facility", "DENVER"),
        ("out_for_delivery", "2026-12-03T13:00:00Z", "Out for Delivery", "COLUMBIA"),
        ("delivered", "2026-12-03T18:45:00Z", "Delivered, In/At Mailbox", "COLUMBIA"),
    ])

    first = _post_event(client, account, event)
    again = _post_event(client, account, event)

    assert first.status_code == 200
    assert first.json()["recorded"] == 4
    assert again.status_code == 200
    assert again.json() == {"recorded": 0, "duplicates": 4, "ignored": 0}
    assert list(TrackingEvent.objects.filter(package=shipped_package).values_list("status", flat=True)) == [
        TrackingStatus.LABEL_CREATED, TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERED]
    assert PackageTracking.objects.get(package=shipped_package).status == TrackingStatus.DELIVERED
    shipped_package.shipment.order.refresh_from_db()
    assert shipped_package.shipment.order.status == "delivered"


def test_a_failure_becomes_an_exception_for_a_manager(client, account, shipped_package):
    event = tracker_event(shipped_package.tracking_number, [
        ("failure", "2026-12-02T10:00:00Z", "Address not found; returning", "COLUMBIA")])

    assert _post_event(client, account, event).status_code == 200

    state = PackageTracking.objects.get(package=shipped_package)
    assert state.status == TrackingStatus.EXCEPTION
    assert "Address not found" in state.exception_reason


@pytest.mark.parametrize("header", ["", "hmac-sha256-hex=00", "sha256=whatever"])
def test_a_bad_or_missing_signature_is_refused_and_records_nothing(client, account, shipped_package, header):
    event = tracker_event(shipped_package.tracking_number, [("delivered", "2026-12-03T18:45:00Z", "Delivered", "")])

    response = _post_event(client, account, event, header=header)

    assert response.status_code == 401
    assert not TrackingEvent.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(client, account, shipped_package):
    event = tracker_event(shipped_package.tracking_number, [("delivered", "2026-12-03T18:45:00Z", "Delivered", "")])

    assert _post_event(client, account, event, secret="someone-elses").status_code == 401


def test_events_that_are_not_trackers_are_acknowledged_and_ignored(client, account):
    event = {"object": "Event", "id": "evt_2", "description": "batch.updated", "result": {"object": "Batch"}}

    response = _post_event(client, account, event)

    assert response.status_code == 200
    assert response.json()["ignored"] == 1


# --- international ---------------------------------------------------------------------------------------

@pytest.fixture
def abroad(rate_cards, easypost):
    client = ClientFactory(code="MAPLE")
    shirt = ProductFactory(client=client, sku="TEE-1", name="Cotton T-shirt", barcode="700000000011",
                           length_mm=200, width_mm=150, height_mm=30, weight_g=180, unit_value=Decimal("12.50"),
                           hs_code="6109.10", country_of_origin="PT", customs_value=Decimal("9.75"))
    mug = ProductFactory(client=client, sku="MUG-1", name="Stoneware mug", barcode="700000000028",
                         length_mm=120, width_mm=90, height_mm=100, weight_g=350, unit_value=Decimal("8.00"),
                         hs_code="691200", country_of_origin="CN")
    order = _order(client=client, lines=[(shirt, 2), (mug, 1)], ship_country="CA", ship_state="ON",
                   ship_city="Toronto", ship_postal_code="M5V 2T6", ship_address1="290 Bremner Blvd",
                   requested_service_level=ServiceLevel.ECONOMY)
    usps = Carrier.objects.get(code="USPS")
    CarrierService.objects.create(carrier=usps, code="FCPI", name="USPS First-Class Package International",
                                  transit_days=10, dim_divisor=166, gateway_code="FirstClassPackageInternationalService")
    account = GatewayAccountFactory(warehouse=order.warehouse, base_url=easypost.url)
    account.carriers.set([usps])
    return order


def test_a_shipment_abroad_sends_customs_items_and_has_a_commercial_invoice(abroad, easypost):
    shipment = shipment_label(shipment=packed_shipment(abroad))

    assert shipment.service.code == "FCPI"
    assert shipment.status == ShipmentStatus.LABELLED
    customs = easypost.creations()[-1].json["shipment"]["customs_info"]
    assert customs["customs_certify"] is True
    assert customs["customs_signer"] == "Dana Export"
    items = {i["code"]: i for i in customs["customs_items"]}
    assert items["TEE-1"] == {"description": "Cotton T-shirt", "quantity": 2, "value": "19.50", "currency": "USD",
                              "weight": 12.7, "hs_tariff_number": "610910", "origin_country": "PT", "code": "TEE-1"}
    assert items["MUG-1"]["value"] == "8.00"
    assert items["MUG-1"]["origin_country"] == "CN"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(
        commercial_invoice_pdf(shipment))).pages)
    assert "COMMERCIAL INVOICE" in text
    assert "6109.10" in text
    assert "691200" in text
    assert "27.50 USD" in text
    assert shipment.packages.get().tracking_number in "".join(text.split())  # a long number wraps in its box


def test_missing_customs_data_stops_the_label_with_the_product_named(abroad, easypost):
    shipment = packed_shipment(abroad)
    Product.objects.filter(sku="MUG-1").update(hs_code="")

    with pytest.raises(PackingError, match="MUG-1 has no HS code"):
        shipment_label(shipment=shipment)


def test_a_domestic_shipment_has_no_commercial_invoice(order, packer, client):
    shipment = packed_shipment(order)
    client.force_login(packer)

    assert client.get(reverse("packing:commercial_invoice", args=[shipment.pk])).status_code == 404


def test_the_api_links_the_commercial_invoice_of_a_shipment_abroad_only(abroad):
    shipment = packed_shipment(abroad)
    api = api_client_for(make_user(Role.MANAGER, is_staff=True))

    def invoice_links(shipment):
        documents = api.get(f"/api/v1/shipments/{shipment.pk}/").json()["documents"]
        return [d["url"] for d in documents if d["kind"] == "commercial_invoice"]

    (link,) = invoice_links(shipment)
    fetched = api.get(link)
    Order.objects.filter(pk=abroad.pk).update(ship_country="US")  # the same parcel, staying at home

    assert link.startswith("http://testserver/")
    assert fetched.status_code == 200
    assert b"".join(fetched.streaming_content if fetched.streaming else [fetched.content])[:4] == b"%PDF"
    assert invoice_links(shipment) == []


def test_the_shipment_page_shows_customs_and_links_the_invoice(abroad, packer, client):
    shipment = packed_shipment(abroad)
    client.force_login(packer)

    page = client.get(reverse("packing:shipment", args=[shipment.pk])).content.decode()
    pdf = client.get(reverse("packing:commercial_invoice", args=[shipment.pk]))

    assert "6109.10" in page
    assert reverse("packing:commercial_invoice", args=[shipment.pk]) in page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


# --- the accounts page ---------------------------------------------------------------------------------------

def test_the_accounts_page_never_shows_the_key_and_keeps_it_when_left_empty(order, account, manager, client):
    account.api_key = "EZAK_live_4f9c2a7d1e6b3058"
    account.save()
    client.force_login(manager)

    listing = client.get(reverse("packing:gateway_accounts")).content.decode()
    edit_url = reverse("packing:gateway_account", args=[account.pk])
    form = client.get(edit_url).content.decode()
    response = client.post(edit_url, {"name": "Renamed", "warehouse": order.warehouse.pk, "api_key": "",
                                      "webhook_secret": "", "carriers": list(account.carriers.values_list(
                                          "pk", flat=True)), "base_url": account.base_url, "is_active": "on"})

    assert "EZAK_live_4f9c2a7d1e6b3058" not in listing + form
    assert "••••3058" in listing
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Renamed"
    assert account.api_key == "EZAK_live_4f9c2a7d1e6b3058"
    assert account.webhook_secret == "whsec_fake_secret"


def test_a_new_account_needs_a_key_and_one_owner(order, manager, client):
    client.force_login(manager)

    response = client.post(reverse("packing:gateway_accounts"), {
        "name": "Mine", "client": order.client_id, "warehouse": order.warehouse.pk, "api_key": "",
        "carriers": [Carrier.objects.get(code="USPS").pk], "base_url": "https://api.easypost.com"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose either a client or a warehouse." in page
    assert "Give the account" in page
