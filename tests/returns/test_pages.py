"""The returns pages: the customer's self-service flow, the managers' list and CSV, the desk, analytics."""

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.choices import Role
from inventory.choices import MovementKind
from inventory.models import StockMovement
from inventory.services import stock_adjust
from returns.choices import ReturnSource, ReturnStatus
from returns.links import order_token, return_token
from returns.models import ReturnAuthorization
from returns.services.receiving import return_inspection_finish, return_receive_start, return_unit_receive
from returns.surveys import survey_answer, survey_email_send, survey_schedule_due, survey_token
from tests.factories import make_user
from tests.returns.factories import delivered_order, make_setup, open_return

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


def test_customer_finds_the_order_with_number_and_postcode(client):
    setup = make_setup()

    wrong = client.post(reverse("returns:start"), {"order_number": setup.order.order_number,
                                                   "email_or_postcode": "99999"})
    right = client.post(reverse("returns:start"), {"order_number": setup.order.order_number.lstrip("#"),
                                                   "email_or_postcode": "29201-0001"})
    by_email = client.post(reverse("returns:start"), {"order_number": setup.order.order_number,
                                                      "email_or_postcode": "AVERY@example.com"})

    assert wrong.status_code == 400
    assert b"could not find an order" in wrong.content
    assert right.status_code == 302
    assert "/returns/start/" in right["Location"]
    assert by_email.status_code == 302


def test_lookup_is_throttled_per_address(client):
    for _ in range(20):
        client.post(reverse("returns:start"), {"order_number": "1", "email_or_postcode": "1"})

    response = client.post(reverse("returns:start"), {"order_number": "1", "email_or_postcode": "1"})

    assert response.status_code == 400
    assert b"Too many attempts" in response.content


def test_customer_chooses_items_and_gets_the_status_page(client, django_capture_on_commit_callbacks):
    setup = make_setup()
    url = reverse("returns:start_items", kwargs={"token": order_token(order_id=setup.order.pk)})
    line = setup.lines[0]

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small",
                                     f"resolution_{line.pk}": "refund", f"qty_{setup.lines[1].pk}": "0"})

    assert page.status_code == 200
    assert line.sku.encode() in page.content
    rma = ReturnAuthorization.objects.get()
    assert (rma.source, rma.status) == (ReturnSource.CUSTOMER, ReturnStatus.AUTHORISED)
    assert response.status_code == 302
    status = client.get(response["Location"])
    assert rma.number.encode() in status.content
    assert b"Print the return label" in status.content
    label = client.get(reverse("returns:label", kwargs={"token": return_token(rma_id=rma.pk)}))
    assert label["Content-Type"] == "application/pdf"
    assert b"".join(label.streaming_content)[:5] == b"%PDF-"


def test_customer_form_errors_are_shown_not_raised(client):
    setup = make_setup()
    url = reverse("returns:start_items", kwargs={"token": order_token(order_id=setup.order.pk)})
    line = setup.lines[0]

    nothing = client.post(url, {})
    no_reason = client.post(url, {f"qty_{line.pk}": "1"})
    too_many = client.post(url, {f"qty_{line.pk}": "9", f"reason_{line.pk}": "damaged"})

    assert nothing.status_code == 400
    assert b"Choose at least one item" in nothing.content
    assert no_reason.status_code == 400
    assert b"choose a reason" in no_reason.content
    assert too_many.status_code == 400
    assert b"can still be returned" in too_many.content
    assert not ReturnAuthorization.objects.exists()


def test_customer_after_the_window_sees_why(client):
    setup = make_setup(delivered_days_ago=45)

    page = client.get(reverse("returns:start_items", kwargs={"token": order_token(order_id=setup.order.pk)}))

    assert b"return window of this order closed" in page.content


def test_tampered_order_link_is_a_404(client):
    setup = make_setup()
    token = order_token(order_id=setup.order.pk)

    assert client.get(reverse("returns:start_items", kwargs={"token": token + "x"})).status_code == 404
    assert client.get(reverse("returns:status", kwargs={"token": "1:abc"})).status_code == 404


