"""The production settings refuse to start unsafe, each problem named; the entry points default to them.

Each case imports the settings in a fresh Python process with only the environment given (an unset variable is
passed empty, so a developer's .env file cannot fill it in).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3Jd9-vQ2x_Lr8mZt0pWy4nB7cHs1fGe6aUo5iKj2lNq8rTv3wXy"
GOOD_ENV = {
    "DJANGO_SECRET_KEY": GOOD_SECRET,
    "DJANGO_ALLOWED_HOSTS": "dockhand.example.com",
    "DATABASE_URL": "postgres://dockhand:pw@db.internal:5432/dockhand",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "DOCKHAND_PUBLIC_URL": "https://dockhand.example.com",
}
UNSET = {name: "" for name in (*GOOD_ENV, "DJANGO_DEBUG", "DOCKHAND_ALLOW_CONSOLE_EMAIL", "SENTRY_DSN")}


def run_python(code: str, env: dict[str, str | None]) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **UNSET, **env}
    environment = {name: value for name, value in environment.items() if value is not None}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


SHOW_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
from django.conf import settings
from core.email import email_delivers
print(json.dumps({"debug": settings.DEBUG, "demo": "demo" in settings.INSTALLED_APPS,
                  "delivers": email_delivers(), "backend": settings.EMAIL_BACKEND,
                  "formatter": settings.LOGGING["handlers"]["console"].get("formatter"),
                  "public_url": settings.DOCKHAND_PUBLIC_URL}))
"""


def production_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(SHOW_SETTINGS, env)


def test_good_environment_starts_without_debug_or_demo_and_logs_json():
    result = production_settings(GOOD_ENV)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown == {"debug": False, "demo": False, "delivers": True,
                     "backend": "django.core.mail.backends.smtp.EmailBackend", "formatter": "json",
                     "public_url": "https://dockhand.example.com"}


@pytest.mark.parametrize(("change", "complaint"), [
    ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is not set"),
    ({"DJANGO_SECRET_KEY": "short-secret"}, "DJANGO_SECRET_KEY is too weak"),
    ({"DJANGO_SECRET_KEY": "dockhand-insecure-development-key-change-me-in-production-0123456789"},
     "DJANGO_SECRET_KEY is too weak"),
    ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is not set"),
    ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG is on"),
    ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
    ({"DATABASE_URL": "sqlite:////var/lib/dockhand/db.sqlite3"}, "DATABASE_URL points at SQLite"),
    ({"REDIS_URL": ""}, "REDIS_URL is not set"),
    ({"DJANGO_EMAIL_BACKEND": ""}, "DJANGO_EMAIL_BACKEND is not a delivering backend"),
    ({"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
     "DJANGO_EMAIL_BACKEND is not a delivering backend"),
    ({"DOCKHAND_PUBLIC_URL": ""}, "DOCKHAND_PUBLIC_URL is not set"),
    ({"DOCKHAND_PUBLIC_URL": "http://127.0.0.1:8000"}, "is a local address"),
    ({"DOCKHAND_PUBLIC_URL": "dockhand.example.com"}, "is not an http(s) address"),
], ids=lambda value: next(iter(value)) + "=" + next(iter(value.values())) if isinstance(value, dict) else "")
def test_each_unsafe_value_stops_the_start_with_its_reason(change, complaint):
    result = production_settings({**GOOD_ENV, **change})

    assert result.returncode != 0
    assert "ImproperlyConfigured: Dockhand's production settings refuse to start:" in result.stderr
    assert complaint in result.stderr


def test_every_problem_is_listed_at_once():
    result = production_settings({"DJANGO_DEBUG": "1"})

    assert result.returncode != 0
    for name in ("DJANGO_DEBUG is on", "DJANGO_SECRET_KEY is not set", "DJANGO_ALLOWED_HOSTS is not set",
                 "DATABASE_URL is not set", "REDIS_URL is not set", "DJANGO_EMAIL_BACKEND",
                 "DOCKHAND_PUBLIC_URL is not set"):
        assert name in result.stderr


def test_console_email_on_purpose_starts_and_no_email_counts_as_delivered():
    result = production_settings({**GOOD_ENV, "DJANGO_EMAIL_BACKEND": "", "DOCKHAND_ALLOW_CONSOLE_EMAIL": "true"})

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["backend"] == "django.core.mail.backends.console.EmailBackend"
    assert shown["delivers"] is False


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_wsgi_and_asgi_default_to_production_settings(module):
    refused = run_python(f"import {module}", {})
    started = run_python(f"import {module}; print('served')", GOOD_ENV)

    assert "production settings refuse to start" in refused.stderr
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().endswith("served")


def test_celery_app_defaults_to_production_settings():
    result = run_python("import os, config.celery; print(os.environ['DJANGO_SETTINGS_MODULE'])", {})

    assert result.stdout.strip() == "config.settings.production"


def test_manage_py_keeps_local_settings_for_developers():
    result = run_python("import runpy, sys; sys.argv = ['manage.py', 'diffsettings', '--output', 'unified'];"
                        "runpy.run_path('manage.py', run_name='__main__')", {"DJANGO_DEBUG": None})

    assert result.returncode == 0, result.stderr
    assert "+ WHITENOISE_USE_FINDERS = True" in result.stdout  # the demo's settings, not production's
    assert "'demo'" in result.stdout


def test_seed_demo_does_not_exist_in_production():
    result = run_python("import runpy, sys; sys.argv = ['manage.py', 'seed_demo'];"
                        "runpy.run_path('manage.py', run_name='__main__')",
                        {**GOOD_ENV, "DJANGO_SETTINGS_MODULE": "config.settings.production"})

    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr


def test_sentry_dsn_in_the_environment_turns_error_reporting_on():
    code = ("import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.production';"
            "from django.conf import settings; settings.DEBUG; import sentry_sdk;"
            "client = sentry_sdk.get_client(); print(client.is_active(), client.options['send_default_pii'])")
    on = run_python(code, {**GOOD_ENV, "SENTRY_DSN": "https://public@127.0.0.1:9/1"})
    off = run_python(code, GOOD_ENV)

    assert on.stdout.strip().splitlines()[-1] == "True False", on.stderr
    assert off.stdout.strip().splitlines()[-1].startswith("False"), off.stderr


def test_urls_and_checks_load_before_collectstatic(tmp_path):
    # The worker and beat run Django's checks at start; nothing may need the static manifest at import time.
    result = run_python("import runpy, sys; sys.argv = ['manage.py', 'check'];"
                        "runpy.run_path('manage.py', run_name='__main__')",
                        {**GOOD_ENV, "DJANGO_SETTINGS_MODULE": "config.settings.production",
                         "DJANGO_STATIC_ROOT": str(tmp_path / "never-collected")})

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


SHOW_DEMO_DEBUG = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
from django.conf import settings
print(settings.DEBUG)
"""


def test_the_demo_shows_the_sites_own_error_pages_unless_debug_is_asked_for():
    plain = run_python(SHOW_DEMO_DEBUG, {"DJANGO_DEBUG": None})
    asked = run_python(SHOW_DEMO_DEBUG, {"DJANGO_DEBUG": "true"})

    assert plain.returncode == asked.returncode == 0, plain.stderr + asked.stderr
    assert plain.stdout.strip().splitlines()[-1] == "False"
    assert asked.stdout.strip().splitlines()[-1] == "True"
