from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from returns import receivers  # noqa: F401 - connects the signal receivers
