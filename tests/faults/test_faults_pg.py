"""Faults (issue 8, proof) against a real server on PostgreSQL:

- the database connections of the server dropped again and again in the middle of a burst of settlements
  (`pg_terminate_backend` on this test's own connections only, found by their application_name: PostgreSQL
  is shared with other test runs and is never restarted here): every caller gets 200 or a clean 503
  `DATABASE_UNAVAILABLE` (never a 500, never a hang), no partial settlement exists, retrying with the same
  keys settles each visit exactly once, and `yidi ledger verify` + `yidi audit verify` pass;
- the server killed (SIGKILL) in the middle of a burst of manual-claim submissions: every answered claim
  was kept, none is half-written, retrying every request after a restart never makes a second claim for
  an invoice, and the audit chain verifies. (The SIGKILL test for settlements is
  tests/settlement/test_crash_pg.py; its helpers are reused here.)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
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
from sqlalchemy import func, select, text

from tests.claims.helpers import LINES, PAPERS, PDF, VISIT
from tests.settlement.helpers import API, GZ1, key_for, seed_person, visits_with_lines
from tests.settlement.test_crash_pg import ROOT, free_port, start_server
from tests.support.db import PG_URL, drop_database, new_database
from yidi.domain.packset import PackSet
from yidi.services import ledger
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.claim_models import ClaimInvoiceRow, ClaimRow
from yidi.store.db import make_engine, session_factory, unit_of_work
from yidi.store.models import VisitRow
from yidi.store.settlement_models import SettlementRow


@pytest.fixture
def pgctx(tmp_path: Path, packs: PackSet) -> Iterator[tuple[str, Context, str]]:
    """(server URL tagged with an application_name of its own, context, that name)."""
    url, engine, schema = new_database("postgresql", tmp_path)  # fails under CI=true when PostgreSQL is down
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), packs, dt.date.today)  # the server's clock
    load_reference(ctx)
    app_name = f"yidi_fault_{secrets.token_hex(4)}"
    yield f"{url}&application_name={app_name}", ctx, app_name
    drop_database(engine, schema)


def cli_verify(url: str, what: str) -> None:
    r = subprocess.run([sys.executable, "-m", "yidi.cli", what, "verify"], env={**os.environ, "YIDI_DATABASE_URL": url},
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"yidi {what} verify: {r.stdout}{r.stderr}"


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def test_dropped_database_connections_give_clean_503s_and_nothing_partial(pgctx: tuple[str, Context, str]) -> None:
    url, ctx, app_name = pgctx
    visits = visits_with_lines(ctx, 40, 500)
    headers = key_for(ctx, GZ1)
    port = free_port()
    server = start_server(url, port)
    statuses: Counter[str] = Counter()
    answered: dict[str, str] = {}
    done = threading.Event()
    dropped = [0]
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")

    def dropper() -> None:  # only this test's server connections: other runs share this PostgreSQL
        with admin.connect() as conn:
            while not done.is_set():
                # one busy connection at a time (mid-transaction), so that some settlements get through
                dropped[0] += conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity WHERE "
                    "application_name = :n AND state <> 'idle' LIMIT 1) busy"), {"n": app_name}).scalar_one()
                time.sleep(0.1)

    def fire(mid: str) -> None:
        try:
            r = httpx.post(f"http://127.0.0.1:{port}{API}/visits/{mid}/settle", json={"idempotency_key": f"drop-{mid}"},
                           headers=headers, timeout=20)
        except httpx.TimeoutException:
            statuses["hang"] += 1
            return
        code = r.json().get("error", {}).get("code", "") if r.status_code != 200 else ""
        statuses[f"{r.status_code} {code}".strip()] += 1
        if r.status_code == 200:
            answered[mid] = r.json()["setl_id"]

    d = threading.Thread(target=dropper)
    d.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fire, visits))
    finally:
        done.set()
        d.join(timeout=10)
        admin.dispose()
    try:
        assert dropped[0] > 0
        assert set(statuses) <= {"200", "503 DATABASE_UNAVAILABLE"}, statuses  # no 500, no hang
        # the server recovers by itself: retry everything with the same keys, each visit settled exactly once
        with httpx.Client(base_url=f"http://127.0.0.1:{port}{API}", headers=headers, timeout=30) as c:
            for mid in visits:
                r = c.post(f"/visits/{mid}/settle", json={"idempotency_key": f"drop-{mid}"})
                assert r.status_code == 200, r.text
                if mid in answered:
                    assert r.json()["setl_id"] == answered[mid] and r.headers["Idempotent-Replayed"] == "true"
    finally:
        stop(server)
    print(f"\nfaults: {dropped[0]} connections dropped during {len(visits)} settlements: {dict(statuses)}")
    with unit_of_work(ctx.sessions) as s:
        settled_visits = set(s.scalars(select(VisitRow.id).where(VisitRow.status == "SETTLED")))
        rows = list(s.scalars(select(SettlementRow)))
    assert len(rows) == len(visits) and {r.visit_id for r in rows} == settled_visits
    rep = ledger.verify(ctx)
    assert rep.ok and rep.settlements == len(visits), rep.as_dict()
    cli_verify(url, "ledger")
    cli_verify(url, "audit")


def _claimant(ctx: Context, seq: int) -> tuple[str, str]:
    p = seed_person(ctx, 700 + seq, filing=False)
    return p.id_number, p.name


def test_sigkill_mid_burst_of_claims_loses_and_doubles_nothing(pgctx: tuple[str, Context, str], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    url, ctx, _ = pgctx
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path / "data"))  # the server's scans
    today = dt.date.today()
    visit = {**VISIT, "admitted_on": str(today - dt.timedelta(days=10)), "discharged_on": str(today - dt.timedelta(days=6))}
    people = [_claimant(ctx, i) for i in range(30)]
    port = free_port()
    server = start_server(url, port)
    base = f"http://127.0.0.1:{port}/api/v1/claims"
    # one claim per person, with its own invoice: the invoice number is what must never be claimed twice
    bodies = {cid: {"visit": visit, "invoices": [{"invoice_no": f"KILL{i:04d}", "invoice_date": visit["discharged_on"],
                                                 "amount": "4200.00", "payer": name}],
                    "lines": LINES, "bank": {"bank_name": "中国银行", "account_no": "6217 0000 1234 5678", "holder": name}}
              for i, (cid, name) in enumerate(people)}
    answered: dict[str, str] = {}
    killed = threading.Event()

    def me(cid: str) -> dict[str, str]:
        return {"X-Yidi-Role": "person", "X-Yidi-Subject": cid}

    def fire(cid: str) -> None:
        if killed.is_set():
            return
        try:
            r = httpx.post(base, json=bodies[cid], headers=me(cid), timeout=10)
            if r.status_code == 201:
                no = r.json()["claim_no"]
                answered[cid] = no
                for m in PAPERS:
                    httpx.post(f"{base}/{no}/documents", data={"material": m}, headers=me(cid), timeout=10,
                               files={"file": ("scan.pdf", PDF, "application/pdf")})
                httpx.post(f"{base}/{no}/submit", headers=me(cid), timeout=10)
        except httpx.HTTPError:
            pass  # the answer was lost with the server

    def killer() -> None:
        deadline = time.monotonic() + 60
        while len(answered) < 5 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        killed.set()

    k = threading.Thread(target=killer)
    k.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fire, list(bodies)))
    finally:
        k.join(timeout=90)
        server.kill()
        server.wait()
    assert killed.is_set() and 5 <= len(answered) < len(people), len(answered)
    cli_verify(url, "audit")  # the chain is whole after the crash: no half-chained transaction

    server = start_server(url, port)
    retried: Counter[str] = Counter()
    try:
        with httpx.Client(timeout=30) as c:
            for cid, body in bodies.items():
                r = c.post(base, json=body, headers=me(cid))
                code = r.json()["error"]["code"] if r.status_code != 201 else "created"
                retried[code] += 1
                assert r.status_code == 201 or code == "INVOICE_ALREADY_CLAIMED", r.text
                if cid in answered:
                    assert code == "INVOICE_ALREADY_CLAIMED"  # it was kept: the retry does not make a second one
    finally:
        stop(server)
    print(f"\nfaults: SIGKILL after {len(answered)} of {len(people)} claims answered; retries: {dict(retried)}")
    with unit_of_work(ctx.sessions) as s:
        per_invoice = {no: n for no, n in s.execute(
            select(ClaimInvoiceRow.invoice_no, func.count()).group_by(ClaimInvoiceRow.invoice_no))}
        claim_nos = set(s.scalars(select(ClaimRow.claim_no)))
        without_invoice = s.scalar(select(func.count()).select_from(ClaimRow).where(
            ~ClaimRow.id.in_(select(ClaimInvoiceRow.claim_id)))) or 0
    assert set(answered.values()) <= claim_nos  # nothing answered was lost
    assert len(per_invoice) == len(people) and set(per_invoice.values()) == {1}, per_invoice  # nothing doubled
    assert len(claim_nos) == len(people) and without_invoice == 0  # nothing half-written
    cli_verify(url, "audit")
