"""A server killed with SIGKILL in the middle of a burst of settlements (PostgreSQL): after a restart no
partial settlement exists, `yidi ledger verify` passes, and retrying every request with its key settles
each visit exactly once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.settlement.helpers import API, GZ1, key_for, visits_with_lines
from tests.support.db import drop_database, new_database
from tests.support.net import free_port, wait_healthy
from yidi.domain.packset import PackSet
from yidi.services import ledger
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.db import session_factory, unit_of_work
from yidi.store.models import VisitRow
from yidi.store.settlement_models import SettlementRow

ROOT = Path(__file__).resolve().parents[2]


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YIDI_DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "yidi.app:create_app", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT)
    return wait_healthy(proc, port)


@pytest.fixture
def pgctx(tmp_path: Path, packs: PackSet) -> Iterator[tuple[str, Context]]:
    url, engine, schema = new_database("postgresql", tmp_path)  # fails under CI=true when PostgreSQL is down
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), packs, dt.date.today)  # the server's clock
    load_reference(ctx)
    yield url, ctx
    drop_database(engine, schema)


def test_sigkill_mid_burst_leaves_no_partial_settlement(pgctx: tuple[str, Context]) -> None:
    url, ctx = pgctx
    visits = visits_with_lines(ctx, 60, 300)
    headers = key_for(ctx, GZ1)
    port = free_port()
    server = start_server(url, port)
    answered: dict[str, str] = {}
    killed = threading.Event()

    def fire(mid: str) -> None:
        if killed.is_set():
            return
        try:
            r = httpx.post(f"http://127.0.0.1:{port}{API}/visits/{mid}/settle", json={"idempotency_key": f"crash-{mid}"},
                           headers=headers, timeout=10)
            if r.status_code == 200:
                answered[mid] = r.json()["setl_id"]
        except httpx.HTTPError:
            pass  # the answer was lost with the server: the hospital will retry with the same key

    def killer() -> None:
        while len(answered) < 8:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        killed.set()

    k = threading.Thread(target=killer)
    k.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fire, visits))
    finally:
        k.join(timeout=30)
        server.kill()
        server.wait()
    assert killed.is_set() and 8 <= len(answered) < len(visits), len(answered)

    # after the crash: nothing half-done, and the operator's command says so
    cli = subprocess.run([sys.executable, "-m", "yidi.cli", "ledger", "verify"], env={**os.environ, "YIDI_DATABASE_URL": url},
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems
    with unit_of_work(ctx.sessions) as s:
        settled_visits = set(s.scalars(select(VisitRow.id).where(VisitRow.status == "SETTLED")))
        rows = list(s.scalars(select(SettlementRow)))
    assert {r.visit_id for r in rows if r.status == "SETTLED"} == settled_visits
    assert {r.setl_id for r in rows} >= set(answered.values())  # every answer given was kept

    # restart and retry everything with the same keys: each visit ends settled exactly once
    server = start_server(url, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}{API}", headers=headers, timeout=30) as c:
            for mid in visits:
                r = c.post(f"/visits/{mid}/settle", json={"idempotency_key": f"crash-{mid}"})
                assert r.status_code == 200, r.text
                if mid in answered:
                    assert r.json()["setl_id"] == answered[mid] and r.headers["Idempotent-Replayed"] == "true"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    rep = ledger.verify(ctx)
    assert rep.ok and rep.settlements == len(visits), rep.as_dict()
