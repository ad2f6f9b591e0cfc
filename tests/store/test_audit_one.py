"""A transaction's one audit record chained by PostgreSQL in one statement (yidi.store.audit_one): the hash it
computes is the one `yidi audit verify` recomputes in Python, so settles, registers and uploads written that way
verify, and an edited or deleted record is still found."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg.pq import TransactionStatus
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from tests.settlement.helpers import GZ1, seed_person
from tests.settlement.test_statement_count import statements
from tests.store.test_audit_lanes import objects_in_lanes
from tests.support.db import drop_database, new_database
from tests.support.rows import trail
from yidi.domain.bill import FeeLine
from yidi.domain.enums import VisitType
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import audit_chain, audit_lanes, migrate
from yidi.store.auth_models import AuditHeadRow
from yidi.store.db import session_factory, unit_of_work
from yidi.store.repositories.audit import Audit
from yidi.store.settlement_models import AuditRow
from yidi.store.uow import SqlUnitOfWork, sql_units

JSONS = st.recursive(st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text()
                     | st.floats(allow_nan=False), lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.sampled_from(["lane", "seq", "prev", "x", "é", '"', "role"]) | st.text(),
                                       kids, max_size=3), max_leaves=8)
TEXT = st.text(max_size=12)


def filled(row: AuditRow) -> str:
    """The text PostgreSQL builds from entry_text_holes (yidi.store.audit_one), built the same way here."""
    head, lane, mid, tail = audit_lanes.entry_text_holes(row)
    places = "" if row.lane == 0 and row.lane_seq == row.seq else f"{lane}{row.lane_seq}"
    prev = audit_lanes.canonical(row.prev_hash)  # to_json(prev): a hex digest or "", nothing to escape
    return f'{head}{places},"prev":{prev}{mid}{row.seq}{tail}'


@given(detail=JSONS, role=TEXT, actor=TEXT, action=TEXT, otype=TEXT, oid=TEXT, lane=st.integers(0, 15),
       seq=st.integers(1, 2**31 - 1), back=st.integers(-2, 2), prev=st.sampled_from(["", "0" * 64, "ab" * 32]))
def test_the_holed_text_filled_is_the_hashed_text(detail: Any, role: str, actor: str, action: str, otype: str,
                                                   oid: str, lane: int, seq: int, back: int, prev: str) -> None:
    # back = 0 in lane 0 is the old shape (lane_seq = seq): lane and place left out of the text
    rec = AuditRow(actor_role=role, actor=actor, action=action, object_type=otype, object_id=oid, detail=detail,
                   seq=seq, lane=lane, lane_seq=max(1, seq - back), prev_hash=prev,
                   at=dt.datetime(2026, 12, 7, 3, 4, 5, 678), before_digest="b" * 64, after_digest="")
    try:
        want = audit_lanes.entry_hash(rec)
    except (TypeError, ValueError, UnicodeEncodeError):  # a value the trail refuses (lone surrogates ...)
        return
    assert hashlib.sha256(filled(rec).encode()).hexdigest() == want


def pg_only(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite chains its records in Python (yidi.store.audit_lanes.take)")


def newest(ctx: Context) -> AuditRow:
    with unit_of_work(ctx.sessions) as s:
        rec = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one()
        s.expunge(rec)
        return rec


def audit_statements(seen: list[str]) -> list[str]:
    return [q for q in seen if "audit_chain_head" in q or "audit_records" in q]


@pytest.mark.edits_outside_yidi
def test_a_register_an_upload_and_a_settle_in_one_statement_each_verify(ctx: Context) -> None:
    pg_only(ctx)
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 51, balance="800.00")
    done: dict[str, AuditRow] = {}
    with statements(ctx.engine) as seen:
        mdtrt_id = svc.register_visit(ctx, h, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                 visit_type=VisitType.OUTPATIENT)).mdtrt_id
    assert len(audit_statements(seen)) == 1, seen
    done["register"] = newest(ctx)
    fee = [FeeLine(line_id=f"L{k}", code="XA01", quantity=Decimal(1), unit_price=Decimal("10.00")) for k in range(5)]
    with statements(ctx.engine) as seen:
        svc.upload_lines(ctx, h, mdtrt_id, svc.UploadLinesIn(lines=fee))
    assert len(audit_statements(seen)) == 1, seen
    done["upload"] = newest(ctx)
    with statements(ctx.engine) as seen:
        assert svc.settle(ctx, h, mdtrt_id, svc.SettleIn(idempotency_key="audit-one-1")).status == "SETTLED"
    assert len(audit_statements(seen)) == 1, seen
    done["settle"] = newest(ctx)
    settle = done["settle"]
    chain, rows = trail(ctx)
    assert chain.ok and rows.ok, (chain.problems, rows.problems)
    for what, rec in done.items():  # hashed by PostgreSQL as Python hashes it, over the rows it vouches for
        assert rec.entry_hash == audit_lanes.entry_hash(rec) and rec.after_digest, what
    assert chain.lanes[settle.lane] == (settle.lane_seq, settle.entry_hash)  # the newest moved its lane's head
    # tampering is found as before: an edited settle record, then a deleted register record
    with ctx.engine.begin() as conn:
        conn.execute(update(AuditRow).where(AuditRow.id == settle.id).values(actor="someone-else"))
    assert any(f"seq {settle.seq}" in m and "edited" in m for m in trail(ctx)[0].problems)
    with ctx.engine.begin() as conn:
        conn.execute(update(AuditRow).where(AuditRow.id == settle.id).values(actor=settle.actor))
        conn.execute(delete(AuditRow).where(AuditRow.id == done["register"].id))
    problems = trail(ctx)[0].problems
    assert problems and all(f"lane {done['register'].lane}" in m for m in problems), problems


def test_writers_of_one_lane_at_once_keep_its_global_order(ctx: Context) -> None:
    """Within a lane `seq` rises with `lane_seq` however the writers race (the sequence is taken after the
    lane's lock, not before it)."""
    pg_only(ctx)
    (oid,) = objects_in_lanes([9])
    go = threading.Barrier(4)

    def writer(k: int) -> None:
        go.wait()
        for i in range(25):
            with unit_of_work(ctx.sessions) as s:
                Audit(s).record("operator", f"w{k}", f"RACE {i}", "test", oid, {"k": k, "i": i})

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    chain, _rows = trail(ctx)
    assert chain.ok, chain.problems
    with unit_of_work(ctx.sessions) as s:
        got = s.execute(select(AuditRow.lane_seq, AuditRow.seq).where(AuditRow.action.like("RACE %"))
                        .order_by(AuditRow.lane_seq)).all()
    assert len(got) == 100 and [q for _n, q in got] == sorted(q for _n, q in got)


def test_a_fresh_database_gets_its_heads_and_lane_0_keeps_its_old_shape(tmp_path: Path) -> None:
    """No head rows yet: the first record makes them. And lane 0 of a database chained before the lanes: a new
    record whose place there equals its global place is hashed in the old shape, as Python hashes it."""
    _url, engine, schema = new_database("postgresql", tmp_path)
    try:
        migrate.upgrade(engine)
        sessions = session_factory(engine)
        (lane0,) = objects_in_lanes([0])
        with unit_of_work(sessions) as s:
            Audit(s).record("operator", "new", "FIRST", "test", "fresh", {})
        with unit_of_work(sessions) as s:
            assert s.scalar(select(AuditHeadRow.id).where(AuditHeadRow.id == 15)) == 15  # every lane's head
            first = s.scalars(select(AuditRow)).one()
            rep = audit_chain.verify(s)
            assert rep.ok and first.lane_seq == 1 and first.prev_hash == "", rep.problems
            # lane 0 as if it held the old chain up to the sequence's last number: its next place is the next seq
            top = s.execute(select(AuditRow.seq)).scalar_one()
        with engine.begin() as conn:
            conn.execute(delete(AuditRow))
            conn.execute(update(AuditHeadRow).values(seq=0, hash=""))
            prev = ""
            for n in range(1, (top or 0) + 1):  # the old chain: lane 0, place = seq
                rec = AuditRow(actor_role="operator", actor="old", action="OLD", object_type="test", object_id="o",
                               detail={"n": n}, seq=n, lane=0, lane_seq=n, prev_hash=prev,
                               at=dt.datetime(2026, 11, 1, 8, n), before_digest="", after_digest="")
                rec.entry_hash = prev = audit_lanes.entry_hash(rec)
                conn.execute(insert(AuditRow).values(audit_chain.record_values(rec)))
            conn.execute(update(AuditHeadRow).where(AuditHeadRow.id == 0).values(seq=top, hash=prev))
        with unit_of_work(sessions) as s:
            Audit(s).record("operator", "new", "NEXT", "test", lane0, {})
        with unit_of_work(sessions) as s:
            rec = s.scalars(select(AuditRow).where(AuditRow.action == "NEXT")).one()
            assert rec.lane == 0 and rec.lane_seq == rec.seq == (top or 0) + 1  # the old shape
            rep = audit_chain.verify(s)
            assert rep.ok, rep.problems
    finally:
        drop_database(engine, schema)


def test_the_record_carries_the_commit_and_a_lane_without_its_head_commits_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit's audit statement and its COMMIT go in one round trip once this process has seen the lanes' heads;
    a head deleted by hand after that fails the statement (its record would have no previous hash), and the
    server skips the COMMIT behind it: nothing of the unit is committed."""
    _url, engine, schema = new_database("postgresql", tmp_path)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE unit_writes (k INTEGER)"))
        units = sql_units(session_factory(engine))
        (oid,) = objects_in_lanes([3])
        commits = [0]  # COMMITs sent on their own (psycopg's commit of a connection still in its transaction)
        real = psycopg.Connection.wait

        def counted(self: Any, gen: Any, *a: Any, **k: Any) -> Any:
            commits[0] += (getattr(gen, "__name__", "") == "_commit_gen"
                           and self.pgconn.transaction_status != TransactionStatus.IDLE)
            return real(self, gen, *a, **k)
        monkeypatch.setattr(psycopg.Connection, "wait", counted)

        def unit(k: int) -> None:
            with units() as uow:
                assert isinstance(uow, SqlUnitOfWork)
                uow.session.execute(text("INSERT INTO unit_writes (k) VALUES (:k)"), {"k": k})
                uow.audit.record("operator", "t", f"UNIT {k}", "test", oid, {"k": k})
        unit(1)  # a fresh database: the heads made in this unit, the record sent again, COMMIT apart
        unit(2)  # the heads were there before: seen, COMMIT still apart
        assert commits[0] == 2
        unit(3)  # now the record carries the COMMIT
        assert commits[0] == 2
        with engine.begin() as conn:
            conn.execute(delete(AuditHeadRow).where(AuditHeadRow.id == 3))
        with pytest.raises(IntegrityError, match="prev_hash"):
            unit(4)
        with engine.connect() as conn:
            assert list(conn.execute(text("SELECT k FROM unit_writes ORDER BY k")).scalars()) == [1, 2, 3]
            assert conn.execute(select(AuditRow.action).where(AuditRow.action == "UNIT 4")).first() is None
    finally:
        drop_database(engine, schema)
