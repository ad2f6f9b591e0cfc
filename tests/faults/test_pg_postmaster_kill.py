"""The database itself killed (issue 13, proof 3): a private PostgreSQL cluster (tests/support/pgcluster.py)
serves `yidi serve`; in the middle of a burst of 60 settlements from 8 threads its postmaster gets SIGKILL.
While it is down every request is answered 503 DATABASE_UNAVAILABLE (no 500, no hang). The cluster is
started again (crash recovery from the write-ahead log); then every settlement that was answered is there
exactly once, none is half-written (a visit is SETTLED exactly when its settlement is, the ledger balances),
the audit chain and every row verify, and retrying every request with its key through the same server
settles each visit exactly once (the answered ones replayed)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.settlement.helpers import API, GZ1, key_for, visits_with_lines
from tests.support.net import free_port, wait_healthy
from tests.support.pgcluster import Cluster
from tests.support.rows import assert_trail_holds
from yidi.domain.packset import PackSet
from yidi.services import ledger
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.db import make_engine, session_factory, unit_of_work
from yidi.store.models import VisitRow
from yidi.store.settlement_models import SettlementRow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-secret-for-the-crash-test-only"


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YIDI_DATABASE_URL": url, "YIDI_SECRET_KEY": SECRET}
    proc = subprocess.Popen([sys.executable, "-m", "yidi.cli", "serve", "--no-demo", "--port", str(port)], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return wait_healthy(proc, port, "yidi serve")


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "yidi.cli", *args], env={**os.environ, "YIDI_DATABASE_URL": url,
                          "YIDI_SECRET_KEY": SECRET}, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        c.start()
        yield c
    finally:
        c.destroy()


def test_postmaster_sigkill_mid_burst_loses_and_doubles_nothing(cluster: Cluster, packs: PackSet) -> None:
    engine = make_engine(cluster.url)
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), packs, dt.date.today)  # the server's clock
    load_reference(ctx)
    visits = visits_with_lines(ctx, 60, 300)
    headers = key_for(ctx, GZ1)
    port = free_port()
    server = serve(cluster.url, port)
    answered: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    killed = threading.Event()
    old: list[int] = []

    def fire(mid: str) -> None:
        try:
            r = httpx.post(f"http://127.0.0.1:{port}{API}/visits/{mid}/settle", json={"idempotency_key": f"pm-{mid}"},
                           headers=headers, timeout=30)
        except httpx.HTTPError as exc:  # the server stays up: it must answer, not drop the connection
            raise AssertionError(f"no answer for {mid}: {exc!r}") from exc
        statuses[r.status_code] += 1
        if r.status_code == 200:
            answered[mid] = r.json()["setl_id"]
        else:
            assert (r.status_code, r.json()["error"]["code"]) == (503, "DATABASE_UNAVAILABLE"), r.text

    def killer() -> None:
        while len(answered) < 8:
            time.sleep(0.002)
        old.extend(cluster.kill_postmaster())
        killed.set()

    k = threading.Thread(target=killer)
    k.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fire, visits))
        k.join(timeout=60)
        assert killed.is_set() and 8 <= len(answered) < len(visits) and statuses[503] > 0, (len(answered), statuses)

        # the database comes back: crash recovery replays the write-ahead log
        cluster.wait_gone(old)
        cluster.start()
        assert "automatic recovery in progress" in cluster.log()  # a real crash, recovered from the WAL
        engine.dispose()  # this process's pooled connections died with the server
        rep = ledger.verify(ctx)
        assert rep.ok, rep.problems
        with unit_of_work(ctx.sessions) as s:
            settled_visits = set(s.scalars(select(VisitRow.id).where(VisitRow.status == "SETTLED")))
            rows = list(s.scalars(select(SettlementRow)))
            per_visit = dict(s.execute(select(SettlementRow.visit_id, func.count()).group_by(SettlementRow.visit_id))
                             .all())
        assert {r.visit_id for r in rows if r.status == "SETTLED"} == settled_visits  # nothing half-written
        assert all(n == 1 for n in per_visit.values()), per_visit
        by_id = Counter(r.setl_id for r in rows)
        assert all(by_id[setl] == 1 for setl in answered.values())  # every answer given is there, once
        assert_trail_holds(ctx)

        # the same server, reconnected: retrying every request with its key settles each visit once
        with httpx.Client(base_url=f"http://127.0.0.1:{port}{API}", headers=headers, timeout=30) as c:
            for mid in visits:
                r = c.post(f"/visits/{mid}/settle", json={"idempotency_key": f"pm-{mid}"})
                assert r.status_code == 200, r.text
                if mid in answered:
                    assert r.json()["setl_id"] == answered[mid] and r.headers["Idempotent-Replayed"] == "true"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    rep = ledger.verify(ctx)
    assert rep.ok and rep.settlements == len(visits), rep.as_dict()
    assert_trail_holds(ctx)
    for args in (("ledger", "verify"), ("audit", "verify")):
        out = cli(cluster.url, *args)
        assert out.returncode == 0, out.stdout + out.stderr
    print(f"\npostmaster kill: {len(answered)} of {len(visits)} answered before the kill, {len(settled_visits)} settled "
          f"after recovery, statuses {dict(statuses)}")
    engine.dispose()
