"""How many statements one settle and one eligibility check send to the database: the round trips are their
cost on a busy machine (benchmarks/README.md), so a change that adds one must say so here. And the reference
data cache: a change of an institution is seen by the very next check, with no timer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event

from tests.settlement.helpers import GZ1, outpatient_visit, seed_person
from yidi.domain.bill import FeeLine
from yidi.domain.enums import VisitType
from yidi.domain.reference import Institution
from yidi.services import eligibility
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine's connections send while the block runs (BEGIN and COMMIT excluded: the
    driver sends those without a cursor)."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, stmt: str, *_a: object) -> None:
        seen.append(" ".join(stmt.split())[:100])

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_settle_of_a_20_line_bill_in_6_statements(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 31, balance="800.00")
    first, second = outpatient_visit(ctx, h, p.id_number, p.name), outpatient_visit(ctx, h, p.id_number, p.name)
    # the person's first settlement of the year also creates their accumulator row (two statements more);
    # the second is the usual case (what the HTTP benchmark settles)
    svc.settle(ctx, h, first, svc.SettleIn(idempotency_key="count-settle-1"))
    with statements(ctx.engine) as seen:
        out = svc.settle(ctx, h, second, svc.SettleIn(idempotency_key="count-settle-2"))
    assert out.status == "SETTLED"
    # counted by hand from the list below, PostgreSQL (SQLite differs in how the audit chain writes, see there):
    #  reads: 1 the visit (person, scheme, hospital) with the accumulator row FOR UPDATE (they were two
    #  statements), 2 the visit and person FOR UPDATE, 3 key + msgid + diseases + active lines + filings + open
    #  admissions (json_rows);
    #  writes: 4 settlement (its number is needed by the ledger legs and the message), 5 ONE statement for the
    #  accumulators, the person's account, the visit's status (three UPDATEs), the message and the ledger legs
    #  (two INSERTs) (yidi.store.flush_one; it was five statements, 12 in all), 6 the audit: the lane's head
    #  locked, the places taken, the record hashed and inserted with its row log, the head moved (one statement,
    #  yidi.store.audit_one; it was two: the places, then record + row log + head hash)
    # SQLite (no flush_one): BEGIN IMMEDIATE, the five writes apart, one INSERT per ledger leg (2 here) and the
    # lane's head, record, head hash and row log apart: 15
    expected = 6 if ctx.engine.dialect.name == "postgresql" else 15
    assert len(seen) == expected, "\n".join(seen)


def test_a_settle_on_postgresql_in_5_round_trips(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """The round trips themselves (the statement counter above sees statements, not how they travel; listening
    to statements also turns the driver's direct path off, so this counts without listening)."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's connection")
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 36, balance="800.00")
    visits = [outpatient_visit(ctx, h, p.id_number, p.name) for _ in range(3)]
    svc.settle(ctx, h, visits[0], svc.SettleIn(idempotency_key="trips-key-0"))  # the accumulator row exists
    waits = [0]
    real = psycopg.Connection.wait

    def counted(self: Any, gen: Any, *a: Any, **k: Any) -> Any:
        # a round trip, but for a commit or the pool's rollback of a connection already out of its transaction
        # (psycopg then sends nothing)
        idle = self.pgconn.transaction_status == TransactionStatus.IDLE
        waits[0] += not (idle and getattr(gen, "__name__", "") in ("_rollback_gen", "_commit_gen"))
        return real(self, gen, *a, **k)
    monkeypatch.setattr(psycopg.Connection, "wait", counted)
    for n, mdtrt_id in enumerate(visits[1:], 1):
        waits[0] = 0
        assert svc.settle(ctx, h, mdtrt_id, svc.SettleIn(idempotency_key=f"trips-key-{n}")).status == "SETTLED"
        # counted by hand: 1 BEGIN with the visit and accumulator row FOR UPDATE, 2 the visit and person FOR UPDATE
        # with the read of everything that decides the money (one pipeline: they were two round trips),
        # 3 the settlement, 4 the one write statement, 5 the audit record with COMMIT (one pipeline: they were two)
        assert waits[0] == 5, waits


