"""Safety under concurrency on PostgreSQL: many hospitals settling for one person at once, and concurrent
retries of one request. The result must equal some sequential order, never pass the annual cap, never
count the annual deductible twice, and pay each request once."""

from __future__ import annotations

import dataclasses
import itertools
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from tests.settlement.helpers import GZ1, GZ2, GZ4, SZ1, SZ3, seed_person
from tests.support.db import TODAY
from yidi.domain.bill import FeeLine, YearAccumulators
from yidi.domain.engine import calculate
from yidi.domain.enums import VisitType
from yidi.domain.errors import YidiError
from yidi.domain.money import to_fen
from yidi.domain.packset import PackSet
from yidi.services import ledger
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory, unit_of_work
from yidi.store.models import PersonRow
from yidi.store.repositories import Filings, person_of
from yidi.store.settlement_models import AMOUNT_FIELDS, SettlementRow, YearAccumulatorRow
from yidi.store.uow import SqlUnitOfWork

HOSPITALS = [GZ1, GZ2, GZ4, SZ1, SZ3]


@pytest.fixture
def pg(db: tuple[str, Engine], ctx: Context, packs: PackSet) -> Iterator[Context]:
    """The test context on PostgreSQL, with a pool big enough for 50 threads at once."""
    url, engine = db
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite runs one writer at a time by design)")
    big = make_engine(url, pool_size=50, max_overflow=10)
    yield Context(big, session_factory(big), packs, lambda: TODAY)
    big.dispose()


def hospital(code: str) -> Principal:
    return Principal(Role.HOSPITAL, code)


def bill_lines(i: int) -> svc.UploadLinesIn:
    # 20 lines; ~20,000 yuan in scope per visit at 60 %: 50 visits want far more than the 400,000 cap
    ls = [FeeLine(line_id=f"L{i}-{k}", code="XA01", quantity=Decimal(10), unit_price=Decimal("100.00"))
          for k in range(19)]
    ls.append(FeeLine(line_id=f"L{i}-X", code="XC01", quantity=Decimal(1), unit_price=Decimal("1000.00")))
    return svc.UploadLinesIn(lines=ls)


def test_50_concurrent_settlements_one_person_several_hospitals(pg: Context) -> None:
    p = seed_person(pg, 101, balance="5000.00")
    visits: list[tuple[str, str]] = []
    for i in range(50):
        inst = HOSPITALS[i % len(HOSPITALS)]
        v = svc.register_visit(pg, hospital(inst), svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                         visit_type=VisitType.OUTPATIENT))
        svc.upload_lines(pg, hospital(inst), v.mdtrt_id, bill_lines(i))
        visits.append((inst, v.mdtrt_id))
    start = threading.Barrier(50)

    def go(arg: tuple[str, str]) -> svc.SettlementView:
        inst, mid = arg
        start.wait()
        return svc.settle(pg, hospital(inst), mid, svc.SettleIn(idempotency_key=f"k-{mid}"))

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(go, visits))
    assert len({r.setl_id for r in results}) == 50
    with unit_of_work(pg.sessions) as s:
        rows = list(s.scalars(select(SettlementRow).order_by(SettlementRow.acc_version_after)))
        acc_row = s.scalars(select(YearAccumulatorRow)).one()
        balance = s.scalars(select(PersonRow.account_balance_fen).where(PersonRow.citizen_id == p.id_number)).one()
    # some sequential order: each settlement started from exactly what the previous one left
    assert [r.acc_version_after for r in rows] == list(range(1, 51))
    assert rows[0].accumulators_before == YearAccumulators(year=TODAY.year).as_dict()
    for prev, nxt in itertools.pairwise(rows):
        assert nxt.accumulators_before == prev.accumulators_after
    assert acc_row.content == rows[-1].accumulators_after and acc_row.version == 50
    # ... and replaying that order one by one through the engine gives the same amounts to the fen
    acc = YearAccumulators(year=TODAY.year)
    bal = Decimal("5000.00")
    with unit_of_work(pg.sessions) as s:
        for r in rows:
            uow = SqlUnitOfWork(s)
            person = person_of(s.get(PersonRow, r.person_id))
            person = dataclasses.replace(person, account_balance=bal)
            bill = svc.bill_of(uow.visits.get(r.visit_id), person, uow.lines.of_visit(r.visit_id, active=True), TODAY,
                               None, True)
            b = calculate(bill, pg.packs, person=person, filing=None if r.filing_id is None else
                          Filings(s).get(r.filing_id).to_filing(), accumulators=acc, unknown_items="self_funded")
            assert {f: to_fen(getattr(b, f)) for f in AMOUNT_FIELDS} == {f: getattr(r, f"{f}_fen") for f in AMOUNT_FIELDS}
            acc, bal = b.accumulators_after, bal - b.acct_pay
    cap = Decimal("400000.00")
    fund = sum(Decimal(r.hifp_pay_fen) for r in rows) / 100
    assert fund == cap, "fifty 12,000-yuan payments exhaust the cap exactly, never more"
    assert Decimal(acc_row.content["fund_paid"]["basic"]) == cap
    assert sum(r.act_pay_dedc_fen for r in rows) == 60000, "the 600-yuan annual deductible is charged once"
    assert sum(1 for r in rows if r.act_pay_dedc_fen) == 1
    assert balance == 500000 - sum(r.acct_pay_fen for r in rows) and balance >= 0
    rep = ledger.verify(pg)
    assert rep.ok, rep.problems


