"""Send signed, realistic Shopify order webhooks to a running Dockhand, so that orders flow in."""

from __future__ import annotations

import random
import time

import requests
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from orders.choices import ChannelKind
from orders.intake.simulator import webhooks
from orders.models import SalesChannel


class Command(BaseCommand):
    help = ("Send N signed Shopify orders/create webhooks (US addresses, a few messy ones, some duplicates) "
            "to a running Dockhand at R per second.")

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=20, help="How many orders (default 20).")
        parser.add_argument("--rate", type=float, default=2.0, help="Webhooks per second; 0 = as fast as possible.")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where Dockhand runs.")
        parser.add_argument("--channel", type=int, help="Shopify channel id (default: the first with a secret).")
        parser.add_argument("--duplicates", type=float, default=0.1, help="Share of webhooks sent twice.")
        parser.add_argument("--bad", type=float, default=0.1, help="Share of messy orders.")
        parser.add_argument("--seed", type=int, help="Random seed, for a repeatable run.")

    def handle(self, *args, **options):
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1.")
        channels = SalesChannel.objects.select_related("client").filter(
            kind=ChannelKind.SHOPIFY, is_active=True).exclude(webhook_secret="").order_by("pk")
        channel = channels.filter(pk=options["channel"]).first() if options["channel"] else channels.first()
        if channel is None:
            raise CommandError("No active Shopify channel with a webhook secret; run `manage.py seed_demo` first "
                               "(or pass --channel).")
        skus = list(channel.client.products.filter(is_active=True).values_list("sku", flat=True))
        if not skus:
            raise CommandError(f"{channel.client.name} has no products to order.")
        rng = random.Random(options["seed"])
        url = options["url"].rstrip("/") + reverse("webhooks:shopify", args=[channel.pk])
        self.stdout.write(f"Sending {options['orders']} Shopify orders to channel #{channel.pk} “{channel.name}” "
                          f"(client {channel.client.name}) at {url}")
        batch = webhooks(count=options["orders"], skus=skus, secret=channel.webhook_secret, rng=rng,
                         bad_share=options["bad"])
        delay = 1.0 / options["rate"] if options["rate"] > 0 else 0.0
        statuses: dict[int, int] = {}
        sent = 0
        with requests.Session() as session:
            for webhook in batch:
                copies = 2 if rng.random() < options["duplicates"] else 1
                for copy in range(copies):
                    started = time.monotonic()
                    try:
                        response = session.post(url, data=webhook.body, headers=webhook.headers, timeout=10)
                    except requests.RequestException as exc:
                        raise CommandError(f"Could not reach Dockhand at {options['url']} ({exc}). Is it running "
                                           "(make run)?") from exc
                    sent += 1
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    note = " duplicate" if copy else ""
                    note += f" ({webhook.messy})" if webhook.messy and not copy else ""
                    self.stdout.write(f"  order {webhook.order_id}: {response.status_code} "
                                      f"{(time.monotonic() - started) * 1000:.0f} ms{note}")
                    if delay:
                        time.sleep(delay)
        summary = ", ".join(f"{count} × {code}" for code, count in sorted(statuses.items()))
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} webhooks for {len(batch)} orders: {summary}. "
                                             f"Watch them on {options['url'].rstrip('/')}/orders/"))
