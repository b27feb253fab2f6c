from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from returns import receivers  # noqa: F401, PLC0415 - connects the receivers once the models are loaded
