"""Dockhand's production stack on this machine, for the fault tests (tests/pipeline/) and bench/pipeline.py.

    with ProductionStack(workdir=tmp_path) as stack:     # start() ... stop()
        hooks = stack.shopify_webhooks(60)
        load = stack.start_load(hooks, rate=10)           # 16 senders posting signed orders/create webhooks
        stack.redis_freeze(); time.sleep(20); stack.redis_thaw()
        load.join()
        stack.wait_until(lambda s: s.intake_report(hooks).settled, timeout=60)

start() creates a fresh PostgreSQL database (migrated, the demo loaded, every SKU topped up so orders
allocate, an API token for `manager`), a private redis-server on a free port (tests/fakes/redis_server.py,
never the machine's Redis on 6379), then gunicorn, Celery worker(s) and Celery beat, each in its own process
group, listening on 127.0.0.1 only, with production-like settings: DEBUG off, Redis as the broker, tasks not
eager. stop() kills every process group and drops the database. Every wait has a timeout.

The migrated and seeded database is built once and kept as a template (`<base>_stack_tpl_<hash of the
migrations, the demo and this file>`), so each start() clones it in about a second instead of migrating.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import datetime
import hashlib
import http.client
import importlib.metadata
import itertools
import json
import math
import os
import queue
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from django.contrib.auth import get_user_model
from django.utils import timezone

from orders.intake.simulator import signed_webhook, webhooks
from orders.task_names import PROCESS_DELIVERY_TASK
from tests.fakes.redis_server import REDIS_SERVER, RedisServer, free_port
from warehouses.choices import LocationKind

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dockhand"
TOPUP_REFERENCE = "STACK-TOPUP"
# The settings an engineer's or CI's environment may carry, which must not leak into the stack's processes.
ENV_PREFIXES_DROPPED = ("CELERY_", "DJANGO_", "DOCKHAND_", "REDIS_", "DATABASE_", "INTAKE_")
FINISHED_DELIVERY_STATES = frozenset({"processed", "duplicate", "ignored"})
# How long stop() lets its processes stop on their own before it kills them: what they do is over and the
# database goes next, and a Celery worker's warm shutdown alone takes two or three seconds.
STOP_GRACE_SECONDS = 1.0
_sequence = itertools.count(1)


def stack_unavailable(database_url: str | None = None) -> str | None:
    """Why the stack cannot run here (no redis-server, no PostgreSQL), or None."""
    if not REDIS_SERVER:
        return "redis-server is not installed (apt-get install redis-server)"
    url = database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        return "the stack needs PostgreSQL (DATABASE_URL is not a postgres:// URL)"
    try:
        with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        parts = urlsplit(url)
        return f"PostgreSQL not available at {parts.hostname}:{parts.port or 5432} ({exc.__class__.__name__})"
    return None


def _admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def _with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def _fixture_key() -> str:
    """Changes whenever the schema, the demo or this harness (and so the template's contents) change."""
    digest = hashlib.sha256()
    paths = sorted(ROOT.glob("*/migrations/*.py")) + sorted((ROOT / "demo").rglob("*.py")) + [Path(__file__)]
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it if the harness process dies, so nothing outlives a crashed run."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def prepare_demo_for_load(units: int = 5000) -> None:
    """Top up every SKU at every warehouse so a load's orders allocate; give `manager` an API token.

    Runs inside `manage.py shell` on the freshly seeded database (see ProductionStack._build_database).
    """
    from rest_framework.authtoken.models import Token  # noqa: PLC0415 - a model; bench/pipeline.py imports this module without Django

    from inventory.models import Product, StockLevel  # noqa: PLC0415 - as above
    from inventory.services import stock_receive  # noqa: PLC0415 - as above (imports models)
    from warehouses.models import Warehouse  # noqa: PLC0415 - as above

    manager = get_user_model().objects.get(username="manager")
    Token.objects.get_or_create(user=manager)
    expiry = timezone.localdate() + datetime.timedelta(days=720)
    for warehouse in Warehouse.objects.filter(is_active=True).order_by("pk"):
        picks = list(warehouse.locations.filter(kind=LocationKind.PICK, is_active=True).order_by("walk_sequence"))
        for i, product in enumerate(Product.objects.filter(is_active=True).order_by("pk")):
            level = (StockLevel.objects.filter(product=product, location__warehouse=warehouse,
                                               location__kind=LocationKind.PICK).order_by("pk").first())
            location = level.location if level else picks[i % len(picks)]
            lot = {"lot_number": "LOAD-1", "expiry_date": expiry} if product.is_lot_tracked else {}
            stock_receive(product=product, location=location, quantity=units, reference=TOPUP_REFERENCE,
                          user=manager, reason="Stock for the production-stack load", **lot)


@dataclass
class Posted:
    """One webhook post as the sender saw it."""

    index: int
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    started_at: float  # time.monotonic()
    error: str = ""


@dataclass
class IntakeReport:
    """What became of a batch of storefront orders: one row each, none stranded, every delivery finished."""

    expected: int
    missing: list[str] = field(default_factory=list)
    duplicated: dict[str, int] = field(default_factory=dict)
    orders_by_status: dict[str, int] = field(default_factory=dict)
    stranded: list[str] = field(default_factory=list)  # still `received`
    deliveries_by_state: dict[str, int] = field(default_factory=dict)
    unfinished_deliveries: list[tuple[int, str, str]] = field(default_factory=list)  # (id, state, error)
    jobs_left: dict[str, int] = field(default_factory=dict)  # the deliveries' durable jobs still there, by state

    @property
    def settled(self) -> bool:
        return not (self.missing or self.duplicated or self.stranded or self.unfinished_deliveries
                    or self.jobs_left)

    def __str__(self) -> str:
        return (f"{self.expected} orders sent: {len(self.missing)} missing, {len(self.duplicated)} duplicated, "
                f"{len(self.stranded)} still received; orders by status {self.orders_by_status}; deliveries by "
                f"state {self.deliveries_by_state}; unfinished deliveries (first 5) "
                f"{self.unfinished_deliveries[:5]}; their jobs left {self.jobs_left}")


class Load:
    """Webhooks posted from a background thread (see ProductionStack.start_load)."""

    def __init__(self, target: Callable[[], list[Posted]]):
        self.results: list[Posted] | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(target,), name="stack-load", daemon=True)
        self._thread.start()

    def _run(self, target) -> None:
        try:
            self.results = target()
        except BaseException as exc:  # handed to join()
            self.error = exc

    def join(self, timeout: float = 120.0) -> list[Posted]:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the load was still posting after {timeout:.0f} s")
        if self.error is not None:
            raise self.error
        return self.results or []


