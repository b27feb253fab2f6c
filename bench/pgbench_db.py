"""Shared by the PostgreSQL benchmarks: create a benchmark's own database, or say why it cannot run."""

from __future__ import annotations

from urllib.parse import urlsplit


def ensure_database(url: str) -> str | None:
    """Create the database named in `url` if needed; return why the benchmark cannot run, or None."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"PostgreSQL not available at {parts.hostname}:{parts.port or 5432} ({exc.__class__.__name__})"
    return None


def django_setup_empty(url: str) -> None:
    """Set Django up on the benchmark's database, migrated and emptied (test settings: tasks run inline)."""
    import os

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
