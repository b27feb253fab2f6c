"""Stock sync benchmark: a minute of stock changes becomes how many storefront API calls?

    .venv/bin/python bench/stock_sync.py                 # 10,000 SKUs on a throw-away SQLite database
    BENCH_STOCK_SYNC_SKUS=2000 DATABASE_URL=postgres://.../dh_bench .venv/bin/python bench/stock_sync.py

One client with N SKUs listed on a WooCommerce store and on a Shopify shop (the local fake storefront,
tests/fakes/storefront.py). Every SKU's stock changes once through the ledger service (inventory.services),
as a busy minute of receiving and allocation would change it; each change queues its product for both
channels in its own transaction. Then the debounced push job of each channel runs, as the sweep runs it
after the debounce (a run answers for up to 5,000 products and queues the next), and the API calls the store
received are counted, beside the baseline of one call per change per channel (what pushing on every change
would cost): WooCommerce takes batches of 100, Shopify's GraphQL inventorySetQuantities 250 items a mutation.
Target: at most a few hundred calls for 10,000 SKUs.
Use a database of its own: the script migrates it and writes test data.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.NamedTemporaryFile(prefix="dockhand-bench-", suffix=".sqlite3", delete=False)
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.disable(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import Job  # noqa: E402
from core.work import job_run  # noqa: E402
from inventory.models import Client, Product, StockLevel  # noqa: E402
from inventory.services import stock_adjust  # noqa: E402
from orders.choices import ChannelKind  # noqa: E402
from orders.models import ChannelListing, ChannelStockSync, SalesChannel, StockSyncPending  # noqa: E402
from orders.stock_sync import services  # noqa: E402
from orders.storefronts import RetryPolicy, ShopifyClient  # noqa: E402
from orders.task_names import STOCK_PUSH_TASK  # noqa: E402
from tests.fakes.storefront import FakeStorefront, woocommerce_product  # noqa: E402
from warehouses.choices import LocationKind  # noqa: E402
from warehouses.models import Location, Warehouse  # noqa: E402

SKUS = int(os.environ.get("BENCH_STOCK_SYNC_SKUS", "10000"))
SHOPIFY_LOCATION = "487838322"


def build_world(store: FakeStorefront) -> tuple[list[Product], Location, SalesChannel, SalesChannel]:
    suffix = str(time.time_ns())[-8:]
    warehouse = Warehouse.objects.create(code=f"B{suffix[-5:]}", name="Bench", city="Salt Lake City", state="UT",
                                         postal_code="84120", latitude="40.725190", longitude="-111.985870")
    location = Location.objects.create(warehouse=warehouse, code=f"A-{suffix}", kind=LocationKind.PICK)
    client = Client.objects.create(name=f"Bench {suffix}", code=f"B{suffix}")
    products = Product.objects.bulk_create(
        [Product(client=client, sku=f"BS-{i:05d}", name=f"Bench {i}") for i in range(SKUS)], batch_size=2000)
    StockLevel.objects.bulk_create([StockLevel(product=p, location=location, on_hand=50) for p in products],
                                   batch_size=2000)
    woo = SalesChannel.objects.create(client=client, kind=ChannelKind.WOOCOMMERCE, name="Woo", store_url=store.url,
                                      credentials={"consumer_key": store.woo_key, "consumer_secret": store.woo_secret})
    shop = SalesChannel.objects.create(client=client, kind=ChannelKind.SHOPIFY, name="Shop", store_url=store.url,
                                       credentials={"access_token": store.shopify_token})
    for channel in (woo, shop):
        ChannelStockSync.objects.create(channel=channel, is_enabled=True, buffer=2, location_id=SHOPIFY_LOCATION)
    # The listings as a catalogue read would have left them, with what each store shows now (48 = 50 − 2).
    ChannelListing.objects.bulk_create(
        [ChannelListing(channel=woo, product=p, external_sku=p.sku, external_id=str(100000 + i),
                        storefront_quantity=48, last_pushed_quantity=48) for i, p in enumerate(products)]
        + [ChannelListing(channel=shop, product=p, external_sku=p.sku, external_id=str(500000 + i),
                          storefront_quantity=48, last_pushed_quantity=48) for i, p in enumerate(products)],
        batch_size=2000)
    store.woocommerce_products.extend(woocommerce_product(100000 + i, p.sku, stock_quantity=48)
                                      for i, p in enumerate(products))
    store.shopify_levels.update({(str(500000 + i), SHOPIFY_LOCATION): 48 for i in range(SKUS)})
    return products, location, woo, shop


def main() -> None:
    call_command("migrate", verbosity=0)
    with FakeStorefront() as store:
        products, location, woo, shop = build_world(store)

        started = time.perf_counter()
        for product in products:  # one stock change per SKU, each its own transaction (as receiving does)
            with transaction.atomic():
                stock_adjust(product=product, location=location, quantity=-1, reason="Bench: damaged")
        changed_in = time.perf_counter() - started
        jobs = Job.objects.filter(task=STOCK_PUSH_TASK, object_id__in=[woo.pk, shop.pk]).count()
        queued = StockSyncPending.objects.filter(channel__in=[woo, shop]).count()

        after_debounce = timezone.now() + services.debounce() + timedelta(seconds=1)
        store.requests.clear()
        started = time.perf_counter()
        job_run(STOCK_PUSH_TASK, woo.pk, limit=1, now=after_debounce)
        woo_calls = len([r for r in store.requests if r.method != "GET"])
        woo_seconds = time.perf_counter() - started
        # Shopify's pushes go through clients on the fake's clock, so any pause costs no time; a push answers
        # for 5,000 products and queues the next run (which runs inline here, without a broker).
        services.client_for_channel = lambda channel: ShopifyClient(
            store.url, access_token=store.shopify_token, retry=RetryPolicy(attempts=5), sleep=store.sleep)
        store.requests.clear()
        started = time.perf_counter()
        runs = 0
        while StockSyncPending.objects.filter(channel=shop).exists() and runs < SKUS:
            runs += job_run(STOCK_PUSH_TASK, shop.pk, limit=1, now=after_debounce)
        shop_calls = len([r for r in store.requests if r.method != "GET"])
        shop_seconds = time.perf_counter() - started
        mutations = len(store.requests_to("POST", "/graphql.json"))

        wrong_woo = sum(1 for p in store.woocommerce_products if p["stock_quantity"] != 47)
        wrong_shop = sum(1 for qty in store.shopify_levels.values() if qty != 47)

    print(f"stock sync: {SKUS} SKUs changed once each in {changed_in:.1f} s "
          f"({SKUS / changed_in:.0f} changes/s through the ledger service)")
    print(f"  queued: {queued} (channel, SKU) rows, {jobs} push job(s) waiting for the debounce")
    print(f"  WooCommerce: {woo_calls} API calls (batches of 100) vs baseline {SKUS} (one per change) "
          f"-> {SKUS / max(woo_calls, 1):.0f}x fewer; {woo_seconds:.1f} s; wrong figures left: {wrong_woo}")
    print(f"  Shopify:     {shop_calls} API calls ({mutations} inventorySetQuantities mutations of up to 250 "
          f"items; pauses {sum(store.slept):.0f} s of shop time) vs baseline {SKUS} "
          f"-> {SKUS / max(shop_calls, 1):.0f}x fewer; {shop_seconds:.1f} s; wrong figures left: {wrong_shop}")
    if _tmp is not None:
        os.unlink(_tmp.name)


if __name__ == "__main__":
    main()
