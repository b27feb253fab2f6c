import os

# Playwright's sync API runs an event loop in the test thread; the ORM calls in live-server tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
import datetime
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.choices import Role
from core.work import jobs_sweep
from tests.factories import ClientFactory, make_user
from tests.fakes.redis_server import REDIS_SERVER, RedisServer
from tests.fakes.storefront import FakeStorefront

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("DOCKHAND_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def manager(db):
    return make_user(Role.MANAGER)


@pytest.fixture
def picker(db):
    return make_user(Role.PICKER)


@pytest.fixture
def packer(db):
    return make_user(Role.PACKER)


@pytest.fixture
def client_a(db):
    return ClientFactory(code="ALPHA", name="Alpha Goods")


@pytest.fixture
def client_b(db):
    return ClientFactory(code="BETA", name="Beta Supplies")


@pytest.fixture
def client_user_a(client_a):
    return make_user(Role.CLIENT, client=client_a)


def api_client_for(user) -> APIClient:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


@pytest.fixture
def api_for():
    return api_client_for


@pytest.fixture
def manager_api(manager):
    return api_client_for(manager)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


postgres_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("sqlite") or not os.environ.get("DATABASE_URL"),
    reason="needs PostgreSQL (row locks and real concurrency); set DATABASE_URL to run it",
)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        pytest.skip(f"headless Chromium not installed at {CHROMIUM} (apt-get install chromium); CI installs it")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def login(live_server):
    """Log a Playwright page in through the real login form."""

    def do_login(page, username: str, password: str = "pw-for-tests-123"):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    return do_login


@pytest.fixture
def fake_storefront():
    """A fake Shopify shop / WooCommerce store on 127.0.0.1 (tests/fakes/storefront.py)."""
    with FakeStorefront() as store:
        yield store


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, on a free port (each xdist worker gets its own); killed at teardown."""
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed (apt-get install redis-server); needed for real-broker tests")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run_due_work(max_rounds: int = 10) -> int:
    """Run every queued job, retries included, as the sweep would over the coming hours; returns jobs run."""
    ran = 0
    for _ in range(max_rounds):
        done = jobs_sweep(now=timezone.now() + datetime.timedelta(days=1))
        if not done:
            break
        ran += done
    return ran
