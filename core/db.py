"""PostgreSQL connections: read timestamps with psycopg's compiled loader instead of Django's Python one.

Django registers its own `timestamptz` loader on every psycopg connection, a subclass of psycopg's pure-Python
loader that parses each value in Python and then sets the tzinfo Django wants. psycopg's compiled loader (the
`psycopg[binary]` package) gives the same aware datetime when the session's time zone is UTC, which Django sets
whenever USE_TZ is on and the database has no TIME_ZONE of its own. Every row a worker or a page reads carries
timestamps (created, updated, received), so this is about a tenth of a routing batch's Python time.
"""

from __future__ import annotations

import datetime

from psycopg.adapt import Loader

try:
    from psycopg_binary._psycopg import TimestamptzLoader as CompiledTimestamptzLoader
except ImportError:  # pure-Python psycopg: Django's loader stays
    CompiledTimestamptzLoader = None


class UtcTimestamptzLoader(Loader):
    """psycopg's compiled timestamptz loader, as Django's wrapper sees it (its `timezone` attribute)."""

    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._compiled = CompiledTimestamptzLoader(oid, context)  # it cannot be subclassed

    def load(self, data):
        return self._compiled.load(data)


def timestamps_compiled(sender, connection, **kwargs) -> None:
    """connection_created receiver: use the compiled loader when it gives what Django's would."""
    if (connection.vendor != "postgresql" or CompiledTimestamptzLoader is None
            or connection.timezone != datetime.UTC
            or connection.connection.info.parameter_status("TimeZone") != "UTC"):
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
