"""Order intake: storefront webhooks (an outbox of stored deliveries), polling sync, CSV and API intake."""
