"""Mixed load against `yidi serve` on PostgreSQL (issue 8, proof): eligibility, settlement, revocation, claim
submission and advice from 16 concurrent clients; throughput and p50/p99 per kind; zero errors; then
`yidi ledger verify` and `yidi audit verify` must pass and the database must hold exactly what was answered.

Bounded and loopback only: a scratch schema in the PostgreSQL test database (dropped at the end), the
server on 127.0.0.1, the run stops after --seconds or --max-requests, whichever comes first.

Callers: hospitals with their API keys (`Authorization: Bearer yk_...`, as a HIS would); persons through the
development headers (the server is started with YIDI_DEV_HEADERS=1 on loopback) so that no login is timed.

    .venv/bin/python benchmarks/load_mixed.py [--clients 16] [--seconds 120] [--max-requests 100000] [--json out.json]

Kinds (weights): eligibility 35, settle flow 25 (register visit + 5 lines + settle, each timed as its
own kind), revoke 10 (a settlement this client made), claim 10 (create + 6 scans + submit), advice 20.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from _common import PG_URL, admin, free_port  # benchmarks/ is on sys.path when run as a script
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from yidi.demo.dataset import demo_id
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.policies.loader import SAMPLE_DIR, load_packs
from yidi.services import hospital_keys
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.claim_models import ClaimRow
from yidi.store.db import make_engine, session_factory, unit_of_work
from yidi.store.repositories import Filings, Persons
from yidi.store.settlement_models import SettlementRow

ROOT = Path(__file__).resolve().parents[1]
HOSPITALS = ["H44010000001", "H44010000002", "H44030000001"]  # networked in Guangdong, where the filers filed
CODES = ["S001", "XA01", "XB01", "M002", "XC01"]


def _one_page_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


PDF = _one_page_pdf()  # a scan must parse as a PDF to be stored
PAPERS = ("credential", "invoice", "fee_list", "bank_card", "discharge_summary", "unfiled_statement")
WEIGHTS = {"eligibility": 35, "settle": 25, "revoke": 10, "claim": 10, "advice": 20}
QUESTIONS = ["退休后去广州长住，怎么备案", "在深圳住院能直接结算吗", "忘记备案了还能报销吗", "异地急诊怎么报销"]
console = Console()



def schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"



def seed(ctx: Context, filers: int, claimants: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Employees of 369900: `filers` with a long-term filing to Guangdong, `claimants` without a filing."""
    migrate.upgrade(ctx.engine)
    load_reference(ctx)
    start = ctx.today() - dt.timedelta(days=400)
    out_f, out_c = [], []
    with unit_of_work(ctx.sessions) as s:
        for i in range(filers + claimants):
            cid, name = demo_id("360102", "19700101", 100 + i), f"压测{i}"
            Persons(s).upsert(Person(CitizenId(cid), name, "369900", Scheme.EMPLOYEE, Category.ACTIVE,
                                           InsuranceStatus.ACTIVE, account_balance=Decimal("100000.00")))
            s.flush()
            if i < filers:
                rec = FilingRecord(f"BA{secrets.token_hex(6).upper()}", cid, "369900", FilingType.LONG_TERM_RESIDENT,
                                   "440000", start, None, FilingStatus.ACTIVE, True, (), (), start)
                Filings(s).save(rec)
                out_f.append((cid, name))
            else:
                out_c.append((cid, name))
    return out_f, out_c


