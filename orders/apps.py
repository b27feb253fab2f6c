from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from inventory.signals import stock_available_increased
        from orders.handlers import allocate_backorders_on_arrival

        stock_available_increased.connect(allocate_backorders_on_arrival,
                                          dispatch_uid="orders.allocate_backorders_on_arrival")
