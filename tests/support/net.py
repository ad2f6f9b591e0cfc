"""A free TCP port on 127.0.0.1 for the servers the tests start (uvicorn, a private PostgreSQL cluster), and
waiting for such a server to answer its health check."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx

# How long a server the tests start may take to answer its health check. Not a measure of anything: on a
# machine busy with other work a Python server importing the app and migrating took ~30 s, and a test must
# not fail for that. A server that died is noticed at once.
START_SECONDS = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(proc: subprocess.Popen[bytes], port: int, what: str = "server") -> subprocess.Popen[bytes]:
    """Return `proc` once GET /api/v1/health answers 200; kill it and fail if it exits or never answers."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"{what} did not start")
