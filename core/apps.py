from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Users and durable work"

    def ready(self) -> None:
        from core.db import timestamps_compiled  # noqa: PLC0415 - models and settings are loaded by now

        connection_created.connect(timestamps_compiled, dispatch_uid="core.db.timestamps_compiled")
