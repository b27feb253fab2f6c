"""Stock sync to the storefronts: each Shopify or WooCommerce channel shows the stock Dockhand can ship.

What is pushed, per storefront listing: the available units (on hand − allocated) of its product, counting
only the stock routing could reserve for the channel's orders (active pick and reserve locations, unexpired,
in the active warehouses the client may ship from), less the channel's buffer, or less the listing's own
hold-back when that is larger; never below zero. Listings are found in the storefront's catalogue and matched
to products as intake matches order lines (the channel's SKU mapping, the client's, then the product's SKU),
so a mapping applies in reverse.

When: every stock change (inventory.signals.stock_changed) appends (channel, product) rows to
StockSyncPending in the same transaction and queues one delayed push job per channel (core.work), so a
burst of changes becomes one push per channel. A push reads the rows it will answer for, sends the fresh
figures (Shopify: one GraphQL inventorySetQuantities mutation per 250 items; WooCommerce: batches of 100),
then deletes those rows. A nightly reconciliation reads the storefront's figures and corrects the
differences.

Failures: 429 and 5xx are retried by the client (honouring Retry-After), then by core.work with growing delays
(the rows stay queued); a refusal of the whole channel (bad credentials, 401/403) fails at once; a refusal of
one listing (404, 422, a batch item's error) is kept on the listing. All of them show on the channel page.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from core.exceptions import DomainError
from core.work import work_enqueue, work_enqueue_many
from inventory.models import Product, StockLevel
from orders.allocation import ALLOCATABLE_LOCATION_KINDS
from orders.choices import ChannelKind
from orders.models import ChannelListing, ChannelStockSync, SalesChannel, StockSyncPending
from orders.selectors import products_for_skus
from orders.storefronts import StorefrontClient, StorefrontError, StorefrontUnavailable, client_for_channel
from orders.storefronts.shopify import QUANTITIES_PER_MUTATION
from orders.storefronts.woocommerce import BATCH_LIMIT
from orders.task_names import STOCK_PUSH_TASK, STOCK_RECONCILE_TASK
from warehouses.models import Warehouse

logger = logging.getLogger(__name__)

SYNC_KINDS = (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE)
# Statuses whose answer is about the whole channel (its key, its scopes): no listing would fare better.
CHANNEL_REFUSALS = frozenset({401, 402, 403})
PUSH_LEASE = timedelta(minutes=10)
# Products one push run answers for, per platform (the rest are pushed by a run queued right after).
PUSH_MAX_PRODUCTS = {ChannelKind.SHOPIFY: 5000, ChannelKind.WOOCOMMERCE: 5000}


def debounce() -> timedelta:
    """How long a push waits after the first change it answers for, gathering the burst behind it."""
    return timedelta(seconds=getattr(settings, "DOCKHAND_STOCK_SYNC_DEBOUNCE_SECONDS", 30))


class StockSyncRefused(DomainError):
    """The storefront refused the channel itself (credentials, scopes, setup): retrying cannot help."""


# --- queueing ---------------------------------------------------------------------------------------------


def stock_sync_queue(*, product_ids: Iterable[int]) -> set[int]:
    """Queue the listed products for a push to every channel that syncs them, and a delayed push per channel.

    Call inside the transaction that changed the stock: one statement when no channel syncs the products,
    two otherwise. Returns the channel ids queued.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return set()
    q = connection.ops.quote_name
    pending, product, channel, sync, listing = (q(m._meta.db_table) for m in (
        StockSyncPending, Product, SalesChannel, ChannelStockSync, ChannelListing))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {pending} (channel_id, product_id, created_at) "
            f"SELECT c.id, p.id, %s FROM {product} p "
            f"JOIN {channel} c ON c.client_id = p.client_id "
            f"JOIN {sync} s ON s.channel_id = c.id "
            f"WHERE p.id IN ({', '.join(['%s'] * len(ids))}) AND s.is_enabled = %s AND c.is_active = %s "
            f"AND EXISTS (SELECT 1 FROM {listing} l WHERE l.channel_id = c.id AND l.product_id = p.id) "
            "RETURNING channel_id",
            [timezone.now(), *ids, True, True],
        )
        channel_ids = {row[0] for row in cursor.fetchall()}
    work_enqueue_many(STOCK_PUSH_TASK, channel_ids, delay=debounce())
    return channel_ids


