"""/api/v1/returns/ and /api/v1/return-policies/: merchants open returns, managers decide and refund."""

from decimal import Decimal

import pytest

from core.choices import Role
from returns.choices import ReturnStatus
from returns.models import ReturnAuthorization
from tests.factories import make_user
from tests.returns.factories import delivered_order, make_setup, open_return

pytestmark = pytest.mark.django_db


def _body(order, line, **extra):
    return {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": 1, "reason": "damaged"}], **extra}


def test_merchant_opens_a_return_for_its_own_order(api_for):
    setup = make_setup()
    merchant = make_user(Role.CLIENT, client=setup.order.client)

    response = api_for(merchant).post("/api/v1/returns/", _body(setup.order, setup.lines[0]), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == ReturnStatus.AUTHORISED
    assert data["source"] == "api"
    assert data["lines"][0]["reason"] == "damaged"
    assert data["lines"][0]["sku"] == setup.lines[0].sku
    assert data["events"][0]["to_status"] == "requested"


def test_merchant_cannot_open_a_return_for_another_clients_order(api_for):
    setup = make_setup()
    merchant = make_user(Role.CLIENT)

    response = api_for(merchant).post("/api/v1/returns/", _body(setup.order, setup.lines[0]), format="json")

    assert response.status_code == 400
    assert "order" in response.json()
    assert not ReturnAuthorization.objects.exists()


def test_bad_return_bodies_are_400s(manager_api):
    setup = make_setup()
    line = setup.lines[0]

    too_many = manager_api.post("/api/v1/returns/", {"order": setup.order.pk, "lines": [
        {"order_line": line.pk, "quantity": 50, "reason": "damaged"}]}, format="json")
    no_lines = manager_api.post("/api/v1/returns/", {"order": setup.order.pk, "lines": []}, format="json")
    bad_reason = manager_api.post("/api/v1/returns/", {"order": setup.order.pk, "lines": [
        {"order_line": line.pk, "quantity": 1, "reason": "meh"}]}, format="json")
    late = delivered_order(delivered_days_ago=60)
    closed = manager_api.post("/api/v1/returns/", _body(late, late.lines.first()), format="json")

    assert [r.status_code for r in (too_many, no_lines, bad_reason, closed)] == [400, 400, 400, 400]
    assert "can still be returned" in too_many.json()["detail"]
    assert "return window" in closed.json()["detail"]


def test_only_managers_may_ignore_the_window(api_for, manager_api):
    late = delivered_order(delivered_days_ago=60)
    merchant = make_user(Role.CLIENT, client=late.client)

    refused = api_for(merchant).post("/api/v1/returns/", _body(late, late.lines.first(), ignore_window=True),
                                     format="json")
    accepted = manager_api.post("/api/v1/returns/", _body(late, late.lines.first(), ignore_window=True),
                                format="json")

    assert refused.status_code == 400
    assert accepted.status_code == 201


def test_pickers_may_not_open_returns(api_for):
    setup = make_setup()

    response = api_for(make_user(Role.PICKER)).post("/api/v1/returns/", _body(setup.order, setup.lines[0]),
                                                    format="json")

    assert response.status_code == 403


def test_full_cycle_over_the_api(manager_api):
    setup = make_setup()
    opened = manager_api.post("/api/v1/returns/", {**_body(setup.order, setup.lines[0]), "authorise": False},
                              format="json").json()
    url = f"/api/v1/returns/{opened['id']}/"

    assert manager_api.post(url + "authorise/").json()["status"] == "authorised"
    received = manager_api.post(url + "receive/", {"barcode": setup.lines[0].product.barcode,
                                                   "disposition": "restock", "location": setup.pick.pk},
                                format="json")
    assert received.status_code == 200, received.content
    assert received.json()["units"][0]["location"] == setup.pick.code
    assert manager_api.post(url + "finish-inspection/").json()["status"] == "inspected"
    refunded = manager_api.post(url + "refund/").json()
    assert refunded["status"] == "refunded"
    assert Decimal(refunded["refund"]["amount"]) == Decimal("25.00")
    assert manager_api.post(url + "refund/").status_code == 400


def test_reject_needs_a_reason_and_unknown_location_is_400(manager_api):
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")], authorise=False)
    url = f"/api/v1/returns/{rma.pk}/"

    assert manager_api.post(url + "reject/", {}, format="json").status_code == 400
    assert manager_api.post(url + "authorise/").status_code == 200
    bad = manager_api.post(url + "receive/", {"barcode": "x", "disposition": "restock", "location": 999999},
                           format="json")
    assert bad.status_code == 400


def test_list_filters_and_is_scoped(api_for, manager_api, django_assert_max_num_queries):
    setup = make_setup(quantities=(5, 5))
    for reason in ("damaged", "too_small", "damaged"):
        open_return(setup.order, [(setup.lines[0], 1, reason)])
    other = delivered_order()
    open_return(other, [(other.lines.first(), 1, "damaged")])

    with django_assert_max_num_queries(12):
        everything = manager_api.get("/api/v1/returns/")
    damaged = manager_api.get("/api/v1/returns/", {"reason": "damaged", "client": setup.order.client_id})
    mine = api_for(make_user(Role.CLIENT, client=other.client)).get("/api/v1/returns/")

    assert everything.json()["count"] == 4
    assert damaged.json()["count"] == 2
    assert mine.json()["count"] == 1


def test_policy_endpoint_reads_and_changes_rules(manager_api, api_for):
    setup = make_setup()
    client_id = setup.order.client_id

    read = manager_api.get(f"/api/v1/return-policies/{client_id}/")
    changed = manager_api.patch(f"/api/v1/return-policies/{client_id}/", {
        "window_days": 45, "reason_rules": [{"reason": "too_small", "free_label": True,
                                             "restocking_fee_percent": "5.00"}]}, format="json")
    merchant = api_for(make_user(Role.CLIENT, client=setup.order.client))
    refused = merchant.patch(f"/api/v1/return-policies/{client_id}/", {"window_days": 1}, format="json")

    assert read.status_code == 200
    assert read.json()["window_days"] == 30
    assert changed.status_code == 200, changed.content
    rules = {r["reason"]: r for r in changed.json()["reason_rules"]}
    assert changed.json()["window_days"] == 45
    assert rules["too_small"]["free_label"] is True
    assert refused.status_code == 403
    assert merchant.get("/api/v1/return-policies/").json()["count"] == 1
