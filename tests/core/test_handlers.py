import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.wsgi import application
from orders.models import WebhookDelivery
from orders.storefronts import shopify
from tests.orders.intake_helpers import SECRET, shopify_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # as Django's test client does: the real handler closes the connection after a request
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(path: str, *, method: str = "GET", body: bytes = b"", headers: dict | None = None):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json", **(headers or {}),
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    content = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], content


def test_a_signed_webhook_takes_the_lean_chain(client_a):
    channel = shopify_channel(client_a)
    body = b'{"id": 42}'

    status, headers, _ = _call(f"/webhooks/shopify/{channel.pk}/", method="POST", body=body, headers={
        "HTTP_X_SHOPIFY_TOPIC": "orders/updated", "HTTP_X_SHOPIFY_WEBHOOK_ID": "w-1",
        "HTTP_X_SHOPIFY_HMAC_SHA256": shopify.webhook_signature(body, SECRET)})

    assert status == 200
    assert headers["X-Request-ID"]  # the request id of the logs
    assert "Set-Cookie" not in headers
    assert "Content-Security-Policy" not in headers
    assert WebhookDelivery.objects.get().external_id == "42"


def test_a_wrong_signature_on_the_lean_chain_is_401(client_a):
    channel = shopify_channel(client_a)

    status, _, _ = _call(f"/webhooks/shopify/{channel.pk}/", method="POST", body=b'{"id": 1}',
                         headers={"HTTP_X_SHOPIFY_HMAC_SHA256": "bm9wZQ=="})

    assert status == 401
    assert not WebhookDelivery.objects.exists()


def test_a_foreign_host_on_the_lean_chain_is_refused(client_a):
    channel = shopify_channel(client_a)

    status, _, _ = _call(f"/webhooks/shopify/{channel.pk}/", method="POST", body=b'{"id": 1}',
                         headers={"HTTP_HOST": "evil.example"})

    # refused as on the full chain (whose error page for a bad Host is itself a 500 today)
    assert status >= 400
    assert not WebhookDelivery.objects.exists()


def test_pages_keep_the_full_chain():
    status, headers, _ = _call("/login/")

    assert status == 200
    assert "Content-Security-Policy" in headers
    assert "X-Frame-Options" in headers


def test_the_wsgi_module_imports_the_views_and_tasks_before_the_first_request():
    # In a fresh process, as a gunicorn worker starts: loading the application leaves nothing for the first
    # requests to import (a burst of webhooks would wait on the import lock).
    script = ("import sys, config.wsgi, core.work; "
              "print('orders.intake.webhooks' in sys.modules, 'returns.views' in sys.modules, "
              "core.work._tasks_loaded)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "True", "True"]


def test_a_gunicorn_worker_sets_start_up_aside_from_the_garbage_collector():
    # In a fresh process, as a gunicorn worker runs gunicorn.conf.py's hook once the app is loaded: what
    # start-up made is frozen (no full collection walks it again) and the old generations are collected
    # often, in small steps, so a list's cycles are not freed in one long pause.
    script = ("import gc, runpy, config.wsgi; "
              "before = gc.get_freeze_count(); "
              "runpy.run_path('gunicorn.conf.py')['post_worker_init'](None); "
              "print(before, gc.get_freeze_count() > 10_000, gc.get_threshold())")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=settings.BASE_DIR,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().split(maxsplit=2) == ["0", "True", "(700, 3, 1)"]
