"""Issue 18's "done when": examples/his_client.py, run as a HIS vendor would run it, does a full day against
`yidi serve` through the envelope alone — a real server process on a fresh SQLite database (migrated, sample
packs and demo persons loaded by `yidi serve`), a hospital key made with `yidi hospital key create`, the
client as a separate process. The amounts are the kit's stay (worked by hand in
tests/fsi/test_conformance.py): 1560.00 in all, 492.15 from the fund, 1067.85 from the account, 0.00 cash,
and the day reconciles."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 300  # seconds to wait for a server that migrates and loads the demo on a busy machine (not a measure)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "YIDI_DATABASE_URL": f"sqlite:///{tmp_path / 'yidi.db'}"}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "yidi.cli", "serve", "--port", str(port), "--no-access-log"],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP
        while server.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"yidi serve did not come up: {server.stderr.read().decode()[-2000:] if server.stderr else ''}")
        yield url, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_example_client_runs_a_day_against_yidi_serve(served: tuple[str, dict[str, str]]) -> None:
    url, env = served
    made = subprocess.run([sys.executable, "-m", "yidi.cli", "hospital", "key", "create", "H44030000001"], env=env,
                          capture_output=True, text=True, check=True)
    key = made.stdout.strip()
    assert key.startswith("yk_"), made.stdout + made.stderr
    ran = subprocess.run([sys.executable, str(ROOT / "examples" / "his_client.py"), "--url", url, "--key", key,
                          "--institution", "H44030000001", "--id-number", "360102195603120312", "--name", "张建国"],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "total 1560.00, funds 492.15, account 1067.85, cash 0.00" in ran.stdout, ran.stdout
    assert "对账一致 (stmt_rslt 0)" in ran.stdout, ran.stdout
    # the client spoke the envelope alone: every transaction of the day is a message at POST /api/v1/fsi
    assert "/api/v1/hospital" not in (ROOT / "examples" / "his_client.py").read_text(encoding="utf-8")
