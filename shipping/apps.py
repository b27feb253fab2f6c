from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "shipping"

    def ready(self) -> None:
        from shipping import receivers  # noqa: F401, PLC0415 - connects the receivers once the models are loaded