def test_a_pre_settle_of_a_20_line_bill_in_1_statement(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 34, balance="800.00")
    first, second = outpatient_visit(ctx, h, p.id_number, p.name), outpatient_visit(ctx, h, p.id_number, p.name)
    svc.settle(ctx, h, first, svc.SettleIn(idempotency_key="count-pre-1"))  # the accumulator row exists
    with statements(ctx.engine) as seen:
        q = svc.pre_settle(ctx, h, second, svc.PreSettleIn())
    # 20 lines of 10.00: the quote covers the whole bill
    assert q.breakdown["medfee_sumamt"] == "200.00"
    # counted by hand: 1 the visit with its person and accumulator row (no lock: a pre-settle changes nothing)
    # and beside them diseases + active lines + filings + open admissions + reference version (json_rows, as
    # settle reads them, without its idempotency key and msgid); an outpatient visit has no mid-stay parts to
    # read. It was 8: visit, person, diseases, accumulators, filings, open admissions, lines and the institution's
    # version, each apart; then 3. PostgreSQL runs it outside a transaction (UnitOfWork.read_only: no BEGIN, no
    # COMMIT either); SQLite: and its BEGIN.
    assert len(seen) == (1 if ctx.engine.dialect.name == "postgresql" else 2), "\n".join(seen)


def _check(ctx: Context, h: Principal, id_number: str, name: str) -> eligibility.EligibilityResult:
    return eligibility.check(ctx, h, eligibility.EligibilityRequest(
        id_number=id_number, name=name, institution=GZ1, visit_type=VisitType.OUTPATIENT))


def test_an_eligibility_check_in_one_statement(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 32)
    assert _check(ctx, h, p.id_number, p.name).eligible  # the institution is now cached
    with statements(ctx.engine) as seen:
        assert _check(ctx, h, p.id_number, p.name).eligible
    # the person, diseases, filings, open visits and the reference version in one SELECT (SQLite: and BEGIN);
    # PostgreSQL runs it outside a transaction (UnitOfWork.read_only), so no BEGIN or COMMIT goes out either
    assert len(seen) == (1 if ctx.engine.dialect.name == "postgresql" else 2), "\n".join(seen)


def test_a_changed_institution_is_seen_by_the_next_check(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 33)
    assert _check(ctx, h, p.id_number, p.name).eligible  # cached: networked for outpatient visits
    with ctx.uow() as uow:
        was = uow.institutions.get(GZ1)
        assert was is not None
        uow.institutions.upsert(Institution(was.code, was.name, was.region, was.level, frozenset(), frozenset()))
    # no longer networked for any visit type: the cached copy must not answer
    result = _check(ctx, h, p.id_number, p.name)
    assert [r.code for r in result.reasons] == ["HOSPITAL_NOT_NETWORKED"]


def test_an_upload_sends_as_many_statements_for_20_lines_as_for_one(ctx: Context) -> None:
    """A hospital uploads its fee lines in batches of up to 1,000: the statements must not grow with the batch.
    Each new line used to be inserted, then read back and updated one by one with its classification (20 lines:
    about 40 statements more than one line)."""
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 35)
    pg = ctx.engine.dialect.name == "postgresql"

    def register() -> str:
        return svc.register_visit(ctx, h, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                               visit_type=VisitType.OUTPATIENT)).mdtrt_id

    def upload(mdtrt_id: str, ids: range) -> tuple[list[str], svc.VisitView]:
        lines = [FeeLine(line_id=f"L{k}", code="XA01", quantity=Decimal(1), unit_price=Decimal("10.00")) for k in ids]
        with statements(ctx.engine) as seen:
            view = svc.upload_lines(ctx, h, mdtrt_id, svc.UploadLinesIn(lines=lines))
        # SQLite gets one INSERT per new line (SQLAlchemy batches them only where RETURNING keeps their order);
        # PostgreSQL one for the batch
        return (seen if pg else [x for x in seen if not x.startswith("INSERT INTO fee_lines")]), view

    one, _ = upload(register(), range(1))
    visit = register()
    twenty, view = upload(visit, range(20))
    assert len(twenty) == len(one), "\n".join(twenty)
    if pg:  # the lines, the visit's new revision and its message go at commit in the unit's one write statement
        assert not [x for x in twenty if x.startswith(("INSERT INTO fee_lines", "UPDATE hospital_visits SET chronic"))], \
            "\n".join(twenty)
        assert len([x for x in twenty if x.startswith("WITH u0 AS")]) == 1, "\n".join(twenty)
    # 20 more to the same visit: the 20 stored lines keep their classification, so they are not written again
    more, view = upload(visit, range(20, 40))
    assert len(more) == len(one), "\n".join(more)
    # and every line is kept and classified: 40 lines of 10.00, XA01 a class-A drug of the sample catalogue
    assert view.totals["lines"] == "40" and view.totals["det_item_fee_sumamt"] == "400.00"
    assert [ln["line_id"] for ln in view.lines] == [f"L{k}" for k in range(40)]
    assert {(ln["item_status"], ln["chrgitm_lv"]) for ln in view.lines} == {("IN_SCOPE", "01")}
