from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # Receivers and tasks import models, so they load once the app registry is ready.
        from inventory.signals import stock_available_increased  # noqa: PLC0415 - loaded once apps are ready
        from orders.receivers import allocate_backorders_on_arrival  # noqa: PLC0415 - loaded once apps are ready

        stock_available_increased.connect(allocate_backorders_on_arrival,
                                          dispatch_uid="orders.allocate_backorders_on_arrival")
