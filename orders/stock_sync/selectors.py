"""Reads for the channel page's stock sync card."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from core.choices import JobState
from core.models import Job
from orders.models import ChannelListing, ChannelStockSync, SalesChannel, StockSyncPending
from orders.stock_sync.services import SYNC_KINDS
from orders.task_names import STOCK_PUSH_TASK, STOCK_RECONCILE_TASK


@dataclass
class StockSyncStatus:
    """What the channel page shows about a channel's stock sync."""

    state: ChannelStockSync | None
    listings: int
    listings_refused: int
    queued_products: int
    jobs: list[Job]

    @property
    def retrying(self) -> list[Job]:
        return [job for job in self.jobs if job.state == JobState.PENDING and job.last_error]

    @property
    def failed(self) -> list[Job]:
        return [job for job in self.jobs if job.state == JobState.FAILED]


def stock_sync_status(channel: SalesChannel) -> StockSyncStatus | None:
    """The channel's sync settings, listings, queue and push jobs (None for channels without a storefront)."""
    if channel.kind not in SYNC_KINDS:
        return None
    state = ChannelStockSync.objects.filter(channel=channel).first()
    listings = ChannelListing.objects.filter(channel=channel)
    jobs = list(Job.objects.filter(task__in=[STOCK_PUSH_TASK, STOCK_RECONCILE_TASK], object_id=channel.pk)
                .order_by("run_after", "pk"))
    return StockSyncStatus(
        state=state,
        listings=listings.count(),
        listings_refused=listings.exclude(last_error="").count(),
        queued_products=StockSyncPending.objects.filter(channel=channel).values("product_id").distinct().count(),
        jobs=jobs,
    )


def channel_listing_list(*, channel: SalesChannel, query: str = "") -> QuerySet[ChannelListing]:
    """The channel's listings, refused ones first, then by SKU; `query` filters on either SKU."""
    listings = ChannelListing.objects.filter(channel=channel).select_related("product")
    if query:
        listings = listings.filter(Q(external_sku__icontains=query) | Q(product__sku__icontains=query))
    refused = Case(When(last_error="", then=Value(1)), default=Value(0), output_field=IntegerField())
    return listings.annotate(refused_first=refused).order_by("refused_first", "external_sku", "pk")