def start_server(url: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    """`yidi serve` on loopback; its log (one access line per request) goes to `log`, never to a pipe."""
    env = {**os.environ, "YIDI_DATABASE_URL": url, "YIDI_SECRET_KEY": secrets.token_urlsafe(24), "YIDI_DEV_HEADERS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "yidi.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--no-demo"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


class Client:
    """One of the concurrent callers: its own persons (so visits never collide) and its own settlements."""

    def __init__(self, n: int, base: str, keys: dict[str, str], filers: list[tuple[str, str]],
                 claimants: list[tuple[str, str]], stats: dict[str, list[float]], errors: Counter[str]) -> None:
        self.n, self.keys, self.filers, self.claimants = n, keys, filers, claimants
        self.http = httpx.Client(base_url=f"{base}/api/v1", timeout=30)
        self.stats, self.errors = stats, errors
        self.rng = random.Random(n)
        self.settled: list[tuple[str, str]] = []  # (institution, setl_id)
        self.answered: Counter[str] = Counter()
        self.seq = 0

    def call(self, kind: str, method: str, path: str, ok: int = 200, **kw: Any) -> dict[str, Any] | None:
        t = time.perf_counter()
        try:
            r = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        self.stats[kind].append(time.perf_counter() - t)
        if r.status_code != ok:
            try:
                code = r.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = r.text[:80]
            self.errors[f"{kind}: {r.status_code} {code}"] += 1
            return None
        return r.json() if r.content else {}

    def hospital(self) -> tuple[str, dict[str, str]]:
        inst = self.rng.choice(HOSPITALS)
        return inst, {"Authorization": f"Bearer {self.keys[inst]}"}

    def eligibility(self) -> None:
        inst, h = self.hospital()
        cid, name = self.rng.choice(self.filers)
        self.call("eligibility", "POST", "/eligibility", headers=h,
                  json={"id_number": cid, "name": name, "institution": inst, "visit_type": "OUTPATIENT"})

    def settle(self) -> None:
        inst, h = self.hospital()
        cid, name = self.rng.choice(self.filers)
        v = self.call("visit", "POST", "/hospital/visits", ok=201, headers=h,
                      json={"id_number": cid, "name": name, "visit_type": "OUTPATIENT"})
        if v is None:
            return
        mid = v["mdtrt_id"]
        ls = [{"line_id": str(i + 1), "code": CODES[i], "quantity": "2", "unit_price": f"{40 + 10 * i}.00"} for i in range(5)]
        if self.call("lines", "POST", f"/hospital/visits/{mid}/lines", headers=h, json={"lines": ls}) is None:
            return
        s = self.call("settle", "POST", f"/hospital/visits/{mid}/settle", headers=h,
                      json={"idempotency_key": f"load-{mid}"})
        if s is not None:
            self.settled.append((inst, s["setl_id"]))
            self.answered["settled"] += 1

    def revoke(self) -> None:
        if not self.settled:
            return self.settle()
        inst, setl = self.settled.pop(self.rng.randrange(len(self.settled)))
        if self.call("revoke", "POST", f"/hospital/settlements/{setl}/revoke", headers={
                "Authorization": f"Bearer {self.keys[inst]}"}, json={"reason": "退费"}) is not None:
            self.answered["revoked"] += 1
        return None

    def claim(self) -> None:
        cid, name = self.rng.choice(self.claimants)
        me = {"X-Yidi-Role": "person", "X-Yidi-Subject": cid}
        self.seq += 1
        today = dt.date.today()
        adm, dis = today - dt.timedelta(days=10), today - dt.timedelta(days=6)
        body = {"visit": {"institution": "H44010000002", "visit_type": "INPATIENT", "admitted_on": adm.isoformat(),
                          "discharged_on": dis.isoformat(), "diagnosis_code": "J18.9", "diagnosis_name": "肺炎",
                          "reason_not_direct": "出差广州突发疾病，未办理备案"},
                "invoices": [{"invoice_no": f"LD{self.n:02d}{self.seq:06d}{secrets.token_hex(2)}",
                              "invoice_date": dis.isoformat(), "amount": "3500.00", "payer": name}],
                "lines": [{"line_id": "1", "code": "XA01", "name": "阿莫西林胶囊", "quantity": "10", "unit_price": "50.00"},
                          {"line_id": "2", "code": "S002", "name": "冠状动脉造影", "quantity": "1", "unit_price": "3000.00"}],
                "bank": {"bank_name": "中国银行", "account_no": "6217 0000 1234 5678", "holder": name}}
        c = self.call("claim_create", "POST", "/claims", ok=201, headers=me, json=body)
        if c is None:
            return
        no = c["claim_no"]
        for m in PAPERS:
            if self.call("claim_scan", "POST", f"/claims/{no}/documents", ok=201, headers=me, data={"material": m},
                         files={"file": ("scan.pdf", PDF, "application/pdf")}) is None:
                return
        if self.call("claim_submit", "POST", f"/claims/{no}/submit", headers=me) is not None:
            self.answered["claims_submitted"] += 1

    def advice(self) -> None:
        if self.rng.random() < 0.5:
            self.call("advice", "GET", "/advice/search", params={"q": self.rng.choice(QUESTIONS)})
        else:
            self.call("advice", "POST", "/advice", json={"insured_region": "369900", "current_region": "440100",
                                                         "visit_type": "INPATIENT", "filed": False})

    def run(self, stop: threading.Event, budget: list[int], lock: threading.Lock) -> None:
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        while not stop.is_set():
            with lock:
                if budget[0] <= 0:
                    stop.set()
                    break
                budget[0] -= 1
            getattr(self, self.rng.choices(kinds, weights)[0])()
        self.http.close()


def pct(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100)[q - 1] * 1000 if len(xs) >= 2 else (xs[0] * 1000 if xs else 0.0)


def verify(url: str) -> dict[str, tuple[int, str]]:
    out = {}
    for what in ("ledger", "audit"):
        r = subprocess.run([sys.executable, "-m", "yidi.cli", what, "verify"], env={**os.environ, "YIDI_DATABASE_URL": url},
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
        out[what] = (r.returncode, " ".join((r.stdout + r.stderr).split())[:200])  # rich wraps at 80 columns
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--max-requests", type=int, default=100_000, help="operations (flows), not HTTP requests")
    ap.add_argument("--filers", type=int, default=400)
    ap.add_argument("--claimants", type=int, default=100)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()

    schema = f"yidi_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin(f'CREATE SCHEMA "{schema}"')
    url = schema_url(schema)
    engine = make_engine(url)
    server = None
    try:
        ctx = Context(engine, session_factory(engine), load_packs(SAMPLE_DIR), dt.date.today)
        filers, claimants = seed(ctx, args.filers, args.claimants)
        keys = {inst: hospital_keys.create_key(ctx, inst).key for inst in HOSPITALS}
        port = free_port()
        log = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the server runs
        server = start_server(url, port, log)
        stats: dict[str, list[float]] = defaultdict(list)
        errors: Counter[str] = Counter()
        per = len(filers) // args.clients
        pc = max(1, len(claimants) // args.clients)
        clients = [Client(i, f"http://127.0.0.1:{port}", keys, filers[i * per:(i + 1) * per] or filers,
                          claimants[i * pc:(i + 1) * pc] or claimants, stats, errors) for i in range(args.clients)]
        stop, lock, budget = threading.Event(), threading.Lock(), [args.max_requests]
        threads = [threading.Thread(target=c.run, args=(stop, budget, lock), daemon=True) for c in clients]
        console.print(f"[bold]load[/]: {args.clients} clients, up to {args.seconds:.0f} s / {args.max_requests} operations "
                      f"on 127.0.0.1:{port} (schema {schema})")
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        deadline = t0 + args.seconds
        while time.perf_counter() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        elapsed = time.perf_counter() - t0
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None

        answered: Counter[str] = sum((c.answered for c in clients), Counter())
        with unit_of_work(ctx.sessions) as s:
            live = s.scalar(select(func.count()).select_from(SettlementRow).where(SettlementRow.status == "SETTLED")) or 0
            revoked = s.scalar(select(func.count()).select_from(SettlementRow).where(SettlementRow.status == "REVOKED")) or 0
            submitted = s.scalar(select(func.count()).select_from(ClaimRow).where(ClaimRow.state == "SUBMITTED")) or 0
        checks = verify(url)

        total = sum(len(v) for v in stats.values())
        table = Table(title=f"mixed load: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s, "
                            f"{args.clients} clients")
        for col in ("kind", "requests", "req/s", "p50 ms", "p99 ms"):
            table.add_column(col, justify="right" if col != "kind" else "left")
        rows = {}
        for kind in sorted(stats):
            xs = stats[kind]
            rows[kind] = {"requests": len(xs), "per_s": len(xs) / elapsed, "p50_ms": pct(xs, 50), "p99_ms": pct(xs, 99)}
            table.add_row(kind, str(len(xs)), f"{len(xs) / elapsed:.1f}", f"{pct(xs, 50):.1f}", f"{pct(xs, 99):.1f}")
        allx = [x for v in stats.values() for x in v]
        table.add_row("[bold]all", str(total), f"{total / elapsed:.1f}", f"{pct(allx, 50):.1f}", f"{pct(allx, 99):.1f}")
        console.print(table)
        expect_live = answered["settled"] - answered["revoked"]
        console.print(f"errors: {sum(errors.values())} {dict(errors) or ''}")
        console.print(f"settlements answered {answered['settled']}, revoked {answered['revoked']}: database holds "
                      f"{live} settled + {revoked} revoked; claims submitted answered {answered['claims_submitted']}, "
                      f"held {submitted}")
        for what, (rc, last) in checks.items():
            console.print(f"yidi {what} verify: exit {rc} — {last}")
        ok = (not errors and live == expect_live and revoked == answered["revoked"]
              and submitted == answered["claims_submitted"] and all(rc == 0 for rc, _ in checks.values()))
        if args.json:
            args.json.write_text(json.dumps({"elapsed_s": elapsed, "clients": args.clients, "requests": total,
                                             "per_s": total / elapsed, "kinds": rows, "errors": dict(errors),
                                             "answered": dict(answered), "verify": {k: v[0] for k, v in checks.items()},
                                             "ok": ok}, indent=2))
        console.print("[green]OK[/]" if ok else "[red]FAILED[/]")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.kill()
            server.wait()
        engine.dispose()
        admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    sys.exit(main())
