"""The release step and the web process for real: collectstatic, then gunicorn on production settings.

Without collectstatic every page of the production settings is a 500 (hashed static names); after it, the
login page is served with its policy header, readiness sees the database, the broker and the static files, and
the app's and gunicorn's log lines are JSON carrying the request id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.conftest import postgres_only
from tests.fakes.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = [pytest.mark.django_db, pytest.mark.redis, postgres_only]


def production_env(tmp_path: Path, redis_url: str, port: int) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "smoke-test-secret-3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c",
        "DJANGO_ALLOWED_HOSTS": "dockhand.example.com",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DOCKHAND_PUBLIC_URL": "https://dockhand.example.com",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PORT": str(port), "WEB_BIND_HOST": "127.0.0.1", "WEB_CONCURRENCY": "2",
    }


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:  # not listening yet, or the worker is still loading Django
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer: {log.read_text()}")


def test_release_step_then_gunicorn_serves_pages_with_json_logs(tmp_path, private_redis):
    port = free_port()
    env = production_env(tmp_path, private_redis.url, port)
    # The release step, without compressing (tests/settings/production_uncompressed.py): gzip and brotli of the
    # API docs' bundles cost about 40 s of CPU and change neither the hashed names nor the manifest.
    release = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0",
                              "--settings=tests.settings.production_uncompressed"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert release.returncode == 0, release.stderr
    log = tmp_path / "web.log"
    with log.open("w") as out:
        web = subprocess.Popen([str(GUNICORN), "config.wsgi"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/livez/", web, log)
        headers = {"Host": "dockhand.example.com", "X-Forwarded-Proto": "https"}

        ready = requests.get(f"{base}/readyz/", headers=headers, timeout=10)
        page = requests.get(f"{base}/login/", headers=headers, timeout=10)
        missing = requests.get(f"{base}/no-such-page/", headers={**headers, "X-Request-ID": "smoke-0001"}, timeout=10)
        plain_http = requests.get(f"{base}/login/", headers={"Host": "dockhand.example.com"}, timeout=10,
                                  allow_redirects=False)
    finally:
        web.terminate()
        web.wait(timeout=30)

    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert {"database", "broker", "static_files"} <= set(checks)
    assert set(checks.values()) == {"ok"}
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "/static/css/dockhand." in page.text  # the hashed name from the manifest
    assert missing.status_code == 404
    assert missing.headers["X-Request-ID"] == "smoke-0001"
    assert plain_http.status_code == 301
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    app_line = next(entry for entry in lines if entry.get("logger") == "django.request")
    access_line = next(entry for entry in lines
                       if entry.get("logger") == "gunicorn.access" and entry["path"] == "/no-such-page/")
    assert app_line["request_id"] == "smoke-0001"
    assert app_line["message"] == "Not Found: /no-such-page/"
    assert (access_line["request_id"], access_line["status"]) == ("smoke-0001", 404)