def stock_sync_queue_listings(*, channel_id: int, product_ids: Iterable[int] | None = None) -> int:
    """Queue a push of the channel's listings (all of them, or those of some products) after a setting that
    changes their figures (buffer, hold-back, warehouses). Returns how many products were queued."""
    listings = ChannelListing.objects.filter(channel_id=channel_id)
    if product_ids is not None:
        listings = listings.filter(product_id__in=list(product_ids))
    now = timezone.now()
    ids = sorted(set(listings.values_list("product_id", flat=True)))
    StockSyncPending.objects.bulk_create(StockSyncPending(channel_id=channel_id, product_id=p, created_at=now)
                                         for p in ids)
    if ids:
        work_enqueue(STOCK_PUSH_TASK, channel_id, delay=debounce())
    return len(ids)


# --- the figures ------------------------------------------------------------------------------------------


def channel_warehouse_ids(channel: SalesChannel) -> list[int]:
    """The warehouses whose stock the channel may sell: the client's allowed ones when it has any, else every
    one; active ones only (as routing decides)."""
    allowed = Warehouse.objects.filter(is_active=True)
    client_allowed = list(channel.client.allowed_warehouses.values_list("pk", flat=True))
    if client_allowed:
        allowed = allowed.filter(pk__in=client_allowed)
    return sorted(allowed.values_list("pk", flat=True))


def channel_available(*, channel: SalesChannel, product_ids: Iterable[int]) -> dict[int, int]:
    """Units each product has available for the channel's orders (0 for none): one query."""
    ids = sorted(set(product_ids))
    rows = (StockLevel.objects.filter(
        product_id__in=ids, location__kind__in=ALLOCATABLE_LOCATION_KINDS, location__is_active=True,
        location__warehouse_id__in=channel_warehouse_ids(channel))
        .exclude(expiry_date__lte=timezone.localdate())
        .values("product_id").annotate(units=Sum(F("on_hand") - F("allocated"))).order_by())
    available = dict.fromkeys(ids, 0)
    available.update({row["product_id"]: max(int(row["units"] or 0), 0) for row in rows})
    return available


def listing_quantity(*, available: int, buffer: int, hold_back: int | None) -> int:
    """What the storefront should show: the available units less the larger of the channel's buffer and the
    listing's hold-back, never below zero."""
    return max(available - max(buffer, hold_back or 0), 0)


# --- the catalogue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorefrontItem:
    sku: str
    external_id: str
    parent_id: str
    quantity: int | None


def _sync_state(channel: SalesChannel) -> ChannelStockSync:
    state, _ = ChannelStockSync.objects.get_or_create(channel=channel)
    return state


def _shopify_location(api, state: ChannelStockSync) -> str:
    if state.location_id:
        return state.location_id
    active = [loc for loc in api.locations() if loc.get("active", True) and not loc.get("deleted_at")]
    if not active:
        raise StockSyncRefused("The Shopify shop has no active location to set stock at.")
    state.location_id = str(active[0]["id"])
    state.save(update_fields=["location_id", "updated_at"])
    return state.location_id


