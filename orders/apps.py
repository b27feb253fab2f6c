from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # Receivers and tasks import models, so they load once the app registry is ready.
        from inventory.signals import stock_available_increased, stock_changed  # noqa: PLC0415 - once apps are ready
        from orders.receivers import (  # noqa: PLC0415 - loaded once apps are ready
            allocate_backorders_on_arrival,
            queue_stock_sync_on_change,
        )

        stock_available_increased.connect(allocate_backorders_on_arrival,
                                          dispatch_uid="orders.allocate_backorders_on_arrival")
        stock_changed.connect(queue_stock_sync_on_change, dispatch_uid="orders.queue_stock_sync_on_change")
