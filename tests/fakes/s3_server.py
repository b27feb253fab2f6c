"""A private S3-compatible server for tests: moto's server mode, on a free port, as a subprocess.

    server = S3Server()
    server.start()            # waits until it answers HTTP
    server.client()           # a boto3 S3 client pointed at it
    server.stop()

moto[server] is a dev dependency; without it the tests that need this skip, saying why.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3

from core.storage import s3_document_storage
from tests.fakes.redis_server import free_port

MOTO_SERVER = importlib.util.find_spec("moto") is not None and importlib.util.find_spec("flask") is not None
ACCESS_KEY = "dockhand-test"
SECRET_KEY = "dockhand-test-secret"
REGION = "us-east-1"


class S3Server:
    def __init__(self):
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        assert MOTO_SERVER, "moto[server] is not installed"
        for _attempt in range(5):  # another process may take the free port between bind and listen
            self.port = free_port()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            if self._wait_until_up(timeout):
                return
            self.stop()
        raise RuntimeError("moto's S3 server did not start")

    def _wait_until_up(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1).close()
                return True
            except urllib.error.HTTPError:
                return True  # it answers
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def storage_options(self, bucket: str) -> dict:
        """STORAGES["default"] for this server, built as DOCKHAND_STORAGE=s3 builds it."""
        return s3_document_storage(bucket=bucket, endpoint_url=self.endpoint_url, region=REGION,
                                   access_key=ACCESS_KEY, secret_key=SECRET_KEY)