def test_return_list_filters_by_reason_and_client_users_see_only_theirs(client, django_assert_max_num_queries):
    setup = make_setup()
    open_return(setup.order, [(setup.lines[0], 1, "damaged")])
    open_return(setup.order, [(setup.lines[1], 1, "too_small")])
    other = delivered_order()
    foreign = open_return(other, [(other.lines.first(), 1, "damaged")])
    manager = make_user(Role.MANAGER)
    client.force_login(manager)

    with django_assert_max_num_queries(14):
        everything = client.get(reverse("returns:list"))
    damaged = client.get(reverse("returns:list"), {"reason": "damaged"})

    assert everything.content.count(b"RMA-") >= 3
    assert damaged.context["page"].paginator.count == 2
    merchant = make_user(Role.CLIENT, client=setup.order.client)
    client.force_login(merchant)
    theirs = client.get(reverse("returns:list"))
    assert foreign.number.encode() not in theirs.content
    assert theirs.context["page"].paginator.count == 2
    assert client.get(reverse("returns:detail", kwargs={"pk": foreign.pk})).status_code == 404


def test_list_page_queries_do_not_grow_with_returns(client, django_assert_max_num_queries):
    setup = make_setup(quantities=(5, 5))
    for _ in range(5):
        open_return(setup.order, [(setup.lines[0], 1, "damaged"), (setup.lines[1], 1, "too_small")])
    client.force_login(make_user(Role.MANAGER))

    with django_assert_max_num_queries(14):
        response = client.get(reverse("returns:list"))

    assert response.context["page"].paginator.count == 5


