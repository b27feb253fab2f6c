import pytest
from django.urls import reverse

from core.choices import Role
from core.exceptions import DomainError
from inventory.choices import CountLineStatus, CountStatus, MovementKind, TransferStatus
from inventory.control.counting import (
    abc_classify,
    cycle_count_approve,
    cycle_count_create,
    cycle_count_record,
    cycle_count_submit,
)
from inventory.control.transfers import transfer_cancel, transfer_create, transfer_dispatch, transfer_receive
from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, StockMovement
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.invariants import assert_stock_invariants
from tests.inventory.stock_helpers import receive, ship
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def slc():
    return WarehouseFactory(code="SLC")


def on_hand(product, location) -> int:
    level = StockLevel.objects.filter(product=product, location=location).first()
    return level.on_hand if level else 0


def test_abc_classes_follow_the_share_of_units_shipped(slc):
    bins = [LocationFactory(warehouse=slc) for _ in range(4)]
    fast, medium, slow, unsold = (ProductFactory() for _ in range(4))
    for product, location, units in ((fast, bins[0], 80), (medium, bins[1], 15), (slow, bins[2], 5),
                                     (unsold, bins[3], 0)):
        receive(product, location, 100)
        if units:
            ship(product, location, units, days_ago=3)

    classes = abc_classify(warehouse=slc)

    assert (classes[fast.pk], classes[medium.pk], classes[slow.pk], classes[unsold.pk]) == ("A", "B", "C", "C")


@pytest.fixture
def counted(slc):
    bins = [LocationFactory(warehouse=slc, code=f"A-0{i}") for i in range(3)]
    products = [ProductFactory(sku=f"C-{i}") for i in range(3)]
    for product, location in zip(products, bins, strict=True):
        receive(product, location, 20)
    count = cycle_count_create(warehouse=slc, location_ids=[b.pk for b in bins], approval_threshold=5)
    return count, bins, products


def test_count_adjusts_small_variances_and_holds_large_ones_for_approval(counted, manager, picker):
    count, bins, products = counted
    lines = {line.product_id: line for line in count.lines.all()}
    cycle_count_record(line=lines[products[0].pk], counted_quantity=20, user=picker)  # match
    cycle_count_record(line=lines[products[1].pk], counted_quantity=17, user=picker)  # -3: within threshold
    cycle_count_record(line=lines[products[2].pk], counted_quantity=30, user=picker)  # +10: needs approval

    count = cycle_count_submit(count=count, user=picker)

    assert count.status == CountStatus.AWAITING_APPROVAL
    assert [on_hand(p, b) for p, b in zip(products, bins, strict=True)] == [20, 17, 20]
    with pytest.raises(DomainError, match="manager"):
        cycle_count_approve(count=count, user=picker)

    count = cycle_count_approve(count=count, user=manager)

    assert count.status == CountStatus.CLOSED
    assert on_hand(products[2], bins[2]) == 30
    assert StockMovement.objects.filter(kind=MovementKind.COUNT, reference=f"COUNT-{count.pk}").count() == 2
    statuses = {line.product_id: line.status for line in count.lines.all()}
    assert statuses == {products[0].pk: CountLineStatus.MATCHED, products[1].pk: CountLineStatus.ADJUSTED,
                        products[2].pk: CountLineStatus.ADJUSTED}
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


def test_rejected_variance_goes_back_for_a_recount(counted, manager):
    count, bins, products = counted
    for line in count.lines.all():
        cycle_count_record(line=line, counted_quantity=0)
    count = cycle_count_submit(count=count)
    waiting = list(count.lines.filter(status=CountLineStatus.NEEDS_APPROVAL).order_by("product__sku"))
    assert len(waiting) == 3  # -20 each, above the threshold of 5

    count = cycle_count_approve(count=count, user=manager, reject_ids=[waiting[0].pk])

    assert count.status == CountStatus.OPEN
    assert [on_hand(p, b) for p, b in zip(products, bins, strict=True)] == [20, 0, 0]
    recount = count.lines.get(pk=waiting[0].pk)
    assert (recount.status, recount.counted_quantity) == (CountLineStatus.PENDING, None)


def test_count_cannot_be_submitted_with_bins_left(counted):
    with pytest.raises(DomainError, match="still to count"):
        cycle_count_submit(count=counted[0])


def test_count_page_hides_expected_quantity_while_counting(client, counted, picker):
    client.force_login(picker)
    count = counted[0]
    line = count.lines.first()

    response = client.post(reverse("inventory:count_detail", args=[count.pk]), {"line": line.pk, "counted": "12"},
                           follow=True)

    html = response.content.decode()
    assert "recorded" in html
    assert "Expected" not in html
    row = next(r for r in html.split('<tr class="count-line">')[1:] if line.location.code in r)
    assert "Counted</td>" in row  # counted, though decided only at the finish
    assert "To count" not in row


