"""Billing pages and API: what managers do, what client users see (their own finalised invoices only)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.choices import EventKind, InvoiceStatus
from billing.models import BillableEvent, Invoice, PriceList
from billing.services import invoice_draft, invoice_finalise
from core.choices import Role
from tests.billing.factories import event, price_list
from tests.conftest import api_client_for
from tests.factories import make_user
from tests.shipping.packing_factories import CarrierFactory

pytestmark = pytest.mark.django_db

MARCH = {"period_start": datetime.date(2026, 3, 1), "period_end": datetime.date(2026, 3, 31)}


@pytest.fixture
def two_clients(client_a, client_b):
    """Alpha and Beta each with a price list, an order shipped in March and a finalised March invoice; Alpha
    also has a draft for April."""
    invoices = {}
    for merchant in (client_a, client_b):
        price_list(merchant, datetime.date(2026, 1, 1))
        event(merchant, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 3), units=2, skus=1, boxes=1,
              note=f"Order of {merchant.code}")
        invoices[merchant.code] = invoice_finalise(invoice=invoice_draft(client=merchant, **MARCH))
    invoices["draft"] = invoice_draft(client=client_a, period_start=datetime.date(2026, 4, 1))
    return invoices


def test_a_client_user_sees_only_its_own_finalised_invoices_on_pages_and_api(two_clients, client_user_a, client):
    mine, theirs, draft = two_clients["ALPHA"], two_clients["BETA"], two_clients["draft"]
    client.force_login(client_user_a)

    listing = client.get(reverse("billing:invoices"))
    assert mine.number in listing.content.decode()
    assert theirs.number not in listing.content.decode()
    assert client.get(reverse("billing:invoice", args=[mine.pk])).status_code == 200
    for other in (theirs, draft):
        assert client.get(reverse("billing:invoice", args=[other.pk])).status_code == 404
        assert client.get(reverse("billing:invoice_pdf", args=[other.pk])).status_code == 404
        assert client.get(reverse("billing:invoice_csv", args=[other.pk])).status_code == 404
    assert "Order of BETA" not in client.get(reverse("billing:invoice_csv", args=[mine.pk])).content.decode()

    api = api_client_for(client_user_a)
    assert [row["number"] for row in api.get("/api/v1/invoices/").json()["results"]] == [mine.number]
    assert api.get(f"/api/v1/invoices/{theirs.pk}/").status_code == 404
    events = api.get("/api/v1/billable-events/", {"client": theirs.client_id}).json()["results"]
    assert events == []
    assert {row["client"] for row in api.get("/api/v1/billable-events/").json()["results"]} == {mine.client_id}
    assert {row["client"] for row in api.get("/api/v1/price-lists/").json()["results"]} == {mine.client_id}
    assert api.post("/api/v1/invoices/draft/", {"client": mine.client_id}, format="json").status_code == 403
    assert api.post(f"/api/v1/invoices/{mine.pk}/finalise/", format="json").status_code == 403


def test_the_month_so_far_of_a_client_user_is_its_own(two_clients, client_user_a, client_b, client):
    today = timezone.localdate()
    event(client_b, EventKind.ORDER_SHIPPED, today, units=1, skus=1, boxes=1)
    client.force_login(client_user_a)

    page = client.get(reverse("billing:estimate"), {"client": client_b.pk}).content.decode()

    assert "Alpha Goods" in page
    assert "Beta Supplies" not in page


def test_floor_staff_have_no_billing_pages(two_clients, picker, client):
    client.force_login(picker)
    assert client.get(reverse("billing:invoices")).status_code == 403
    assert api_client_for(picker).get("/api/v1/invoices/").status_code == 403


def test_a_manager_drafts_rebuilds_and_finalises_through_the_api_with_token_links(two_clients, manager, client_a):
    api = api_client_for(manager)
    event(client_a, EventKind.ORDER_SHIPPED, datetime.date(2026, 5, 4), units=1, skus=1, boxes=1)

    drafted = api.post("/api/v1/invoices/draft/", {"client": client_a.pk, "period_start": "2026-05-01"}, format="json")
    assert drafted.status_code == 201, drafted.content
    body = drafted.json()
    assert body["status"] == "draft"
    assert body["period_end"] == "2026-05-31"
    assert Decimal(body["total"]) == Decimal("100.00")  # 2.50 for the order, topped up to the minimum
    assert body["lines"][0]["events"]
    rebuilt = api.post(f"/api/v1/invoices/{body['id']}/rebuild/", format="json").json()
    assert rebuilt["lines"] == body["lines"]

    final = api.post(f"/api/v1/invoices/{body['id']}/finalise/", format="json")
    assert final.status_code == 200
    assert final.json()["number"] == "INV-000003"
    assert api.post(f"/api/v1/invoices/{body['id']}/finalise/", format="json").status_code == 409
    assert api.post(f"/api/v1/invoices/{body['id']}/rebuild/", format="json").status_code == 409

    pdf = api.get(final.json()["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    csv_text = api.get(final.json()["csv_url"]).content.decode()
    assert csv_text.splitlines()[0].startswith("line,line_description,line_amount,event_id")
    assert len(csv_text.splitlines()) == 2  # one event behind the order line


def test_bad_input_is_a_400_with_the_field(two_clients, manager, client_a):
    api = api_client_for(manager)

    overlapping = api.post("/api/v1/invoices/draft/", {"client": client_a.pk, "period_start": "2026-03-15"}, format="json")
    backwards = api.post("/api/v1/invoices/draft/", {"client": client_a.pk, "period_start": "2026-06-10",
                                                      "period_end": "2026-06-01"}, format="json")
    settled_prices = api.post("/api/v1/price-lists/", {"client": client_a.pk, "effective_from": "2026-03-20",
                                                        "order_fee": "3.00"}, format="json")

    assert overlapping.status_code == 400
    assert "INV-000001 already covers" in overlapping.json()["period_start"][0]
    assert backwards.status_code == 400
    assert "period_end" in backwards.json()
    assert settled_prices.status_code == 400
    assert "effective_from" in settled_prices.json()


def test_billable_events_filter_by_kind_and_date(two_clients, manager, client_a):
    event(client_a, EventKind.RECEIPT, datetime.date(2026, 4, 2), units=5)
    api = api_client_for(manager)

    rows = api.get("/api/v1/billable-events/", {"client": client_a.pk, "kind": "receipt",
                                               "date_after": "2026-04-01", "date_before": "2026-04-30"}).json()
    assert [(r["kind"], r["event_date"]) for r in rows["results"]] == [("receipt", "2026-04-02")]
    assert api.get("/api/v1/billable-events/", {"kind": "nonsense"}).status_code == 400
    for too_big in ("99999999999999999999", "9.223372036854776e+18"):  # past any id: a 400, not a database error
        assert api.get("/api/v1/billable-events/", {"client": too_big}).status_code == 400
    assert api.post("/api/v1/billable-events/", {}, format="json").status_code == 405


def test_a_new_price_list_starts_from_the_rates_before_it(two_clients, manager, client_a):
    api = api_client_for(manager)

    created = api.post("/api/v1/price-lists/", {"client": client_a.pk, "effective_from": "2026-05-01",
                                                "order_fee": "2.75"}, format="json")

    assert created.status_code == 201, created.content
    new = PriceList.objects.get(pk=created.json()["id"])
    assert new.order_fee == Decimal("2.75")
    assert new.extra_unit_fee == Decimal("0.50")
    assert new.storage_rates.count() == 2
    assert list(new.service_rates.values_list("code", flat=True)) == ["kitting"]


def test_managers_pages_render_and_value_added_work_is_recorded(two_clients, manager, client_a, client):
    client.force_login(manager)
    for name in ("billing:invoices", "billing:price_lists", "billing:vas", "billing:unbilled", "billing:estimate"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("billing:invoice", args=[two_clients["draft"].pk])).status_code == 200

    response = client.post(reverse("billing:vas"), {"client": client_a.pk, "service_code": "gift-wrap",
                                                    "quantity": "3", "work_date": "2026-04-03",
                                                    "note": "Gift wrapped for a campaign"})
    assert response.status_code == 302
    recorded = BillableEvent.objects.get(kind=EventKind.VAS)
    assert recorded.user == manager
    assert "gift-wrap" in client.get(reverse("billing:unbilled")).content.decode()  # no price for gift-wrap
    refused = client.post(reverse("billing:vas"), {"client": client_a.pk, "service_code": "kitting",
                                                   "quantity": "0", "work_date": "2026-04-03", "note": "x"})
    assert refused.status_code == 200
    assert "more than zero" in refused.content.decode()

    finalised = client.post(reverse("billing:invoice_finalise", args=[two_clients["draft"].pk]))
    assert finalised.status_code == 302
    assert Invoice.objects.get(pk=two_clients["draft"].pk).status == InvoiceStatus.FINAL


def test_invoice_list_queries_do_not_grow_with_rows(two_clients, manager, client, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        client.get(reverse("billing:invoices"))
    api = api_client_for(make_user(Role.MANAGER))
    with django_assert_max_num_queries(12):
        api.get("/api/v1/invoices/")
    with django_assert_max_num_queries(12):
        api.get("/api/v1/billable-events/")


def test_a_manager_sets_and_removes_storage_markup_and_service_rates_on_the_price_list_page(client_a, client,
                                                                                            client_user_a):
    prices = price_list(client_a, datetime.date(2026, 1, 1))
    ups = CarrierFactory(code="UPS", name="UPS")
    url = reverse("billing:price_list_rates", args=[prices.pk])
    page = reverse("billing:price_list", args=[prices.pk])
    client.force_login(make_user(Role.MANAGER))

    client.post(url, {"kind": "storage", "storage-location_kind": "pick", "storage-unit": "bin",
                      "storage-period": "day", "storage-price": "0.12"})
    client.post(url, {"kind": "markup", "markup-carrier": ups.pk, "markup-markup_pct": "7.5",
                      "markup-markup_fixed": "0.30"})
    client.post(url, {"kind": "service", "service-code": "Labelling", "service-name": "Labelling (per unit)",
                      "service-price": "0.15"})
    bad = client.post(url, {"kind": "service", "service-code": "gift", "service-name": "Gift wrap",
                            "service-price": "-1"}, follow=True).content.decode()

    pick = prices.storage_rates.get(location_kind="pick")
    assert (pick.unit, pick.period, pick.price) == ("bin", "day", Decimal("0.12"))  # replaced, one per kind
    assert prices.shipping_markups.get(carrier=ups, service=None).markup_pct == Decimal("7.5")
    assert prices.service_rates.get(code="labelling").price == Decimal("0.15")
    assert "Price: Ensure this value is greater than or equal to 0." in bad
    assert not prices.service_rates.filter(code="gift").exists()

    removed = client.post(url, {"kind": "markup", "remove": prices.shipping_markups.get().pk}, follow=True)
    assert "Rate removed." in removed.content.decode()
    assert not prices.shipping_markups.exists()
    assert "Set storage rate" in client.get(page).content.decode()

    # A client user reads the list but cannot change it
    client.force_login(client_user_a)
    assert client.post(url, {"kind": "service", "service-code": "x", "service-name": "X",
                             "service-price": "1"}).status_code == 403
    assert "Set storage rate" not in client.get(page).content.decode()


def test_rates_of_a_list_a_finalised_invoice_used_cannot_change(client_a, client):
    prices = price_list(client_a, datetime.date(2026, 1, 1))
    event(client_a, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 2), units=1, skus=1, boxes=1)
    invoice = invoice_finalise(invoice=invoice_draft(client=client_a, period_start=datetime.date(2026, 3, 1)))
    client.force_login(make_user(Role.MANAGER))

    refused = client.post(reverse("billing:price_list_rates", args=[prices.pk]), {
        "kind": "service", "service-code": "kitting", "service-name": "Kitting", "service-price": "9"}, follow=True)

    page = refused.content.decode()
    assert f"Invoice {invoice.number} was finalised with these prices" in page
    assert prices.service_rates.get(code="kitting").price == Decimal("0.80")
    assert "Set storage rate" not in page


def test_the_api_sets_and_removes_rates_with_field_errors_and_refuses_a_settled_list(client_a, client_user_a):
    prices = price_list(client_a, datetime.date(2026, 1, 1))
    ups = CarrierFactory(code="UPS", name="UPS")
    api = api_client_for(make_user(Role.MANAGER))
    base = f"/api/v1/price-lists/{prices.pk}"

    storage = api.post(f"{base}/storage-rates/", {"location_kind": "pick", "unit": "bin", "period": "day",
                                                  "price": "0.12"}, format="json")
    markup = api.post(f"{base}/shipping-markups/", {"carrier": ups.pk, "service": None, "markup_pct": "6",
                                                    "markup_fixed": "0.25"}, format="json")
    bad = api.post(f"{base}/service-rates/", {"code": "gift wrap", "name": "Gift wrap", "price": "-2"}, format="json")
    forbidden = api_client_for(client_user_a).post(f"{base}/service-rates/", {"code": "gift", "name": "Gift",
                                                                              "price": "1"}, format="json")
    (row,) = markup.json()["shipping_markups"]
    removed = api.post(f"{base}/remove-rate/", {"kind": "markup", "rate_id": row["id"]}, format="json")

    assert storage.status_code == 200
    assert {r["location_kind"]: r["unit"] for r in storage.json()["storage_rates"]}["pick"] == "bin"
    assert (row["carrier"], row["markup_pct"]) == (ups.pk, "6.0000")
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "price"}
    assert forbidden.status_code == 403
    assert (removed.status_code, removed.json()["shipping_markups"]) == (200, [])

    # Once an invoice is finalised with the list, its rates stay as they are
    event(client_a, EventKind.ORDER_SHIPPED, datetime.date(2026, 3, 2), units=1, skus=1, boxes=1)
    invoice_finalise(invoice=invoice_draft(client=client_a, period_start=datetime.date(2026, 3, 1)))
    settled = api.post(f"{base}/service-rates/", {"code": "kitting", "name": "Kitting", "price": "9"}, format="json")
    assert settled.status_code == 400
    assert "was finalised with these prices" in str(settled.json())
    assert prices.service_rates.get(code="kitting").price == Decimal("0.80")
