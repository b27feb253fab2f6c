import pytest
from django.conf import settings

from shipping.choices import PickListKind
from shipping.models import PickList, Wave
from shipping.picking.release import pick_list_release_single, wave_release
from shipping.tasks import (
    pick_list_pdf_task,
    pick_lists_release_all_task,
    pick_lists_release_task,
    wave_pdf_task,
)
from tests.factories import ProductFactory
from tests.shipping.factories import allocated_order, make_floor

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_release_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["shipping-release-pick-lists"]
    assert entry["task"] == "shipping.tasks.pick_lists_release_all_task"


def test_release_sweep_releases_each_warehouse_once(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    floor = make_floor()
    item = ProductFactory()
    warehouse = floor["PACK-01"].warehouse
    orders = [allocated_order(warehouse, [(item, floor[f"A-01-0{n}-A"], 1)]) for n in range(1, 4)]

    with django_capture_on_commit_callbacks(execute=True):
        assert pick_lists_release_all_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        pick_lists_release_task.delay(warehouse.pk)  # a second run finds nothing waiting

    pick_list = PickList.objects.get()
    assert pick_list.kind == PickListKind.BATCH
    assert set(pick_list.list_orders.values_list("order_id", flat=True)) == {o.pk for o in orders}
    assert pick_list.pdf  # rendered after commit by pick_list_pdf_task


def test_release_sweep_can_be_switched_off(settings):
    settings.DOCKHAND_PICKING = {**settings.DOCKHAND_PICKING, "auto_release": False}
    assert pick_lists_release_all_task.delay().get() == 0


def test_pdf_tasks_tolerate_missing_rows_and_run_twice(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    pick_list_pdf_task.delay(999_999)
    wave_pdf_task.delay(999_999)
    floor = make_floor()
    item = ProductFactory()
    warehouse = floor["PACK-01"].warehouse
    pick_list = pick_list_release_single(order=allocated_order(warehouse, [(item, floor["A-01-01-A"], 1)]))
    allocated_order(warehouse, [(item, floor["A-01-02-A"], 1)])
    with django_capture_on_commit_callbacks(execute=True):
        wave = wave_release(warehouse=warehouse)

    pick_list_pdf_task.delay(pick_list.pk)
    pick_list_pdf_task.delay(pick_list.pk)

    pick_list.refresh_from_db()
    assert pick_list.pdf.read().startswith(b"%PDF")
    assert len(list((tmp_path / pick_list.pdf.name).parent.glob("PL-*.pdf"))) == 1  # replaced, not piled up
    assert Wave.objects.get(pk=wave.pk).pdf
