"""Dockhand scaled out on this machine, as on several: two web nodes, two worker nodes, one beat, sharing only
PostgreSQL, Redis and an S3-compatible bucket (tests/pipeline/test_scale_out.py).

    with ScaleOutStack(workdir=tmp_path) as stack:
        stack.web_urls                      # ["http://127.0.0.1:P1", "http://127.0.0.1:P2"]
        stack.api("GET", "/api/v1/orders/", node=1)
        stack.s3.client().list_objects_v2(Bucket=stack.bucket)
        stack.local_document_files()        # PDF or ZPL files on any node's own disk: should be []

A ProductionStack (tests/fakes/stack.py: the template database, the private redis-server, the supervisor, the
process-group kills) with more processes: every web, worker and beat process runs in a directory of its own
(its cwd, DOCKHAND_DOCUMENTS_ROOT, TMPDIR, PROMETHEUS_MULTIPROC_DIR and beat's schedule file), as a separate
machine would, with DOCKHAND_STORAGE=s3 pointing at a private moto S3 server (tests/fakes/s3_server.py).
Everything listens on 127.0.0.1; stop() kills every process group, the S3 server and Redis, and drops the
database.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import time
from pathlib import Path

import requests

from orders.intake.simulator import webhooks
from tests.fakes.redis_server import free_port
from tests.fakes.s3_server import ACCESS_KEY, MOTO_SERVER, REGION, SECRET_KEY, S3Server
from tests.fakes.stack import (
    ROOT,
    STOP_GRACE_SECONDS,
    ProductionStack,
    _die_with_parent,
    _Process,
    stack_unavailable,
)

BUCKET = "dockhand-documents"
# What a document file starts with; a node's own disk must hold none (they all live in the bucket).
DOCUMENT_MAGIC = (b"%PDF-", b"^XA")


def scale_out_unavailable(database_url: str | None = None) -> str | None:
    """Why the scaled-out stack cannot run here (no moto, no redis-server, no PostgreSQL), or None."""
    if not MOTO_SERVER:
        return "moto[server] is not installed (pip install 'moto[server]'); needed for the shared S3 bucket"
    return stack_unavailable(database_url)


class ScaleOutStack(ProductionStack):
    """`web_nodes` gunicorns and `worker_nodes` Celery workers (plus one beat), each in its own directory, on one
    database, one private Redis and one private S3 bucket."""

    def __init__(self, *, workdir: Path, web_nodes: int = 2, worker_nodes: int = 2, web_workers: int = 1,
                 web_threads: int = 4, celery_concurrency: int = 1, **kwargs):
        super().__init__(workdir=workdir, web_workers=web_workers, web_threads=web_threads,
                         celery_workers=worker_nodes, celery_concurrency=celery_concurrency, **kwargs)
        # node 0 is the base stack's "web" on self.port (also DOCKHAND_PUBLIC_URL, the load balancer's address)
        self.web_ports = [self.port] + [free_port() for _ in range(web_nodes - 1)]
        self.s3 = S3Server()
        self.bucket = BUCKET

    # --- life cycle -------------------------------------------------------------------------------------------

    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    def web_names(self) -> list[str]:
        return ["web" if index == 0 else f"web{index + 1}" for index in range(len(self.web_ports))]

    def start(self, timeout: float = 120.0) -> None:
        reason = scale_out_unavailable(self.server_url)
        if reason:
            raise RuntimeError(f"cannot start the scaled-out stack: {reason}")
        self.s3.start()
        try:
            self.s3.client().create_bucket(Bucket=self.bucket)
            super().start(timeout)  # the database, Redis, "web", the workers and beat
            deadline = time.monotonic() + timeout
            for index, name in enumerate(self.web_names()[1:], start=1):
                self._add(name, self._web_argv(self.web_ports[index]), ready_line=None, env=None)
                self._wait_ready(self.processes[name], deadline)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """The extra web nodes first (the base stop() knows only "web"), then the base stack, then S3."""
        if self._started:
            self._restarting.clear()  # the supervisor must not bring them back
            with self._spawn_lock:
                self._terminate(*(self.processes[name] for name in self.web_names()[1:] if name in self.processes),
                                grace=STOP_GRACE_SECONDS)
        super().stop()
        with contextlib.suppress(Exception):
            self.s3.stop()

    # --- one directory per node -------------------------------------------------------------------------------

    def node_dir(self, name: str) -> Path:
        return self.workdir / "nodes" / name

    def node_environment(self, name: str) -> dict[str, str]:
        """The stack's environment, with this node's own disk and the shared bucket (as deploy/systemd's
        environment file would give each machine)."""
        node = self.node_dir(name)
        for sub in ("documents", "tmp", "prometheus"):
            (node / sub).mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in self.environment().items() if not k.startswith("AWS_")}
        env.update({
            "PYTHONPATH": str(ROOT),  # the code, imported from anywhere: the cwd is the node's own directory
            "DOCKHAND_DOCUMENTS_ROOT": str(node / "documents"),
            "TMPDIR": str(node / "tmp"),
            "PROMETHEUS_MULTIPROC_DIR": str(node / "prometheus"),
            "DOCKHAND_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        })
        return env

    def _spawn(self, process: _Process, env: dict[str, str] | None = None) -> None:
        # The base stack starts every process in the code's directory with one environment; here each has its
        # own (the supervisor's restarts come through here too, with env=None).
        process.log.touch()
        process.log_offset = process.log.stat().st_size
        with open(process.log, "ab") as log:
            process.popen = subprocess.Popen(
                process.argv, cwd=self.node_dir(process.name), env=self.node_environment(process.name),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def _web_argv(self, port: int | None = None) -> list[str]:
        argv = super()._web_argv()
        port = port or self.port
        argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
        # gunicorn reads ./gunicorn.conf.py, and ./ is now the node's directory: name production's file
        return [*argv[:3], "--config", str(ROOT / "gunicorn.conf.py"), *argv[3:]]

    def _beat_argv(self) -> list[str]:
        node = self.node_dir("beat")
        return [*super()._beat_argv()[:-4], "-s", str(node / "beat-schedule"), "--pidfile", str(node / "beat.pid")]

    def _wait_ready(self, process: _Process, deadline: float) -> None:
        if process.name not in self.web_names():
            return super()._wait_ready(process, deadline)
        url = self.web_urls[self.web_names().index(process.name)]
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n"
                                   f"{self.tail(process.name, 40)}")
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{url}/login/", timeout=2)
                return
            time.sleep(0.2)
        raise TimeoutError(f"{process.name} was not up in time:\n{self.tail(process.name, 40)}")

    # --- traffic and what is on disk --------------------------------------------------------------------------

    def api(self, method: str, path: str, *, json=None, headers: dict | None = None, timeout: float = 30.0,
            node: int = 0) -> requests.Response:
        """Call the REST API as the demo's manager (token auth) on web node `node`."""
        return requests.request(method, f"{self.web_urls[node]}{path}", json=json, timeout=timeout,
                                headers={"Authorization": f"Token {self.api_token()}", **(headers or {})})

    def packable_skus(self) -> list[str]:
        """The Shopify channel's SKUs that fit, one unit alone, in some active box it may use. The demo has items
        no box holds (660 mm trekking poles), which the pack station rightly refuses to pack."""
        channel = self.shopify_channel()
        boxes = [(sorted(dims), max_weight - tare) for *dims, max_weight, tare in self.query(
            "SELECT inner_length_mm, inner_width_mm, inner_height_mm, max_weight_g, tare_weight_g "
            "FROM shipping_boxtype WHERE is_active AND (client_id IS NULL OR client_id = %s)",
            [channel["client_id"]])]
        products = self.query("SELECT sku, length_mm, width_mm, height_mm, weight_g FROM inventory_product "
                              "WHERE client_id = %s AND sku = ANY(%s) ORDER BY sku",
                              [channel["client_id"], channel["skus"]])
        return [sku for sku, *dims, weight in products
                if any(all(a <= b for a, b in zip(sorted(dims), box, strict=True)) and weight <= room
                       for box, room in boxes)]

    def packable_shopify_webhooks(self, count: int, *, seed: int | None = None) -> list:
        """Like shopify_webhooks, of packable SKUs only, so that every order can go out."""
        rng = random.Random(seed)
        return webhooks(count=count, skus=self.packable_skus(), secret=self.shopify_channel()["secret"], rng=rng,
                        bad_share=0.0, first_id=6_000_000_000_000 + rng.randrange(10**12),
                        first_number=rng.randrange(100_000, 900_000))

    def bucket_object(self, key: str) -> bytes:
        return self.s3.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def bucket_keys(self) -> list[str]:
        listing = self.s3.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def local_document_files(self) -> list[Path]:
        """Files that look like a document (a PDF or ZPL by name or by content) under any node's directory, or
        anything at all under a node's DOCKHAND_DOCUMENTS_ROOT."""
        found = []
        for name in self.processes:
            node = self.node_dir(name)
            for path in node.rglob("*"):
                if not path.is_file():
                    continue
                with open(path, "rb") as handle:
                    head = handle.read(8)
                if (path.suffix.lower() in (".pdf", ".zpl") or head.startswith(DOCUMENT_MAGIC)
                        or (node / "documents") in path.parents):
                    found.append(path)
        return found

    def node_dirs(self) -> dict[str, Path]:
        return {name: self.node_dir(name) for name in self.processes}