def test_cycle_count_api_create_record_submit_approve(manager_api, slc):
    location = LocationFactory(warehouse=slc)
    product = ProductFactory()
    receive(product, location, 10)

    created = manager_api.post(reverse("cycle-count-list"), {"warehouse": slc.pk, "location_ids": [location.pk],
                                                             "approval_threshold": 1}, format="json").json()
    line_id = created["lines"][0]["id"]
    manager_api.post(reverse("cycle-count-record", args=[created["id"]]), {"line": line_id, "counted_quantity": 4},
                     format="json")
    submitted = manager_api.post(reverse("cycle-count-submit", args=[created["id"]])).json()
    approved = manager_api.post(reverse("cycle-count-approve", args=[created["id"]]), {}, format="json").json()
    neither = manager_api.post(reverse("cycle-count-list"), {"warehouse": slc.pk}, format="json")

    assert submitted["status"] == "awaiting_approval"
    assert submitted["lines"][0]["variance"] == -6
    assert approved["status"] == "closed"
    assert on_hand(product, location) == 4
    assert neither.status_code == 400


def test_transfer_between_warehouses_goes_through_transit(slc, manager):
    nsh = WarehouseFactory(code="NSH")
    source = LocationFactory(warehouse=slc)
    target = LocationFactory(warehouse=nsh)
    product = ProductFactory()
    receive(product, source, 10)

    transfer = transfer_create(from_warehouse=slc, to_warehouse=nsh, user=manager,
                               lines=[{"product": product, "from_location": source, "to_location": target,
                                       "quantity": 6}])
    transfer = transfer_dispatch(transfer=transfer, user=manager)
    transit = StockLevel.objects.get(product=product, location__kind=LocationKind.TRANSIT)

    assert transfer.status == TransferStatus.IN_TRANSIT
    assert (on_hand(product, source), transit.on_hand, transit.location.warehouse, on_hand(product, target)) == (
        4, 6, nsh, 0)

    transfer = transfer_receive(transfer=transfer, user=manager)

    assert transfer.status == TransferStatus.RECEIVED
    assert (on_hand(product, source), on_hand(product, transit.location), on_hand(product, target)) == (4, 0, 6)
    ledger = list(StockMovement.objects.filter(reference=f"TRF-{transfer.pk}").order_by("pk")
                  .values_list("kind", "from_location", "to_location", "quantity"))
    assert ledger == [(MovementKind.TRANSFER, source.pk, transit.location_id, 6),
                      (MovementKind.TRANSFER, transit.location_id, target.pk, 6)]
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


def test_transfer_inside_a_warehouse_moves_at_once(slc):
    source, target = LocationFactory(warehouse=slc), LocationFactory(warehouse=slc)
    product = ProductFactory()
    receive(product, source, 5)

    transfer = transfer_dispatch(transfer=transfer_create(
        from_warehouse=slc, to_warehouse=slc,
        lines=[{"product": product, "from_location": source, "to_location": target, "quantity": 5}]))

    assert transfer.status == TransferStatus.RECEIVED
    assert (on_hand(product, source), on_hand(product, target)) == (0, 5)
    assert_stock_invariants()  # on hand = the ledger, allocated = the open allocations


def test_transfer_refuses_more_than_available_and_cancel_after_dispatch(slc):
    nsh = WarehouseFactory(code="NSH")
    source = LocationFactory(warehouse=slc)
    LocationFactory(warehouse=nsh)
    product = ProductFactory()
    receive(product, source, 3)

    with pytest.raises(InsufficientStock):
        transfer_create(from_warehouse=slc, to_warehouse=nsh,
                        lines=[{"product": product, "from_location": source, "quantity": 4}])
    transfer = transfer_dispatch(transfer=transfer_create(
        from_warehouse=slc, to_warehouse=nsh, lines=[{"product": product, "from_location": source, "quantity": 3}]))
    with pytest.raises(DomainError, match="cannot be cancelled"):
        transfer_cancel(transfer=transfer)


def test_transfer_api_create_dispatch_receive(manager_api, slc):
    nsh = WarehouseFactory(code="NSH")
    source, target = LocationFactory(warehouse=slc), LocationFactory(warehouse=nsh)
    product = ProductFactory()
    receive(product, source, 8)

    created = manager_api.post(reverse("transfer-list"), {
        "from_warehouse": slc.pk, "to_warehouse": nsh.pk,
        "lines": [{"product": product.pk, "from_location": source.pk, "to_location": target.pk, "quantity": 8}]},
        format="json")
    dispatched = manager_api.post(reverse("transfer-dispatch-transfer", args=[created.json()["id"]]))
    received = manager_api.post(reverse("transfer-receive", args=[created.json()["id"]]))
    again = manager_api.post(reverse("transfer-receive", args=[created.json()["id"]]))

    assert created.status_code == 201
    assert dispatched.json()["status"] == "in_transit"
    assert received.json()["status"] == "received"
    assert again.status_code == 400
    assert on_hand(product, target) == 8


def test_client_users_cannot_see_counts_or_transfers(api_for, client_a):
    api = api_for(make_user(Role.CLIENT, client=client_a))

    assert api.get(reverse("cycle-count-list")).status_code == 403
    assert api.get(reverse("transfer-list")).status_code == 403
