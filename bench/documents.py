"""Concurrent requests for a missing wave PDF: rendered once under the document's lock row, against the old
way (every request rendering its own copy), both measured against one request alone in the same run.

A wave of BENCH_WAVE_ORDERS orders (default 24, carts of 8: three pick lists) at one warehouse; its PDF is
removed, then BENCH_FETCHES (default 6) requests ask for it at the same moment on threads, each with its own
database connection (as web workers would). Reported: wall time and renders for
- one fetch alone (the baseline),
- the old way: each of the N requests renders the wave itself (shipping.pdf.pick_lists_pdf, as the view did),
- now: N fetches through the view (shipping.views.wave_pdf -> shipping.document_store.document_ensure).

Runs against its own database (default postgres://postgres@127.0.0.1:5432/dh_bench_docs, created if missing;
DOCKHAND_BENCH_DOCS_DATABASE_URL changes it), which it empties first. Without PostgreSQL it says so, exits 0.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgbench_db import django_setup_empty, ensure_database  # noqa: E402  (bench/ is sys.path[0])

BENCH_URL = os.environ.get("DOCKHAND_BENCH_DOCS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dh_bench_docs")
FETCHES = int(os.environ.get("BENCH_FETCHES", "6"))
WAVE_ORDERS = int(os.environ.get("BENCH_WAVE_ORDERS", "24"))


def setup_django() -> None:
    django_setup_empty(BENCH_URL)


def build_wave():
    from django.conf import settings

    from shipping.picking.release import wave_release
    from tests.factories import ClientFactory, ProductFactory, WarehouseFactory
    from tests.shipping.factories import allocated_order, make_floor

    settings.CELERY_TASK_ALWAYS_EAGER = False  # the release task would render the PDF we want missing
    floor = make_floor(WarehouseFactory(code="BEN"))
    warehouse = floor["A-01-01-A"].warehouse
    merchant = ClientFactory()
    codes = sorted(code for code in floor if code.startswith("A-"))
    for n in range(WAVE_ORDERS):
        products = [ProductFactory(client=merchant) for _ in range(3)]
        allocated_order(warehouse, [(p, floor[codes[(n * 3 + i) % len(codes)]], 1) for i, p in enumerate(products)],
                        client=merchant)
    return wave_release(warehouse=warehouse, cart_size=8)


def forget_pdf(wave) -> None:
    from django.core.files.storage import default_storage

    from shipping.models import Wave

    fresh = Wave.objects.get(pk=wave.pk)
    if fresh.pdf:
        default_storage.delete(fresh.pdf.name)
    Wave.objects.filter(pk=wave.pk).update(pdf="", pdf_paper="")


def together(job, count: int) -> tuple[float, list]:
    from tests.concurrency import run_together

    started = time.perf_counter()
    results, errors = run_together([job] * count)
    if errors:
        raise errors[0]
    return time.perf_counter() - started, results


def main() -> int:
    logging.disable(logging.WARNING)
    why_not = ensure_database(BENCH_URL)
    if why_not:
        print(f"skipped: {why_not}")
        return 0
    setup_django()
    from django.conf import settings
    from django.test import Client

    import shipping.pdf
    from core.choices import Role
    from shipping.pdf import paper_for, pick_lists_for_print
    from tests.factories import make_user

    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dockhand-bench-docs-"))
    settings.ALLOWED_HOSTS = ["testserver"]
    wave = build_wave()
    manager = make_user(Role.MANAGER)
    renders = []
    real_render = shipping.pdf.pick_lists_pdf

    def counted_render(*args, **kwargs):
        renders.append(threading.get_ident())
        return real_render(*args, **kwargs)

    shipping.pdf.pick_lists_pdf = counted_render
    ids = list(wave.pick_lists.order_by("pk").values_list("pk", flat=True))

    def fetch():
        browser = Client()
        browser.force_login(manager)
        response = browser.get(f"/picking/waves/{wave.pk}/pdf/")
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content)

    def old_way():  # what every request did before: render the wave itself
        return counted_render(pick_lists_for_print(ids), paper=paper_for(wave.warehouse))

    fetch()  # warm up fonts and templates
    rows = []
    for name, job, count in [("one fetch alone (baseline)", fetch, 1),
                             (f"old way: {FETCHES} requests, each renders", old_way, FETCHES),
                             (f"now: {FETCHES} concurrent fetches", fetch, FETCHES)]:
        forget_pdf(wave)
        renders.clear()
        seconds, results = together(job, count)
        rows.append((name, seconds, len(renders), len(set(results))))
    baseline = rows[0][1]
    print(f"wave of {WAVE_ORDERS} orders in {len(ids)} pick lists; {os.cpu_count()} CPU cores")
    print(f"{'':45} {'wall s':>8} {'× baseline':>11} {'renders':>8} {'distinct PDFs':>15}")
    for name, seconds, count, distinct in rows:
        print(f"{name:45} {seconds:8.2f} {seconds / baseline:11.2f} {count:8d} {distinct:15d}")
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    print(f"files left on disk for the wave: {len(stored)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
