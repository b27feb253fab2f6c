"""Thin Celery tasks of order intake; each takes ids and is safe to run twice."""

from celery import shared_task

from core.work import work_enqueue, work_register
from orders.intake.deliveries import (
    webhook_deliveries_process,
    webhook_delivery_failed,
    webhook_delivery_process,
)
from orders.intake.polling import channel_sync, pollable_channel_ids
from orders.task_names import PROCESS_DELIVERY_TASK


@shared_task(name=PROCESS_DELIVERY_TASK, acks_late=True)
def webhook_delivery_process_task(delivery_id: int) -> str | None:
    """Process one stored delivery (a missing or finished one is left alone)."""
    delivery = webhook_delivery_process(delivery_id=delivery_id)
    return delivery.state if delivery else None


work_register(webhook_delivery_process_task, label="Storefront deliveries to process",
              batch=webhook_deliveries_process, on_failure=webhook_delivery_failed)


@shared_task(name="orders.intake.sync_channels")
def channels_sync_task() -> int:
    """Queue a polling sync of every active Shopify and WooCommerce channel that has API credentials."""
    channel_ids = pollable_channel_ids()
    for channel_id in channel_ids:
        work_enqueue(channel_sync_task, channel_id)
    return len(channel_ids)


@shared_task(name="orders.intake.sync_channel", acks_late=True)
def channel_sync_task(channel_id: int) -> dict | None:
    """Fetch the orders a channel's store changed since its cursor and upsert them."""
    result = channel_sync(channel_id=channel_id)
    return result.as_dict() if result else None


work_register(channel_sync_task, label="Storefront polling syncs")