def _storefront_items(channel: SalesChannel, api, state: ChannelStockSync) -> list[StorefrontItem]:
    """Every SKU the storefront lists, with its ids and the quantity it shows now."""
    items: list[StorefrontItem] = []
    if channel.kind == ChannelKind.SHOPIFY:
        location_id = _shopify_location(api, state)
        variants = [v for v in api.iter_variants() if v.get("sku") and v.get("inventory_item_id")]
        levels = api.inventory_levels(inventory_item_ids=[str(v["inventory_item_id"]) for v in variants],
                                      location_id=location_id)
        for variant in variants:
            item_id = str(variant["inventory_item_id"])
            items.append(StorefrontItem(variant["sku"], item_id, str(variant.get("id") or ""), levels.get(item_id)))
        return items
    for product in api.iter_products():
        if product.get("type") == "variable":
            for variation in api.iter_variations(product["id"]):
                if variation.get("sku"):
                    items.append(StorefrontItem(variation["sku"], str(variation["id"]), str(product["id"]),
                                                variation.get("stock_quantity")))
        elif product.get("sku"):
            items.append(StorefrontItem(product["sku"], str(product["id"]), "", product.get("stock_quantity")))
    return items


def channel_catalogue_refresh(*, channel: SalesChannel, api, state: ChannelStockSync) -> list[ChannelListing]:
    """Read the storefront's catalogue and keep one listing per SKU that resolves to one of the client's
    products (through the SKU mappings); forget listings the storefront no longer has. Returns the listings.

    Raises StorefrontError / StorefrontUnavailable.
    """
    items = _storefront_items(channel, api, state)
    products = products_for_skus(client_id=channel.client_id, channel_id=channel.pk, skus={i.sku for i in items})
    now = timezone.now()
    known = {listing.external_id: listing for listing in ChannelListing.objects.filter(channel=channel)}
    keep, create, update = set(), [], []
    for item in items:
        product = products.get(item.sku)
        if product is None:
            continue
        keep.add(item.external_id)
        listing = known.get(item.external_id)
        if listing is None:
            create.append(ChannelListing(channel=channel, product=product, external_sku=item.sku,
                                         external_id=item.external_id, parent_id=item.parent_id,
                                         storefront_quantity=item.quantity))
        else:
            listing.product, listing.external_sku, listing.parent_id = product, item.sku, item.parent_id
            listing.storefront_quantity, listing.updated_at = item.quantity, now
            update.append(listing)
    with transaction.atomic():
        ChannelListing.objects.filter(channel=channel).exclude(external_id__in=keep).delete()
        ChannelListing.objects.bulk_create(create, batch_size=1000)
        ChannelListing.objects.bulk_update(
            update, ["product", "external_sku", "parent_id", "storefront_quantity", "updated_at"], batch_size=1000)
    return list(ChannelListing.objects.filter(channel=channel).select_related("product"))


# --- pushing ----------------------------------------------------------------------------------------------


@dataclass
class PushResult:
    channel_id: int
    pushed: int = 0
    unchanged: int = 0
    refused: int = 0
    calls: int = 0
    error: str = ""
    pushed_ids: set[str] = field(default_factory=set)

    def as_dict(self) -> dict:
        return {"channel_id": self.channel_id, "pushed": self.pushed, "unchanged": self.unchanged,
                "refused": self.refused, "calls": self.calls, "error": self.error}


def _refusal(exc: StorefrontError) -> bool:
    return not isinstance(exc, StorefrontUnavailable) and (exc.status_code is None
                                                             or exc.status_code in CHANNEL_REFUSALS)


OUTCOME_FIELDS = ["last_pushed_quantity", "storefront_quantity", "last_pushed_at", "last_error", "updated_at"]