@dataclass
class _Process:
    name: str
    argv: list[str]
    ready_line: str | None  # a log line that says it is up; None for the web (polled over HTTP)
    log: Path
    popen: subprocess.Popen | None = None
    log_offset: int = 0
    held_down: bool = False  # killed on purpose (kill_worker): the supervisor leaves it down


class _KeptAlivePost:
    """POST bodies to one URL over one kept-alive HTTP connection, opening a new one when the server closed
    the last (once per post: a second failure is the answer)."""

    def __init__(self, url: str, *, timeout: float):
        parts = urlsplit(url)
        self.host, self.port, self.path, self.timeout = parts.hostname, parts.port, parts.path, timeout
        self.connection: http.client.HTTPConnection | None = None

    def __call__(self, body: bytes, headers: dict) -> int:
        try:
            return self._post(body, headers)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            return self._post(body, headers)  # the server closed the kept-alive connection: once more, anew

    def _post(self, body: bytes, headers: dict) -> int:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.connection.request("POST", self.path, body=body, headers=dict(headers))
            response = self.connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class ProductionStack:
    """gunicorn + Celery worker(s) + Celery beat + a private Redis + a fresh PostgreSQL database."""

    def __init__(
        self,
        *,
        workdir: Path,
        database_url: str | None = None,
        database_name: str | None = None,
        use_template: bool = True,
        settings_module: str | None = None,
        web_workers: int = 2,
        web_threads: int = 8,
        celery_workers: int = 1,
        celery_concurrency: int = 2,
        sweep_seconds: float = 5.0,
        lease_seconds: int | None = None,
        keep_database: bool = False,
        extra_env: dict[str, str] | None = None,
    ):
        base_url = database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        base_name = urlsplit(base_url).path.lstrip("/") or "dockhand"
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server_url = base_url
        self.database_name = database_name or f"{base_name}_stack_{os.getpid()}_{next(_sequence)}"
        self.template_name = f"{base_name}_stack_tpl_{_fixture_key()}"
        self.database_url = _with_database(base_url, self.database_name)
        self.use_template = use_template
        # DOCKHAND_STACK_SETTINGS runs the stack on another settings module (to try a broker option, say)
        self.settings_module = (settings_module or os.environ.get("DOCKHAND_STACK_SETTINGS")
                                or "config.settings.local")
        self.web_workers, self.web_threads = web_workers, web_threads
        self.celery_workers, self.celery_concurrency = celery_workers, celery_concurrency
        self.sweep_seconds = sweep_seconds
        self.lease_seconds = lease_seconds
        self.keep_database = keep_database
        self.extra_env = dict(extra_env or {})
        self.port = free_port()
        self.secret_key = secrets.token_urlsafe(50)
        self.redis = RedisServer(self.workdir / "redis")
        self.processes: dict[str, _Process] = {}
        self._db: psycopg.Connection | None = None
        self._db_lock = threading.Lock()
        self._started = False
        self.restarts: list[str] = []  # what the supervisor restarted, and why
        self._spawn_lock = threading.Lock()
        self._restarting = threading.Event()
        self._supervisor_exit = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._token: str | None = None
        self._channel: dict | None = None

    # --- life cycle -------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ProductionStack:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> None:
        """Create the database, start Redis, the web, the worker(s) and beat; wait until each is up."""
        reason = stack_unavailable(self.server_url)
        if reason:
            raise RuntimeError(f"cannot start the production stack: {reason}")
        self._started = True
        atexit.register(self.stop)
        try:
            self._create_database()
            (self.workdir / "redis").mkdir(exist_ok=True)
            self.redis.start()
            env = self.environment()
            self._add("web", self._web_argv(), ready_line=None, env=env)
            for index in range(self.celery_workers):
                self._add(self._worker_name(index), self._worker_argv(index), ready_line=" ready.", env=env)
            self._add("beat", self._beat_argv(), ready_line="beat: Starting...", env=env)
            deadline = time.monotonic() + timeout
            for process in self.processes.values():
                self._wait_ready(process, deadline)
            self._restarting.set()
            self._supervisor = threading.Thread(target=self._supervise, name="stack-supervisor", daemon=True)
            self._supervisor.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill every process group, stop Redis, drop the database. Safe to call twice."""
        if not self._started:
            return
        self._started = False
        self._restarting.clear()
        with contextlib.suppress(Exception):
            self.redis.thaw()  # a frozen broker would keep the processes from shutting down in time
        with self._spawn_lock:
            self._terminate(*(self.processes[name] for name in
                              ["beat", *(n for n in self.processes if n.startswith("worker")), "web"]
                              if name in self.processes), grace=STOP_GRACE_SECONDS)
        # only now: the children it restarted die with the thread that started them (PR_SET_PDEATHSIG)
        self._supervisor_exit.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        with contextlib.suppress(Exception):
            self.redis.stop()
        with self._db_lock:
            if self._db is not None:
                with contextlib.suppress(Exception):
                    self._db.close()
                self._db = None
        if not self.keep_database:
            with contextlib.suppress(psycopg.Error), psycopg.connect(
                    _admin_url(self.server_url), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def environment(self, *, broker: bool = True) -> dict[str, str]:
        """The processes' environment: production-like settings, this stack's database and broker only."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES_DROPPED)}
        env.update({
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "DATABASE_URL": self.database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DOCKHAND_PUBLIC_URL": self.url,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on 127.0.0.1 if production settings are used
            "DOCKHAND_DOCUMENTS_ROOT": str(self.workdir / "documents"),
            "DOCKHAND_SWEEP_SECONDS": str(self.sweep_seconds),
            # beat's pick-list release (every 10 min) would render PDFs in the middle of a measurement
            "DOCKHAND_PICK_AUTO_RELEASE": "false",
            "PYTHONUNBUFFERED": "1",
        })
        if self.lease_seconds is not None:
            env["DOCKHAND_WORK_LEASE_SECONDS"] = str(self.lease_seconds)
        if broker:
            env.update({"REDIS_URL": self.redis.url, "CELERY_TASK_ALWAYS_EAGER": "false"})
        else:  # building the database: the demo's tasks run inline, as in `make run`
            env.update({"CELERY_TASK_ALWAYS_EAGER": "true"})
        env.update(self.extra_env)
        return env

    # --- database -------------------------------------------------------------------------------------------

    def _create_database(self) -> None:
        with psycopg.connect(_admin_url(self.server_url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            if not self.use_template:
                conn.execute(f'CREATE DATABASE "{self.database_name}"')
                self._build_database(self.database_url)
                return
            # one builder at a time (pytest-xdist workers, a bench run beside the tests)
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [self.template_name])
            try:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                      [self.template_name]).fetchone()
                if not exists:
                    self._build_template(conn)
                conn.execute(f'CREATE DATABASE "{self.database_name}" TEMPLATE "{self.template_name}"')
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [self.template_name])

    def _build_template(self, conn: psycopg.Connection) -> None:
        """Migrate and seed a database under a scratch name, then rename it: a half-built one is never used."""
        prefix = self.template_name.rsplit("_", 1)[0] + "_"
        stale = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                             [prefix.replace("_", r"\_") + "%"]).fetchall()
        for (name,) in stale:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        scratch = f"{self.template_name}_building"
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}"')
        try:
            self._build_database(_with_database(self.server_url, scratch))
        except BaseException:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            raise
        conn.execute(f'ALTER DATABASE "{scratch}" RENAME TO "{self.template_name}"')

    def _build_database(self, url: str) -> None:
        env = {**self.environment(broker=False), "DATABASE_URL": url}
        steps = [
            ["manage.py", "migrate", "--noinput", "-v", "0"],
            ["manage.py", "seed_demo"],
            ["manage.py", "shell", "-c", "from tests.fakes.stack import prepare_demo_for_load; "
                                         "prepare_demo_for_load()"],
        ]
        with open(self.workdir / "setup.log", "ab") as log:
            for step in steps:
                result = subprocess.run([PYTHON, *step], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, timeout=300, check=False)
                if result.returncode:
                    raise RuntimeError(f"{' '.join(step)} failed ({result.returncode}); see "
                                       f"{self.workdir / 'setup.log'}:\n{self.tail('setup', 30)}")

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Run one SQL statement on the stack's database (autocommit, so every read sees the latest commit)."""
        with self._db_lock:
            for attempt in range(2):
                if self._db is None or self._db.closed:
                    self._db = psycopg.connect(self.database_url, autocommit=True, connect_timeout=5)
                try:
                    cursor = self._db.execute(sql, list(params))
                    return cursor.fetchall() if cursor.description else []
                except psycopg.OperationalError:
                    self._db = None
                    if attempt:
                        raise
        return []

    def wait_until(self, predicate: Callable[[ProductionStack], object], timeout: float,
                   interval: float = 0.5):
        """Poll `predicate(stack)` until it is truthy (returned) or `timeout` seconds pass (its last value)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value or time.monotonic() >= deadline:
                return value
            time.sleep(interval)

    # --- processes ------------------------------------------------------------------------------------------

    def _web_argv(self) -> list[str]:
        # one thread per worker is gunicorn's sync worker, as gunicorn.conf.py chooses it
        worker_class = "gthread" if self.web_threads > 1 else "sync"
        argv = [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.web_workers), "--worker-class", worker_class,
                "--threads", str(self.web_threads),
                "--timeout", "60", "--graceful-timeout", "5", "--error-logfile", "-", "--log-level", "warning"]
        if int(importlib.metadata.version("gunicorn").split(".")[0]) >= 25:
            argv.append("--no-control-socket")  # its default path is shared by every gunicorn on the machine
        return argv

    def _worker_name(self, index: int) -> str:
        return f"worker{index + 1}"

    def _worker_argv(self, index: int) -> list[str]:
        # as `make worker` runs it, with a pool size and a name of its own
        return [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "info", "-P", "prefork",
                "-c", str(self.celery_concurrency), "-n", f"{self._worker_name(index)}-{self.port}@127.0.0.1"]

    def _beat_argv(self) -> list[str]:
        return [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "info",
                "-s", str(self.workdir / "beat-schedule"), "--pidfile", str(self.workdir / "beat.pid")]

    def _add(self, name: str, argv: list[str], *, ready_line: str | None, env: dict[str, str]) -> None:
        process = _Process(name, argv, ready_line, self.workdir / f"{name}.log")
        self.processes[name] = process
        self._spawn(process, env)

    def _spawn(self, process: _Process, env: dict[str, str] | None = None) -> None:
        process.log.touch()
        process.log_offset = process.log.stat().st_size
        with open(process.log, "ab") as log:
            process.popen = subprocess.Popen(
                process.argv, cwd=ROOT, env=env or self.environment(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
            )

    def _supervise(self) -> None:
        """Restart a process that exits on its own, as production's service manager (Restart=always) would,
        and note it in `restarts` and supervisor.log: a crash must not pass for lost work, nor go unseen."""
        while not self._supervisor_exit.wait(0.5):
            if not self._restarting.is_set():
                continue
            with self._spawn_lock:
                for process in self.processes.values():
                    if process.held_down or process.popen is None or process.popen.poll() is None \
                            or not self._restarting.is_set():
                        continue
                    note = (f"{time.strftime('%H:%M:%S')} {process.name} exited with {process.popen.returncode}"
                            f" ({self.tail(process.name, 1)[:200]}); restarted")
                    self.restarts.append(note)
                    with open(self.workdir / "supervisor.log", "a") as log:
                        log.write(note + "\n")
                    _kill_group(process.popen.pid, signal.SIGKILL)
                    self._spawn(process)

    def _wait_ready(self, process: _Process, deadline: float) -> None:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n"
                                   f"{self.tail(process.name, 40)}")
            if process.ready_line is None:
                with contextlib.suppress(requests.RequestException):
                    requests.get(f"{self.url}/login/", timeout=2)
                    return
            else:
                with open(process.log, "rb") as log:
                    log.seek(process.log_offset)
                    if process.ready_line.encode() in log.read():
                        return
            time.sleep(0.2)
        raise TimeoutError(f"{process.name} was not up in time:\n{self.tail(process.name, 40)}")

    def _terminate(self, *processes: _Process, grace: float = 8.0) -> None:
        """Stop these processes at once (a Celery worker's warm shutdown alone takes seconds), each given up
        to `grace` seconds to stop on its own, then kill their groups."""
        popens = [process.popen for process in processes if process.popen is not None]
        for popen in popens:
            if popen.poll() is None:
                # the leader only: gunicorn's master and Celery's main process stop their children in order
                with contextlib.suppress(ProcessLookupError):
                    popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for popen in popens:
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        for popen in popens:
            _kill_group(popen.pid, signal.SIGKILL)  # the pool children too, even if the leader is gone
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=5)

    def tail(self, name: str, lines: int = 20) -> str:
        """The last lines of a process's log (web, worker1, beat, setup)."""
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def kill_worker(self, sig: int = signal.SIGKILL, index: int = 0) -> None:
        """Send `sig` to a Celery worker's whole process group (the main process and its pool), as a crash would."""
        process = self.processes[self._worker_name(index)]
        with self._spawn_lock:
            process.held_down = True
            _kill_group(process.popen.pid, sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=15)

    def restart_worker(self, index: int = 0, timeout: float = 60.0) -> None:
        """Start a Celery worker again (after kill_worker), with the same name; wait until it is ready."""
        process = self.processes[self._worker_name(index)]
        with self._spawn_lock:
            self._terminate(process, grace=0.5)
            self._spawn(process)
            process.held_down = False
        self._wait_ready(process, time.monotonic() + timeout)

    # --- the broker -----------------------------------------------------------------------------------------

    def redis_freeze(self) -> None:
        """SIGSTOP the broker: connections stay open and nothing answers."""
        self.redis.freeze()

    def redis_thaw(self) -> None:
        self.redis.thaw()

    def redis_kill(self) -> None:
        """SIGKILL the broker: everything it held (no persistence) is lost; connections are refused."""
        self.redis.stop()

    def redis_restart(self) -> None:
        """A fresh, empty broker on the same port."""
        self.redis.start()

    # --- traffic --------------------------------------------------------------------------------------------

    def shopify_channel(self) -> dict:
        """The demo's first Shopify channel with a webhook secret, with its client's active SKUs."""
        if self._channel is None:
            channel_id, secret, client_id = self.query(
                "SELECT id, webhook_secret, client_id FROM orders_saleschannel WHERE kind = 'shopify' "
                "AND is_active AND webhook_secret <> '' ORDER BY id LIMIT 1")[0]
            skus = [row[0] for row in self.query(
                "SELECT sku FROM inventory_product WHERE client_id = %s AND is_active ORDER BY sku", [client_id])]
            self._channel = {"id": channel_id, "secret": secret, "client_id": client_id, "skus": skus,
                             "url": f"{self.url}/webhooks/shopify/{channel_id}/"}
        return self._channel

    def shopify_webhooks(self, count: int, *, seed: int | None = None, first_id: int | None = None) -> list:
        """`count` distinct, well-formed signed orders/create webhooks (orders.intake.simulator.Webhook)."""
        channel = self.shopify_channel()
        rng = random.Random(seed)
        first_id = first_id or 6_000_000_000_000 + rng.randrange(10**12)
        return webhooks(count=count, skus=channel["skus"], secret=channel["secret"], rng=rng, bad_share=0.0,
                        first_id=first_id, first_number=rng.randrange(100_000, 900_000))

    def signed_shopify_body(self, payload: dict | bytes, *, topic: str = "orders/create") -> tuple[bytes, dict]:
        """A body and the headers Shopify would send with it, signed with the channel's secret."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return body, signed_webhook(body, secret=self.shopify_channel()["secret"], topic=topic)

    def post_shopify(self, payload: dict | bytes, *, topic: str = "orders/create",
                     timeout: float = 30.0) -> requests.Response:
        """POST one payload to the Shopify channel's webhook URL, signed as Shopify signs it."""
        body, headers = self.signed_shopify_body(payload, topic=topic)
        return requests.post(self.shopify_channel()["url"], data=body, headers=headers, timeout=timeout)

    def post_webhooks(self, hooks: list, *, concurrency: int = 16, rate: float | None = None,
                      timeout: float = 30.0) -> list[Posted]:
        """POST every webhook from `concurrency` threads (each its own kept-alive connection); at most `rate` per
        second overall if given. Returns one Posted per webhook, in order."""
        url = self.shopify_channel()["url"]
        work: queue.Queue = queue.Queue()
        for index, hook in enumerate(hooks):
            work.put((index, hook))
        results: list[Posted | None] = [None] * len(hooks)
        began = time.monotonic()

        def sender() -> None:
            # http.client on a kept-alive connection: a storefront's senders run on its own machines, and
            # requests' own CPU per post (about half a millisecond) would be taken from the stack under test
            post = _KeptAlivePost(url, timeout=timeout)
            try:
                while True:
                    try:
                        index, hook = work.get_nowait()
                    except queue.Empty:
                        return
                    if rate:
                        time.sleep(max(0.0, began + index / rate - time.monotonic()))
                    started = time.monotonic()
                    try:
                        status = post(hook.body, hook.headers)
                        results[index] = Posted(index, status, time.monotonic() - started, started)
                    except (OSError, http.client.HTTPException) as exc:
                        results[index] = Posted(index, 0, time.monotonic() - started, started, repr(exc))
            finally:
                post.close()

        threads = [threading.Thread(target=sender, name=f"stack-sender-{i}", daemon=True)
                   for i in range(min(concurrency, len(hooks)) or 1)]
        for thread in threads:
            thread.start()
        bound = timeout * (len(hooks) / max(1, len(threads)) + 2) + (len(hooks) / rate if rate else 0)
        for thread in threads:
            thread.join(max(0.0, began + bound - time.monotonic()))
        return [r if r is not None else Posted(i, 0, 0.0, began, "not sent") for i, r in enumerate(results)]

    def start_load(self, hooks: list, *, concurrency: int = 16, rate: float | None = None) -> Load:
        """post_webhooks in a background thread, so that a test can break something in the middle."""
        return Load(lambda: self.post_webhooks(hooks, concurrency=concurrency, rate=rate))

    def api_token(self) -> str:
        if self._token is None:
            self._token = self.query(
                "SELECT t.key FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id "
                "WHERE u.username = 'manager'")[0][0]
        return self._token

    def api(self, method: str, path: str, *, json=None, headers: dict | None = None,
            timeout: float = 30.0) -> requests.Response:
        """Call the REST API as the demo's manager (token auth)."""
        return requests.request(method, f"{self.url}{path}", json=json, timeout=timeout,
                                headers={"Authorization": f"Token {self.api_token()}", **(headers or {})})

    # --- what happened --------------------------------------------------------------------------------------

    def intake_report(self, hooks_or_ids: Iterable) -> IntakeReport:
        """Orders and deliveries of a batch of storefront orders (webhooks or external ids) on the channel."""
        ids = sorted({str(getattr(item, "order_id", item)) for item in hooks_or_ids})
        channel_id = self.shopify_channel()["id"]
        report = IntakeReport(expected=len(ids))
        counts: dict[str, int] = {}
        for external_id, status, count in self.query(
                "SELECT external_id, status, count(*) OVER (PARTITION BY external_id) FROM orders_order "
                "WHERE channel_id = %s AND parent_id IS NULL AND external_id = ANY(%s)", [channel_id, ids]):
            counts[external_id] = count
            report.orders_by_status[status] = report.orders_by_status.get(status, 0) + 1
            if status == "received":
                report.stranded.append(external_id)
        report.missing = [i for i in ids if i not in counts]
        report.duplicated = {i: n for i, n in counts.items() if n > 1}
        delivery_ids = []
        for delivery_id, state, error in self.query(
                "SELECT id, state, last_error FROM orders_webhookdelivery WHERE channel_id = %s "
                "AND external_id = ANY(%s) ORDER BY id", [channel_id, ids]):
            delivery_ids.append(delivery_id)
            report.deliveries_by_state[state] = report.deliveries_by_state.get(state, 0) + 1
            if state not in FINISHED_DELIVERY_STATES:
                report.unfinished_deliveries.append((delivery_id, state, error[:200]))
        report.jobs_left = dict(self.query(
            "SELECT state, count(*) FROM core_job WHERE task = %s AND object_id = ANY(%s) GROUP BY state",
            [PROCESS_DELIVERY_TASK, delivery_ids]))
        return report


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(share * len(ordered))))
    return ordered[rank - 1]
