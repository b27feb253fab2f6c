"""The stock figures kept in StockSummary: every change queues its pairs, readers see their own change at
once, a full rebuild agrees with the queued refreshes, and concurrent writers and readers lose nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.access import user_access
from core.choices import Role
from inventory.choices import MovementKind, StockStatus
from inventory.control.receiving import inbound_cancel, inbound_close, inbound_create, inbound_receive_scan
from inventory.control.transfers import transfer_create, transfer_dispatch, transfer_receive
from inventory.figures import read, refresh, table
from inventory.figures.read import StockFigureFilters, stock_figures_page
from inventory.figures.refresh import stock_summary_rebuild, stock_summary_refresh_pending
from inventory.models import StockLevel, StockMovement, StockSummary, StockSummaryChange
from inventory.reorder import reorder_setting_save
from inventory.services import stock_allocate, stock_deallocate, stock_move, stock_remove
from inventory.tasks import (
    stock_summary_queue_aged_task,
    stock_summary_rebuild_task,
    stock_summary_refresh_task,
)
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.inventory.stock_helpers import receive, ship


@pytest.fixture
def slc(db):
    return WarehouseFactory(code="SLC")


@pytest.fixture
def bin_slc(slc):
    return LocationFactory(warehouse=slc, code="A-01-01-A")


@pytest.fixture
def bin_nsh(db):
    return LocationFactory(warehouse=WarehouseFactory(code="NSH"), code="B-01-01-A")


def queued_pairs() -> set[tuple[int, int]]:
    return set(StockSummaryChange.objects.values_list("product_id", "warehouse_id"))


def page_rows(user, **filters):
    page = stock_figures_page(access=user_access(user), filters=StockFigureFilters(**filters), limit=500, offset=0)
    return {(r.sku, r.warehouse_code): r for r in page.rows}


def summary_snapshot() -> dict:
    return {(s.product_id, s.warehouse_id): tuple(getattr(s, c) for c in table.SUMMARY_COLUMNS)
            for s in StockSummary.objects.all()}


def level(product, location) -> StockLevel:
    return StockLevel.objects.get(product=product, location=location, lot_number="")


# --- Every kind of change queues the pairs whose figures it changes ----------------------------------------


CHANGES = {
    "allocate": lambda p, a, b: stock_allocate(stock_level_id=level(p, a).pk, quantity=2, reference="O-1"),
    "deallocate": lambda p, a, b: (stock_allocate(stock_level_id=level(p, a).pk, quantity=2, reference="O-1"),
                                   StockSummaryChange.objects.all().delete(),
                                   stock_deallocate(stock_level_id=level(p, a).pk, quantity=2, reference="O-1")),
    "ship": lambda p, a, b: stock_remove(stock_level_id=level(p, a).pk, quantity=1, kind=MovementKind.SHIP,
                                         reference="O-1", reason="Shipped"),
    "move to another warehouse": lambda p, a, b: stock_move(stock_level_id=level(p, a).pk, to_location=b,
                                                            quantity=1, reference="T-1"),
    "reorder setting": lambda p, a, b: reorder_setting_save(product=p, warehouse=a.warehouse, reorder_point=5,
                                                            reorder_quantity=10),
    "ASN created": lambda p, a, b: inbound_create(client=p.client, warehouse=a.warehouse, reference="ASN-9",
                                                  lines=[{"product": p, "quantity": 3}]),
}
EXPECTED = {"allocate": {"a"}, "deallocate": {"a"}, "ship": {"a"}, "move to another warehouse": {"a", "b"},
            "reorder setting": {"a"}, "ASN created": {"a"}}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_stock_change_queues_its_product_in_each_warehouse_it_touches(change, bin_slc, bin_nsh):
    # Given a product in stock and an empty queue
    product = ProductFactory()
    receive(product, bin_slc, 10)
    StockSummaryChange.objects.all().delete()

    # When the change is made through its service
    CHANGES[change](product, bin_slc, bin_nsh)

    # Then exactly its product × warehouse pairs are queued
    warehouses = {"a": bin_slc.warehouse_id, "b": bin_nsh.warehouse_id}
    assert queued_pairs() == {(product.pk, warehouses[w]) for w in EXPECTED[change]}


@pytest.mark.parametrize("step", ["damaged scan", "close", "cancel"])
def test_asn_receiving_steps_queue_the_product(step, bin_slc):
    product = ProductFactory()
    shipment = inbound_create(client=product.client, warehouse=bin_slc.warehouse, reference="ASN-1",
                              lines=[{"product": product, "quantity": 5}])
    StockSummaryChange.objects.all().delete()

    if step == "damaged scan":
        inbound_receive_scan(shipment=shipment, code=product.sku, damaged=True)
    elif step == "close":
        inbound_close(shipment=shipment)
    else:
        inbound_cancel(shipment=shipment)

    assert queued_pairs() == {(product.pk, bin_slc.warehouse_id)}


def test_a_failed_change_queues_nothing(bin_slc):
    product = ProductFactory()
    receive(product, bin_slc, 1)
    StockSummaryChange.objects.all().delete()

    with pytest.raises(Exception, match="available"):
        stock_remove(stock_level_id=level(product, bin_slc).pk, quantity=5, kind=MovementKind.SHIP,
                     reference="O-1", reason="Shipped")

    assert queued_pairs() == set()


# --- Readers -------------------------------------------------------------------------------------------------


def test_the_page_shows_a_change_at_once_without_any_task(client, manager, bin_slc):
    product = ProductFactory(sku="FAST-1")
    receive(product, bin_slc, 10)
    client.force_login(manager)
    assert client.get(reverse("inventory:stock")).context["rows"][0].available == 10

    stock_allocate(stock_level_id=level(product, bin_slc).pk, quantity=4, reference="O-1")
    row = client.get(reverse("inventory:stock")).context["rows"][0]

    assert (row.on_hand, row.allocated, row.available) == (10, 4, 6)
    assert not StockSummaryChange.objects.exists()


def test_a_reader_takes_one_batch_and_the_page_says_how_many_changes_wait(client, manager, bin_slc, monkeypatch):
    # Given five products received (five queued changes) and readers that take two at a time
    for i in range(5):
        receive(ProductFactory(sku=f"Q-{i}"), bin_slc, 1)
    monkeypatch.setattr(read, "REFRESH_BATCH", 2)
    client.force_login(manager)

    # When the page is read twice
    first = client.get(reverse("inventory:stock"))
    second = client.get(reverse("inventory:stock"))

    # Then each read counted two more changes in, and said how many were still waiting
    assert (len(first.context["rows"]), first.context["pending_changes"]) == (2, 3)
    assert "3 recent stock changes still being counted" in first.content.decode()
    assert (len(second.context["rows"]), second.context["pending_changes"]) == (4, 1)


def test_a_client_user_is_told_only_of_its_own_waiting_changes(bin_slc, monkeypatch):
    alpha, beta = ClientFactory(), ClientFactory()
    for client, count in ((alpha, 1), (beta, 3)):
        for _ in range(count):
            receive(ProductFactory(client=client), bin_slc, 1)
    monkeypatch.setattr(read, "REFRESH_BATCH", 0)  # nothing taken: every change still waits

    def waiting(user):
        return stock_figures_page(access=user_access(user), filters=StockFigureFilters(), limit=10,
                                  offset=0).pending_changes

    assert waiting(make_user(Role.CLIENT, client=alpha)) == 1
    assert waiting(make_user(Role.PICKER, warehouses=[WarehouseFactory()])) == 0
    assert waiting(make_user(Role.MANAGER)) == 4


def test_a_refresh_that_fails_puts_its_changes_back(bin_slc, monkeypatch):
    receive(ProductFactory(), bin_slc, 3)
    before = queued_pairs()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(refresh, "_upsert_figures", broken)
    with pytest.raises(RuntimeError):
        stock_summary_refresh_pending()

    assert queued_pairs() == before
    assert not StockSummary.objects.exists()


def test_the_refresh_task_drains_the_queue_and_is_safe_to_run_twice(bin_slc):
    for _ in range(3):
        receive(ProductFactory(), bin_slc, 2)

    assert stock_summary_refresh_task() == 3
    assert stock_summary_refresh_task() == 0
    assert StockSummary.objects.count() == 3


# --- The nightly rebuild -------------------------------------------------------------------------------------


def test_queued_refreshes_and_a_full_rebuild_agree_after_every_kind_of_change(manager, bin_slc, bin_nsh):
    # Given a day of varied work, counted in by readers as it happened
    tent, lamp, mug = ProductFactory(sku="TENT"), ProductFactory(sku="LAMP"), ProductFactory(sku="MUG")
    receive(tent, bin_slc, 50, days_ago=100)
    receive(lamp, bin_slc, 20, days_ago=10)
    receive(mug, bin_nsh, 8, days_ago=200)
    page_rows(manager)
    ship(tent, bin_slc, 5, days_ago=3)
    stock_allocate(stock_level_id=level(lamp, bin_slc).pk, quantity=20, reference="O-1")
    reorder_setting_save(product=tent, warehouse=bin_slc.warehouse, reorder_point=60, reorder_quantity=40)
    page_rows(manager)
    shipment = inbound_create(client=mug.client, warehouse=bin_nsh.warehouse, reference="ASN-1",
                              lines=[{"product": mug, "quantity": 12}])
    inbound_receive_scan(shipment=shipment, code=mug.sku, quantity=2, location=bin_nsh)
    transfer = transfer_create(from_warehouse=bin_slc.warehouse, to_warehouse=bin_nsh.warehouse,
                               lines=[{"product": tent, "from_location": bin_slc, "quantity": 4}])
    transfer_dispatch(transfer=transfer)
    live = page_rows(manager)
    kept = summary_snapshot()

    # When every figure is thrown away and rebuilt from scratch
    StockSummary.objects.all().delete()
    result = stock_summary_rebuild()

    # Then the rebuild finds exactly what the queued refreshes kept
    assert summary_snapshot() == kept
    assert result["rows"] == len(kept) == 4
    assert {k: (r.on_hand, r.allocated, r.inbound, r.sold_30, r.status) for k, r in live.items()} == {
        ("TENT", "SLC"): (41, 0, 0, 5, StockStatus.UNDER),
        ("LAMP", "SLC"): (20, 20, 0, 0, StockStatus.STOCKOUT),
        ("MUG", "NSH"): (10, 0, 10, 0, StockStatus.DEAD),
        ("TENT", "NSH"): (0, 0, 4, 0, StockStatus.STOCKOUT),  # the transit location's warehouse
    }
    LocationFactory(warehouse=bin_nsh.warehouse, code="B-01-02-A")  # an empty bin to put the tents away
    transfer_receive(transfer=transfer)
    assert page_rows(manager)[("TENT", "NSH")].on_hand == 4


def test_the_rebuild_slides_the_sales_window_and_leaves_unchanged_rows_alone(manager, bin_slc):
    # Given a sale 29 days ago and a product that never sells
    seller, idle = ProductFactory(sku="SELLS"), ProductFactory(sku="IDLE")
    receive(seller, bin_slc, 30, days_ago=40)
    ship(seller, bin_slc, 6, days_ago=29)
    receive(idle, bin_slc, 5, days_ago=10)
    assert page_rows(manager)[("SELLS", "SLC")].sold_30 == 6
    idle_stamp = StockSummary.objects.get(product=idle).updated_at

    # When the nightly rebuild runs two days later
    stock_summary_rebuild(now=timezone.now() + datetime.timedelta(days=2))

    # Then the sale has left the 30-day window, and the row with nothing new was not rewritten
    row = StockSummary.objects.get(product=seller)
    assert (row.sold_30, row.sold_90) == (0, 6)
    assert StockSummary.objects.get(product=idle).updated_at == idle_stamp


def test_the_hourly_pass_queues_sales_that_left_the_window_and_stock_that_turned_dead(manager, bin_slc):
    # Given figures last computed an hour ago: a sale then 29.98 days old, stock then 89.98 days old,
    # and a product sold ten days ago that the calendar does not touch this hour
    seller, old_stock, steady = ProductFactory(sku="SELLS"), ProductFactory(sku="OLD"), ProductFactory(sku="STEADY")
    receive(seller, bin_slc, 30, days_ago=40)
    ship(seller, bin_slc, 6, days_ago=30 + 0.5 / 24)
    receive(old_stock, bin_slc, 5, days_ago=90 + 0.5 / 24)
    receive(steady, bin_slc, 9, days_ago=40)
    ship(steady, bin_slc, 1, days_ago=10)
    StockSummaryChange.objects.all().delete()
    refresh.stock_summary_refresh(pairs=[(p.pk, bin_slc.warehouse_id) for p in (seller, old_stock, steady)],
                                  now=timezone.now() - datetime.timedelta(hours=1))
    assert StockSummary.objects.get(product=seller).sold_30 == 6
    assert StockSummary.objects.get(product=old_stock).status != StockStatus.DEAD

    # When the hourly pass runs, and a reader counts the queue in
    queued = stock_summary_queue_aged_task()
    rows = page_rows(manager)

    # Then exactly the two pairs the calendar changed were queued, and their figures caught up
    assert queued == 2
    assert rows[("SELLS", "SLC")].sold_30 == 0
    assert rows[("OLD", "SLC")].status == StockStatus.DEAD
    assert rows[("STEADY", "SLC")].sold_30 == 1


def test_the_rebuild_task_and_command_fill_an_empty_summary(bin_slc):
    receive(ProductFactory(), bin_slc, 2)
    StockSummaryChange.objects.all().delete()  # as after a bulk load that bypassed the services

    assert stock_summary_rebuild_task()["rows"] == 1
    StockSummary.objects.all().delete()
    call_command("stock_figures_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert StockSummary.objects.count() == 1


def test_rebuild_in_chunks_covers_every_product(bin_slc):
    products = [ProductFactory() for _ in range(7)]
    for product in products:
        receive(product, bin_slc, 1)
    StockSummaryChange.objects.all().delete()

    result = stock_summary_rebuild(chunk_products=3)

    assert result["chunks"] >= 3
    assert set(StockSummary.objects.values_list("product_id", flat=True)) == {p.pk for p in products}


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------------------


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_and_readers_at_once_lose_no_change_and_never_deadlock():
    # Given two bins and products that four writers keep moving while four readers drain the queue
    slc_bin = LocationFactory(warehouse=WarehouseFactory(code="SLC"))
    nsh_bin = LocationFactory(warehouse=WarehouseFactory(code="NSH"))
    products = [ProductFactory() for _ in range(3)]
    for product in products:
        receive(product, slc_bin, 100)
        receive(product, nsh_bin, 100)

    def writer(seed):
        def work():
            for i in range(15):
                product = products[(seed + i) % len(products)]
                source, target = (slc_bin, nsh_bin) if (seed + i) % 2 else (nsh_bin, slc_bin)
                stock_move(stock_level_id=level(product, source).pk, to_location=target, quantity=1,
                           reference=f"T-{seed}-{i}")
                stock_remove(stock_level_id=level(product, target).pk, quantity=1, kind=MovementKind.SHIP,
                             reference=f"O-{seed}-{i}", reason="Shipped")
        return work

    def reader():
        for _ in range(15):
            stock_summary_refresh_pending(limit=5)

    # When they all run at once
    _results, errors = run_together([writer(s) for s in range(4)] + [reader for _ in range(4)])

    # Then nothing failed, and once the queue is drained the figures equal a rebuild from scratch
    assert errors == []
    while stock_summary_refresh_pending():
        pass
    kept = summary_snapshot()
    StockSummary.objects.all().delete()
    stock_summary_rebuild()
    assert summary_snapshot() == kept
    assert sum(s.on_hand for s in StockSummary.objects.all()) == 600 - 60
    assert StockMovement.objects.filter(kind=MovementKind.SHIP).count() == 60


def test_the_figures_are_kept_by_beat_every_minute_hourly_and_nightly(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["inventory.tasks.stock_summary_refresh_task"] == 60.0
    assert schedule["inventory.tasks.stock_summary_queue_aged_task"].minute == {0}
    assert schedule["inventory.tasks.stock_summary_rebuild_task"].hour == {3}