def _listings_push(channel: SalesChannel, api, state: ChannelStockSync, listings: list[ChannelListing],
                   result: PushResult, *, force: bool = False) -> None:
    """Send the fresh figures of `listings` (skipping unchanged ones unless `force`), recording each listing's
    outcome. Raises StorefrontUnavailable when the store kept failing, StockSyncRefused when it refused the
    channel; the outcomes of listings sent before that are recorded too."""
    available = channel_available(channel=channel, product_ids={listing.product_id for listing in listings})
    wanted: dict[int, int] = {}
    for listing in listings:
        quantity = listing_quantity(available=available[listing.product_id], buffer=state.buffer,
                                    hold_back=listing.hold_back)
        if not force and not listing.last_error and quantity == listing.last_pushed_quantity:
            result.unchanged += 1
            continue
        wanted[listing.pk] = quantity
    todo = [listing for listing in listings if listing.pk in wanted]
    done: list[ChannelListing] = []
    try:
        if channel.kind == ChannelKind.SHOPIFY:
            location_id = _shopify_location(api, state)
            batches = [(todo[start:start + QUANTITIES_PER_MUTATION], None)
                       for start in range(0, len(todo), QUANTITIES_PER_MUTATION)]
        else:
            groups: dict[str, list[ChannelListing]] = defaultdict(list)
            for listing in todo:
                groups[listing.parent_id].append(listing)
            batches = [(group[start:start + BATCH_LIMIT], parent_id) for parent_id, group in sorted(groups.items())
                       for start in range(0, len(group), BATCH_LIMIT)]
        for batch, parent_id in batches:
            figures = {listing.external_id: wanted[listing.pk] for listing in batch}
            try:
                if channel.kind == ChannelKind.SHOPIFY:
                    sent = api.inventory_quantities_set(figures, location_id=location_id)
                    result.calls += sent.calls
                    errors = {item: f"Shopify refused it: {message}" for item, message in sent.refused.items()}
                else:
                    result.calls += 1
                    errors = {item: f"WooCommerce refused it: {message}"
                              for item, message in api.stock_batch_update(figures, parent_id=parent_id).items()}
            except StorefrontError as exc:
                if isinstance(exc, StorefrontUnavailable) or _refusal(exc):
                    raise
                done.extend(_listing_refused(listing, exc.message, result) for listing in batch)
            else:
                done.extend(_listing_refused(listing, errors[listing.external_id], result)
                            if listing.external_id in errors else _listing_pushed(listing, wanted[listing.pk], result)
                            for listing in batch)
            _outcomes_write(done)
    finally:
        _outcomes_write(done)


def _outcomes_write(done: list[ChannelListing]) -> None:
    """Write the recorded outcomes in one statement and empty the list."""
    if done:
        ChannelListing.objects.bulk_update(done, OUTCOME_FIELDS)
        done.clear()


def _listing_pushed(listing: ChannelListing, quantity: int, result: PushResult) -> ChannelListing:
    now = timezone.now()
    listing.last_pushed_quantity = listing.storefront_quantity = quantity
    listing.last_pushed_at, listing.last_error, listing.updated_at = now, "", now
    result.pushed += 1
    result.pushed_ids.add(listing.external_id)
    return listing


def _listing_refused(listing: ChannelListing, message: str, result: PushResult) -> ChannelListing:
    listing.last_error, listing.updated_at = message[:2000], timezone.now()
    result.refused += 1
    return listing


def _push_claim(channel_id: int) -> bool:
    """Take the channel's push for this worker (a lease, so a dead worker's claim runs out)."""
    now = timezone.now()
    return bool(ChannelStockSync.objects.filter(channel_id=channel_id).filter(
        Q(push_started_at__isnull=True) | Q(push_started_at__lt=now - PUSH_LEASE)).update(push_started_at=now))


def _record_outcome(state: ChannelStockSync, result: PushResult, *, exc: Exception | None) -> None:
    now = timezone.now()
    updates = {"push_started_at": None, "updated_at": now}
    if exc is None:
        updates.update(last_push_at=now, last_push_items=result.pushed, last_push_calls=result.calls,
                       last_error="", last_error_at=None, last_error_is_permanent=False)
    else:
        updates.update(last_error=result.error[:2000], last_error_at=now,
                       last_error_is_permanent=not isinstance(exc, StorefrontUnavailable))
    ChannelStockSync.objects.filter(pk=state.pk).update(**updates)


def _channel_for_sync(channel_id: int) -> tuple[SalesChannel, ChannelStockSync] | None:
    channel = SalesChannel.objects.select_related("client", "stock_sync").filter(pk=channel_id).first()
    state = getattr(channel, "stock_sync", None) if channel else None
    if channel is None or state is None or not state.is_enabled or not channel.is_active \
            or channel.kind not in SYNC_KINDS:
        return None
    return channel, state