def test_concurrent_retries_same_key_pay_once(pg: Context) -> None:
    p = seed_person(pg, 102)
    v = svc.register_visit(pg, hospital(GZ1), svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                    visit_type=VisitType.INPATIENT))
    svc.upload_lines(pg, hospital(GZ1), v.mdtrt_id, bill_lines(0))
    key = f"retry-{secrets.token_hex(4)}"
    start = threading.Barrier(12)

    def go(_i: int) -> svc.SettlementView:
        start.wait()
        return svc.settle(pg, hospital(GZ1), v.mdtrt_id, svc.SettleIn(idempotency_key=key))

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(go, range(12)))
    assert len({r.setl_id for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    with unit_of_work(pg.sessions) as s:
        assert len(list(s.scalars(select(SettlementRow)))) == 1
    assert ledger.verify(pg).ok


def test_concurrent_settles_of_one_visit_with_different_keys_settle_once(pg: Context) -> None:
    p = seed_person(pg, 103)
    v = svc.register_visit(pg, hospital(GZ1), svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                    visit_type=VisitType.OUTPATIENT))
    svc.upload_lines(pg, hospital(GZ1), v.mdtrt_id, bill_lines(0))
    start = threading.Barrier(8)

    def go(i: int) -> str:
        start.wait()
        try:
            return svc.settle(pg, hospital(GZ1), v.mdtrt_id, svc.SettleIn(idempotency_key=f"key-{i:04d}")).setl_id
        except YidiError as exc:
            return exc.code

    with ThreadPoolExecutor(8) as pool:
        out = list(pool.map(go, range(8)))
    assert sorted(out).count("VISIT_ALREADY_SETTLED") == 7
    assert ledger.verify(pg).ok


def test_concurrent_revoke_and_reversal_undo_once(pg: Context) -> None:
    p = seed_person(pg, 104)
    v = svc.register_visit(pg, hospital(GZ1), svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                    visit_type=VisitType.OUTPATIENT))
    svc.upload_lines(pg, hospital(GZ1), v.mdtrt_id, bill_lines(0))
    st = svc.settle(pg, hospital(GZ1), v.mdtrt_id, svc.SettleIn(idempotency_key="kk-000001", msgid="M-1"))
    start = threading.Barrier(6)

    def go(i: int) -> str:
        start.wait()
        try:
            if i % 2:
                return svc.revoke(pg, hospital(GZ1), st.setl_id, svc.RevokeIn()).status
            return svc.reverse(pg, hospital(GZ1), svc.ReversalIn(omsgid="M-1")).result
        except YidiError as exc:
            return exc.code

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(go, range(6)))
    with unit_of_work(pg.sessions) as s:
        row = s.scalars(select(SettlementRow)).one()
        acc = s.scalars(select(YearAccumulatorRow)).one()
        bal = s.scalars(select(PersonRow.account_balance_fen).where(PersonRow.citizen_id == p.id_number)).one()
    assert row.status == "REVOKED" and bal == 300000
    assert YearAccumulators.model_validate(acc.content).fund_paid.get("basic", Decimal(0)) == 0
    rep = ledger.verify(pg)
    assert rep.ok, rep.problems


def test_upload_racing_settle_never_leaves_uncounted_lines(pg: Context) -> None:
    p = seed_person(pg, 105)
    for rnd in range(6):
        v = svc.register_visit(pg, hospital(GZ1), svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                        visit_type=VisitType.OUTPATIENT))
        svc.upload_lines(pg, hospital(GZ1), v.mdtrt_id, bill_lines(rnd))
        start = threading.Barrier(2)

        def go(i: int, mid: str = v.mdtrt_id, r: int = rnd, b: threading.Barrier = start) -> str:
            b.wait()
            try:
                if i == 0:
                    return svc.settle(pg, hospital(GZ1), mid, svc.SettleIn(idempotency_key=f"race-{mid}")).status
                extra = [FeeLine(line_id=f"late-{r}-{k}", code="XA01", quantity=Decimal(1), unit_price=Decimal("1.00"))
                         for k in range(5)]
                return svc.upload_lines(pg, hospital(GZ1), mid, svc.UploadLinesIn(lines=extra)).status
            except YidiError as exc:
                return exc.code

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(go, range(2)))
        view = svc.show_visit(pg, hospital(GZ1), v.mdtrt_id)
        with unit_of_work(pg.sessions) as s:
            row = s.scalars(select(SettlementRow).where(SettlementRow.setl_id == view.settlements[0]["setl_id"])).one()
        active = sum(1 for ln in view.lines if ln["status"] == "ACTIVE")
        assert row.line_count == active, f"round {rnd}: {active} active lines, {row.line_count} settled"
    assert ledger.verify(pg).ok