def test_csv_export_has_a_row_per_line_with_reason_and_refund_columns(client):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 2, "wrong_item"), (setup.lines[1], 1, "damaged")])
    client.force_login(make_user(Role.MANAGER))

    response = client.get(reverse("returns:list"), {"reason": "wrong_item", "export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Type"] == "text/csv"
    assert [(r["rma"], r["sku"], r["quantity"], r["reason"]) for r in rows] == [
        (rma.number, setup.lines[0].sku, "2", "wrong_item"), (rma.number, setup.lines[1].sku, "1", "damaged")]
    assert {"pickers", "packers", "box_types", "carriers", "refund_amount"} <= set(rows[0])


def test_desk_scans_rma_then_items_then_finishes(client):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    picker = make_user(Role.PICKER)
    client.force_login(picker)

    unknown = client.post(reverse("returns:desk"), {"number": "RMA-NOPE1234"})
    scanned = client.post(reverse("returns:desk"), {"number": rma.number.lower()})
    page = client.get(scanned["Location"])
    bad = client.post(reverse("returns:receive", kwargs={"pk": rma.pk}),
                      {"barcode": setup.lines[0].product.barcode, "quantity": 1, "disposition": "restock"})
    good = client.post(reverse("returns:receive", kwargs={"pk": rma.pk}),
                       {"barcode": setup.lines[0].product.barcode, "quantity": 1, "disposition": "restock",
                        "location": setup.pick.pk, "condition_note": "sealed"})
    finished = client.post(reverse("returns:receive_finish", kwargs={"pk": rma.pk}))

    assert unknown.status_code == 400
    assert b"No return with that RMA number" in unknown.content
    assert scanned.status_code == 302
    assert page.status_code == 200
    assert bad.status_code == 400
    assert b"Choose the location to restock to" in bad.content
    assert good.status_code == 302
    assert finished.status_code == 302
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.INSPECTED
    assert StockMovement.objects.get().to_location == setup.pick


def test_desk_default_choice_restocks_to_the_suggested_bin_on_the_first_try(client):
    # Given a received parcel whose product already has a bin, and a picker at the desk
    setup = make_setup()
    product = setup.lines[0].product
    stock_adjust(product=product, location=setup.reserve, quantity=2, reason="counted")
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    client.force_login(make_user(Role.PICKER))
    client.post(reverse("returns:receive_start", kwargs={"pk": rma.pk}))
    page = client.get(reverse("returns:receive", kwargs={"pk": rma.pk})).content.decode()

    # When the item is scanned and the form sent with the choices it came with
    form = re.search(r'<form method="post" class="card receive-form".*?</form>', page, re.S).group(0)
    defaults = dict(re.findall(r'<input type="radio" name="(disposition)" value="(\w+)"[^>]*checked', form))
    defaults.update(re.findall(r'<select name="(location)"[^>]*>.*?<option value="(\w+)" selected', form, re.S))
    sent = client.post(reverse("returns:receive", kwargs={"pk": rma.pk}),
                       {"barcode": product.barcode, "quantity": 1, **defaults})

    # Then the default is restock to the suggested bin, named on the page, and it works at once
    assert defaults == {"disposition": "restock", "location": "suggested"}
    assert f"{product.sku} → <strong>{setup.reserve.code}</strong>" in page
    assert sent.status_code == 302
    assert StockMovement.objects.get(kind=MovementKind.RETURN).to_location == setup.reserve


def test_desk_warns_before_a_unit_goes_into_a_bin_of_another_product(client):
    setup = make_setup()
    other = setup.lines[1].product
    stock_adjust(product=other, location=setup.pick, quantity=2, reason="counted")
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    client.force_login(make_user(Role.PICKER))
    client.post(reverse("returns:receive_start", kwargs={"pk": rma.pk}))
    url = reverse("returns:receive", kwargs={"pk": rma.pk})
    scan = {"barcode": setup.lines[0].product.barcode, "quantity": 1, "disposition": "restock",
            "location": setup.pick.pk}

    warned = client.post(url, scan)
    confirmed = client.post(url, {**scan, "allow_mixing": "on"})

    assert warned.status_code == 400
    assert f"{setup.pick.code} holds {other.sku}, not" in warned.content.decode()
    assert b'name="allow_mixing"' in warned.content
    assert confirmed.status_code == 302
    assert StockMovement.objects.get(kind=MovementKind.RETURN).to_location == setup.pick


def test_client_user_cannot_use_the_desk(client):
    client.force_login(make_user(Role.CLIENT))

    assert client.get(reverse("returns:desk")).status_code == 403


def test_manager_opens_and_refunds_a_return_on_the_pages(client):
    setup = make_setup()
    manager = make_user(Role.MANAGER)
    client.force_login(manager)
    line = setup.lines[0]

    found = client.get(reverse("returns:create"), {"order_number": setup.order.order_number})
    opened = client.post(reverse("returns:create") + "?" + urlencode({"order_number": setup.order.order_number}),
                         {f"qty_{line.pk}": "1", f"reason_{line.pk}": "defective"})
    rma = ReturnAuthorization.objects.get()
    return_receive_start(rma=rma)
    return_unit_receive(rma=rma, barcode=line.product.sku, disposition="quarantine")
    return_inspection_finish(rma=rma)
    detail = client.get(reverse("returns:detail", kwargs={"pk": rma.pk}))
    refunded = client.post(reverse("returns:refund", kwargs={"pk": rma.pk}))
    again = client.post(reverse("returns:refund", kwargs={"pk": rma.pk}), HTTP_REFERER="/returns/")

    assert found.status_code == 200
    assert line.sku.encode() in found.content
    assert opened.status_code == 302
    assert b"Refund 25.00 USD" in detail.content
    assert refunded.status_code == 302
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.REFUNDED
    assert again.status_code == 302  # the refused second refund is a message, not a 500


def test_reject_needs_a_reason_on_the_page(client):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")], authorise=False)
    client.force_login(make_user(Role.MANAGER))

    client.post(reverse("returns:reject", kwargs={"pk": rma.pk}), {"reason": ""})
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.REQUESTED
    client.post(reverse("returns:reject", kwargs={"pk": rma.pk}), {"reason": "Worn and washed"})
    rma.refresh_from_db()
    assert (rma.status, rma.decision_note) == (ReturnStatus.REJECTED, "Worn and washed")


def test_analytics_shows_rates_reasons_and_traces(client, django_assert_max_num_queries):
    setup = make_setup(quantities=(4, 2))
    open_return(setup.order, [(setup.lines[0], 1, "wrong_item"), (setup.lines[1], 2, "damaged")])
    client.force_login(make_user(Role.MANAGER))

    with django_assert_max_num_queries(25):
        response = client.get(reverse("returns:analytics"), {"period": "week"})

    assert response.status_code == 200
    by_sku = {row["sku"]: row for row in response.context["by_sku"]}
    assert (by_sku[setup.lines[0].sku]["rate"], by_sku[setup.lines[1].sku]["rate"]) == (25, 100)
    assert response.context["by_client"][0]["orders_returned"] == 1
    reasons = response.context["reasons"]
    assert dict(zip([r for r, _ in reasons["reasons"]], reasons["totals"], strict=True)) == {
        "wrong_item": 1, "damaged": 2}
    assert [t["kind"] for t in response.context["traces"]] == ["wrong_item", "damaged"]


def test_cases_page_lists_and_resolves(client):
    order = delivered_order(delivered_days_ago=4)
    survey_schedule_due()
    survey = order.feedback_survey
    survey_email_send(survey_id=survey.pk)
    survey_answer(token=survey_token(survey=survey), rating=1, problems=["missing_item"])
    client.force_login(make_user(Role.MANAGER))

    page = client.get(reverse("returns:cases"))
    resolved = client.post(reverse("returns:case_resolve", kwargs={"pk": survey.case.pk}), {"note": "Reshipped"})

    assert order.order_number.encode() in page.content
    assert resolved.status_code == 302
    survey.case.refresh_from_db()
    assert survey.case.status == "resolved"


def test_opening_the_receive_page_changes_nothing_and_its_button_receives_the_parcel(client):
    # Given an authorised return not yet at the desk
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    client.force_login(make_user(Role.PICKER))

    # When the receive page is opened, then its button is pressed
    page = client.get(reverse("returns:receive", kwargs={"pk": rma.pk}))
    rma.refresh_from_db()
    status_after_get = rma.status
    pressed = client.post(reverse("returns:receive_start", kwargs={"pk": rma.pk}))
    rma.refresh_from_db()

    # Then only the POST received the parcel
    assert page.status_code == 200
    assert "Receive the parcel" in page.content.decode()
    assert status_after_get == ReturnStatus.AUTHORISED
    assert pressed.status_code == 302
    assert rma.status == ReturnStatus.RECEIVED


def test_receive_button_refuses_a_return_that_is_not_expected_back(client):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")], authorise=False)
    client.force_login(make_user(Role.PICKER))

    page = reverse("returns:receive", kwargs={"pk": rma.pk})
    refused = client.post(reverse("returns:receive_start", kwargs={"pk": rma.pk}), HTTP_REFERER=page, follow=True)

    rma.refresh_from_db()
    assert refused.redirect_chain == [(page, 302)]
    assert "cannot be received" in refused.content.decode()
    assert "Receive the parcel" not in refused.content.decode()
    assert rma.status == ReturnStatus.REQUESTED


def test_return_list_status_filter_is_check_boxes_that_keep_their_choice(client):
    setup = make_setup()
    requested = open_return(setup.order, [(setup.lines[0], 1, "damaged")], authorise=False)
    authorised = open_return(setup.order, [(setup.lines[1], 1, "too_small")])
    client.force_login(make_user(Role.MANAGER))

    page = client.get(reverse("returns:list") + "?" + urlencode({"status": [ReturnStatus.AUTHORISED]}, doseq=True))
    body = page.content.decode()

    assert '<select name="status" multiple' not in body
    assert re.search(r'<input type="checkbox" name="status" value="authorised"[^>]*checked', body)
    assert "1 chosen" in body
    assert authorised.number in body
    assert requested.number not in body