def _fail(result: PushResult, exc: StorefrontError) -> Exception:
    """Note the failure on the result; return what to raise: the passing fault itself (retried by core.work),
    or StockSyncRefused for a refusal of the channel (not retried)."""
    result.error = exc.message
    if isinstance(exc, StorefrontUnavailable) or not _refusal(exc):
        return exc
    return StockSyncRefused(exc.message)


def stock_push(*, channel_id: int, api: StorefrontClient | None = None) -> PushResult | None:
    """Push the fresh figures of the channel's queued products to its storefront, then unqueue them.

    A channel without sync (or gone) has its queue dropped and returns None. When another push of the channel
    is running, this one is queued again after the debounce. Raises StorefrontUnavailable (retried by
    core.work; the queue stays) or StockSyncRefused (the channel's credentials or setup; not retried).
    """
    found = _channel_for_sync(channel_id)
    if found is None:
        StockSyncPending.objects.filter(channel_id=channel_id).delete()
        return None
    channel, state = found
    result = PushResult(channel_id=channel.pk)
    if not _push_claim(channel.pk):
        work_enqueue(STOCK_PUSH_TASK, channel.pk, delay=debounce())
        return result
    queued = StockSyncPending.objects.filter(channel_id=channel.pk)
    last_id = queued.aggregate(last=Max("pk"))["last"]
    if last_id is None:
        ChannelStockSync.objects.filter(pk=state.pk).update(push_started_at=None)
        return result
    queued = queued.filter(pk__lte=last_id)
    # A run stays well inside the work lease: Shopify sets one item per call at about 2 calls a second.
    limit = PUSH_MAX_PRODUCTS[channel.kind]
    product_ids = list(queued.order_by("product_id").values_list("product_id", flat=True).distinct()[:limit + 1])
    more = len(product_ids) > limit
    product_ids = product_ids[:limit]
    if more:
        queued = queued.filter(product_id__in=product_ids)
    listings = list(ChannelListing.objects.filter(channel=channel, product_id__in=product_ids)
                    .order_by("parent_id", "pk"))
    try:
        _listings_push(channel, api or client_for_channel(channel), state, listings, result)
    except StorefrontError as exc:
        error = _fail(result, exc)
        # What went out stays out: unqueue the products whose every listing was sent.
        sent = {listing.product_id for listing in listings if listing.external_id in result.pushed_ids}
        unsent = {listing.product_id for listing in listings if listing.external_id not in result.pushed_ids}
        queued.filter(product_id__in=sent - unsent).delete()
        _record_outcome(state, result, exc=error)
        logger.warning("Stock push of channel %s failed: %s", channel.pk, result.error)
        if error is exc:
            raise
        raise error from exc
    queued.delete()
    _record_outcome(state, result, exc=None)
    if more:  # the rest in a run of its own, now
        work_enqueue(STOCK_PUSH_TASK, channel.pk)
    return result


@dataclass
class ReconcileResult:
    channel_id: int
    checked: int = 0
    corrected: int = 0
    push: PushResult | None = None

    def as_dict(self) -> dict:
        return {"channel_id": self.channel_id, "checked": self.checked, "corrected": self.corrected,
                "calls": self.push.calls if self.push else 0}


