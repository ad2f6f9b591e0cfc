"""Family mutual aid under concurrency on PostgreSQL (issue 16 rule 8): settles drawing on one family member's
account at once never overdraw it, and settles whose patient and payer are each other all finish."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from tests.settlement.helpers import GZ1, GZ2, GZ4, SZ1, SZ3, Seeded, seed_person
from tests.settlement.test_mutual_aid_api import CLASS_C, balance, link
from tests.support.db import TODAY
from yidi.domain.enums import VisitType
from yidi.domain.packset import PackSet
from yidi.domain.validation import validate_model
from yidi.services import ledger
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory

D = Decimal
HOSPITALS = [GZ1, GZ2, GZ4, SZ1, SZ3]


@pytest.fixture
def pg(db: tuple[str, Engine], ctx: Context, packs: PackSet) -> Iterator[Context]:
    url, engine = db
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite runs one writer at a time by design)")
    big = make_engine(url, pool_size=20, max_overflow=5)
    yield Context(big, session_factory(big), packs, lambda: TODAY)
    big.dispose()


def visit(ctx: Context, inst: str, p: Seeded) -> str:
    """An inpatient visit of 2,000.00 of class-C drugs: the whole 2,000.00 is the person's share."""
    h = Principal(Role.HOSPITAL, inst)
    v = svc.register_visit(ctx, h, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                       visit_type=VisitType.INPATIENT))
    svc.upload_lines(ctx, h, v.mdtrt_id, validate_model(svc.UploadLinesIn, {"lines": CLASS_C}))
    return v.mdtrt_id


def run_at_once(ctx: Context, jobs: list[tuple[str, str, str]]) -> list[svc.SettlementView]:
    """Settle (institution, mdtrt_id, payer) all at once, from as many threads."""
    start = threading.Barrier(len(jobs))

    def go(job: tuple[str, str, str]) -> svc.SettlementView:
        inst, mid, payer = job
        start.wait()
        return svc.settle(ctx, Principal(Role.HOSPITAL, inst), mid,
                          validate_model(svc.SettleIn, {"idempotency_key": f"k-{mid}", "mulaid_payer": payer}))

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(go, jobs))


def test_concurrent_settles_never_overdraw_the_payer(pg: Context) -> None:
    payer = seed_person(pg, 801, balance="3000.00")
    jobs = []
    for i in range(6):
        patient = seed_person(pg, 802 + i, balance="0.00")  # no own balance: all of it asked of the payer
        link(pg, payer, patient)
        jobs.append((HOSPITALS[i % len(HOSPITALS)], visit(pg, HOSPITALS[i % len(HOSPITALS)], patient), payer.id_number))
    results = run_at_once(pg, jobs)
    paid = sorted((D(r.breakdown["acct_mulaid_pay"]) for r in results), reverse=True)
    # six settles want 2,000.00 each of 3,000.00: in whatever order they ran, one took 2,000.00, the next the
    # 1,000.00 left, the other four nothing — 3,000.00 in all, the balance 0.00 and never below
    assert paid == [D("2000.00"), D("1000.00")] + [D("0.00")] * 4
    for r in results:
        b = r.breakdown
        assert D(b["acct_mulaid_pay"]) + D(b["psn_cash_pay"]) == D("2000.00")
    assert balance(pg, payer) == D("0.00")
    rep = ledger.verify(pg)
    assert rep.ok, rep.problems


def test_patient_and_payer_of_each_other_at_once(pg: Context) -> None:
    # A's settle draws on B's account while B's settle draws on A's: both lock both; in number order, so
    # neither waits for the other forever. Five pairs, all ten settles at once.
    jobs, pairs = [], []
    for i in range(5):
        a, b = seed_person(pg, 821 + 2 * i, balance="500.00"), seed_person(pg, 822 + 2 * i, balance="500.00")
        link(pg, a, b)
        pairs.append((a, b))
        jobs.append((GZ1, visit(pg, GZ1, a), b.id_number))
        jobs.append((SZ1, visit(pg, SZ1, b), a.id_number))
    results = run_at_once(pg, jobs)
    assert len({r.setl_id for r in results}) == 10
    for a, b in pairs:
        # each share 2,000.00; 1,000.00 in the two accounts together, all of it spent whatever the order:
        # the first settle takes 500 own + 500 of the other's, the second finds both at 0
        assert (balance(pg, a), balance(pg, b)) == (D("0.00"), D("0.00"))
    total = sum(D(r.breakdown["acct_pay"]) + D(r.breakdown["acct_mulaid_pay"]) for r in results)
    assert total == D("5000.00")  # 5 pairs x 1,000.00
    rep = ledger.verify(pg)
    assert rep.ok, rep.problems
