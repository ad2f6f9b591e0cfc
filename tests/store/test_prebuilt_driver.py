"""A settle's statements on psycopg's own cursor (yidi.store.prebuilt, issue 15): the same values as SQLAlchemy's
execution gives, inside the unit's transaction, and its errors the same SQLAlchemy exceptions (a lost race is
run again by yidi.store.retry; a lost connection is invalidated, and the HTTP layer answers 503)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Connection, event, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.settlement.helpers import GZ1, outpatient_visit, seed_person
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import prebuilt
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories import accumulators, visits
from yidi.store.settlement_models import SettlementRow

H = Principal(Role.HOSPITAL, GZ1)


def _pg(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("the driver's cursor is psycopg's (SQLite keeps SQLAlchemy's execution)")


def _settled_once(ctx: Context, seq: int) -> tuple[int, str, str]:
    """(person id, a second visit's mdtrt_id) of a person settled once: their accumulator row exists, so a settle's
    first statement is the one locking read."""
    p = seed_person(ctx, seq, balance="800.00")
    first, second = outpatient_visit(ctx, H, p.id_number, p.name), outpatient_visit(ctx, H, p.id_number, p.name)
    svc.settle(ctx, H, first, svc.SettleIn(idempotency_key=f"driver-{seq}-1"))
    with unit_of_work(ctx.sessions) as s:
        pid = s.scalars(select(PersonRow.id).where(PersonRow.citizen_id == p.id_number)).one()
    return pid, first, second


def _on_cursor_spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every statement sent on the driver's cursor: its text, or the exception it raised."""
    seen: list[Any] = []
    real = prebuilt.on_cursor

    def spy(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
        try:
            got = real(conn, sql, params)
        except BaseException as e:
            seen.append(e)
            raise
        seen.append(sql)
        return got
    monkeypatch.setattr(prebuilt, "on_cursor", spy)
    real_all = prebuilt.on_cursor_all

    def spy_all(conn: Connection, texts: list[tuple[str, dict[str, Any]]]) -> Any:  # several in one round trip
        try:
            got = real_all(conn, texts)
        except BaseException as e:
            seen.append(e)
            raise
        seen.extend(sql for sql, _p in texts)
        return got
    monkeypatch.setattr(prebuilt, "on_cursor_all", spy_all)
    return seen


def test_the_locking_reads_give_what_sqlalchemy_gives_in_the_same_text(ctx: Context,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _pg(ctx)
    pid, first, _second = _settled_once(ctx, 61)
    with unit_of_work(ctx.sessions) as s:
        visit_id = s.scalars(select(VisitRow.id).where(VisitRow.person_id == pid)).first()
    year = ctx.today().year
    cases = [(visits._LOCK_PLAIN, {"visit_id": visit_id}),
             (accumulators._LOCK_FOR_VISIT_PLAIN, {"mdtrt_id": first, "institution": GZ1, "year": year})]
    sent_on_cursor = _on_cursor_spy(monkeypatch)
    for stmt, params in cases:
        with ctx.engine.begin() as conn:
            fast = prebuilt.run(conn, stmt, params).all()
        texts: list[str] = []

        def note(_c: object, _cur: object, sql: str, *_a: object, into: list[str] = texts) -> None:
            into.append(sql)
        event.listen(ctx.engine, "before_cursor_execute", note)
        try:
            with ctx.engine.begin() as conn:
                core = [tuple(r) for r in conn.execute(stmt, params)]
        finally:
            event.remove(ctx.engine, "before_cursor_execute", note)
        assert len(fast) == 1 and fast == core
        # the values have SQLAlchemy's types (the enums as enums), not the driver's strings
        assert [type(v) for v in fast[0]] == [type(v) for v in core[0]]
        assert any(type(v) is not str and isinstance(v, str) for v in fast[0]), fast[0]
        assert texts == [sent_on_cursor[-1]]  # the text SQLAlchemy sends for it, sent on the cursor


def test_a_settle_whose_lock_deadlocks_is_run_again(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another transaction holds the person's row and then asks for the accumulator row the settle locked first:
    the settle's second statement (visit and person FOR UPDATE, on the driver's cursor) is the deadlock's victim,
    gets SQLAlchemy's OperationalError (40P01) and the settle runs again, once, to its end."""
    _pg(ctx)
    pid, _first, second = _settled_once(ctx, 62)
    seen = _on_cursor_spy(monkeypatch)
    holding, failed = threading.Event(), []

    def other() -> None:
        try:
            with ctx.engine.begin() as c:
                c.execute(text("SET LOCAL deadlock_timeout = '20s'"))  # the settle's backend finds the cycle
                me = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
                c.execute(text("SELECT id FROM persons WHERE id = :p FOR UPDATE"), {"p": pid})
                holding.set()
                for _ in range(200):  # until the settle waits for this transaction (asked from another
                    # transaction: pg_stat_activity is read once per transaction)
                    with ctx.engine.connect() as w:
                        if w.execute(text("SELECT count(*) FROM pg_stat_activity WHERE :me = ANY(pg_blocking_pids(pid))"),
                                     {"me": me}).scalar_one():
                            break
                    time.sleep(0.05)
                c.execute(text("SELECT 1 FROM person_year_accumulators WHERE person_id = :p FOR UPDATE"), {"p": pid})
        except BaseException as e:  # reported by the test
            failed.append(e)
    t = threading.Thread(target=other)
    t.start()
    assert holding.wait(10)
    out = svc.settle(ctx, H, second, svc.SettleIn(idempotency_key="driver-62-2"))
    t.join(30)
    assert not failed, failed
    assert out.status == "SETTLED"
    errors = [e for e in seen if isinstance(e, BaseException)]
    assert len(errors) == 1 and type(errors[0]) is OperationalError, errors
    assert errors[0].orig.sqlstate == "40P01" and "FOR UPDATE" in str(errors[0].statement)  # type: ignore[union-attr]
    with unit_of_work(ctx.sessions) as s:
        assert len(s.scalars(select(SettlementRow.id).where(SettlementRow.person_id == pid)).all()) == 2


def _after_termination(ctx: Context, run: Any) -> tuple[type[BaseException], bool, bool, bool]:
    """What `run(conn)` raises on a connection whose backend was terminated: (the exception's type, its
    connection_invalidated, the Connection invalidated, the pool's connections invalidated)."""
    pool: Any = ctx.engine.pool
    before = pool._invalidate_time
    with ctx.engine.connect() as conn:
        conn.begin()
        me = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with ctx.engine.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": me})
        with pytest.raises(DBAPIError) as got:
            run(conn)
        return type(got.value), got.value.connection_invalidated, conn.invalidated, pool._invalidate_time > before


def test_a_terminated_backend_gives_the_same_error_as_sqlalchemys_execution(ctx: Context,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _pg(ctx)
    params = {"visit_id": 1}
    seen = _on_cursor_spy(monkeypatch)
    on_driver = _after_termination(ctx, lambda c: prebuilt.run(c, visits._LOCK_PLAIN, params))
    assert len(seen) == 1 and isinstance(seen[0], DBAPIError)  # it went on the driver's cursor
    through_sqlalchemy = _after_termination(ctx, lambda c: c.execute(visits._LOCK_PLAIN, params))
    assert on_driver == through_sqlalchemy == (OperationalError, True, True, True)