def stock_reconcile(*, channel_id: int, api: StorefrontClient | None = None) -> ReconcileResult | None:
    """Read the storefront's catalogue and figures, and set every listing whose figure differs from Dockhand's.

    Returns None for a channel without sync; when a push of the channel is running, queues itself again after
    the debounce. Raises StorefrontUnavailable (retried) or StockSyncRefused.
    """
    found = _channel_for_sync(channel_id)
    if found is None:
        return None
    channel, state = found
    push = PushResult(channel_id=channel.pk)
    outcome = ReconcileResult(channel_id=channel.pk, push=push)
    if not _push_claim(channel.pk):
        work_enqueue(STOCK_RECONCILE_TASK, channel.pk, delay=debounce())
        return outcome
    try:
        api = api or client_for_channel(channel)
        listings = channel_catalogue_refresh(channel=channel, api=api, state=state)
        available = channel_available(channel=channel, product_ids={listing.product_id for listing in listings})
        wrong = [listing for listing in listings
                 if listing.storefront_quantity != listing_quantity(
                     available=available[listing.product_id], buffer=state.buffer, hold_back=listing.hold_back)]
        outcome.checked = len(listings)
        _listings_push(channel, api, state, wrong, push, force=True)
        outcome.corrected = push.pushed
    except StorefrontError as exc:
        error = _fail(push, exc)
        _record_outcome(state, push, exc=error)
        logger.warning("Stock reconciliation of channel %s failed: %s", channel.pk, push.error)
        if error is exc:
            raise
        raise error from exc
    _record_outcome(state, push, exc=None)
    ChannelStockSync.objects.filter(pk=state.pk).update(
        last_reconciled_at=timezone.now(), last_reconcile_checked=outcome.checked,
        last_reconcile_corrected=outcome.corrected)
    return outcome


def stock_reconcile_channel_ids() -> list[int]:
    """The channels the nightly reconciliation visits: active, with stock sync enabled."""
    return list(ChannelStockSync.objects.filter(is_enabled=True, channel__is_active=True,
                                                channel__kind__in=SYNC_KINDS)
                .order_by("channel_id").values_list("channel_id", flat=True))


# --- settings ---------------------------------------------------------------------------------------------


def channel_stock_sync_update(*, channel: SalesChannel, is_enabled: bool, buffer: int, location_id: str = "",
                              user=None) -> ChannelStockSync:
    """Change a channel's stock sync settings. Turning it on (or changing where stock is set) reads the
    storefront's catalogue and corrects every figure (a reconciliation); a new buffer re-pushes every listing.

    Raises DomainError for a channel that is not Shopify or WooCommerce, or a negative buffer.
    """
    if channel.kind not in SYNC_KINDS:
        raise DomainError(f"{channel.get_kind_display()} channels have no storefront to push stock to.")
    if buffer < 0:
        raise DomainError("The buffer cannot be negative.", field="buffer")
    with transaction.atomic():
        state, _ = ChannelStockSync.objects.select_for_update().get_or_create(channel=channel)
        # An empty location keeps the one learnt from the shop (its first active location).
        location_id = location_id.strip() or state.location_id
        reconcile = is_enabled and (not state.is_enabled or location_id != state.location_id)
        buffer_changed = buffer != state.buffer
        state.is_enabled, state.buffer, state.location_id = is_enabled, buffer, location_id
        state.save(update_fields=["is_enabled", "buffer", "location_id", "updated_at"])
        if reconcile:
            work_enqueue(STOCK_RECONCILE_TASK, channel.pk)
        elif is_enabled and buffer_changed:
            stock_sync_queue_listings(channel_id=channel.pk)
    logger.info("Stock sync of channel %s set by %s: enabled=%s buffer=%s", channel.pk,
                getattr(user, "username", None), is_enabled, buffer)
    return state


def channel_listing_hold_back_set(*, listing: ChannelListing, hold_back: int | None, user=None) -> ChannelListing:
    """Hold back more units of one listing than the channel's buffer (None: the channel's buffer), and queue
    its push. Raises DomainError for a negative number."""
    if hold_back is not None and hold_back < 0:
        raise DomainError("The hold-back cannot be negative.", field="hold_back")
    with transaction.atomic():
        ChannelListing.objects.filter(pk=listing.pk).update(hold_back=hold_back, updated_at=timezone.now())
        listing.hold_back = hold_back
        stock_sync_queue_listings(channel_id=listing.channel_id, product_ids=[listing.product_id])
    logger.info("Hold-back of listing %s set to %s by %s", listing.pk, hold_back, getattr(user, "username", None))
    return listing
