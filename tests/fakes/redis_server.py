"""A private redis-server for tests that need a real broker which they may freeze, kill and restart.

    server = RedisServer(tmp_path)
    server.start()          # a free port on 127.0.0.1, no persistence; waits until it answers PING
    server.freeze()         # SIGSTOP: connections still open (the kernel accepts them), nothing answers
    server.thaw()           # SIGCONT
    server.stop()           # SIGKILL: connections are refused
    server.start()          # a fresh, empty server on the same port
    server.stop()

Never the machine's shared Redis on 6379: other test runs and CI use it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port
        self.process: subprocess.Popen | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server (on a free port the first time, on the same port after a stop); wait for PING."""
        assert REDIS_SERVER, "redis-server is not installed"
        for _attempt in range(5):  # another process may take the free port between bind and listen
            port = self.port or free_port()
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory), "--daemonize", "no", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            if self._wait_for_ping(port, timeout):
                self.port = port
                return
            self.stop()
        raise RuntimeError(f"redis-server did not answer PING on 127.0.0.1:{port}")

    def _wait_for_ping(self, port: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:  # exited: port taken, or a bad flag
                    return False
                try:
                    if client.ping():
                        return True
                except redis.ConnectionError:
                    time.sleep(0.05)
            return False
        finally:
            client.close()

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.frozen and self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
        self.frozen = False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # SIGKILL works on a stopped process too
            self.process.wait(timeout=10)
            self.process = None
        self.frozen = False

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, socket_connect_timeout=5)

    def take_task_messages(self, queue: str = "celery") -> list[tuple[str, list, dict]]:
        """Pop every Celery message (protocol 2, as kombu's Redis transport stores it) off the queue."""
        messages = []
        client = self.client()
        try:
            while (raw := client.rpop(queue)) is not None:
                envelope = json.loads(raw)
                args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
                messages.append((envelope["headers"]["task"], args, kwargs))
        finally:
            client.close()
        return messages
