"""A unit of work's writes in one statement (yidi.store.flush_one, PostgreSQL): the rows, the objects and the
audit trail end as an ordinary flush leaves them; anything it does not handle goes the ordinary way."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm.exc import StaleDataError

from tests.settlement.helpers import GZ1, seed_person
from tests.settlement.test_statement_count import statements
from yidi.services.context import Context
from yidi.store import flush_one
from yidi.store.db import unit_of_work
from yidi.store.models import PersonDiseaseRow, PersonRow
from yidi.store.settlement_models import HospitalMessageRow

AT = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


def person_id(ctx: Context, id_number: str) -> int:
    with unit_of_work(ctx.sessions) as s:
        return int(s.scalars(select(PersonRow.id).where(PersonRow.citizen_id == id_number)).one())


def test_an_update_and_two_inserts_in_one_statement(ctx: Context) -> None:
    pid = person_id(ctx, seed_person(ctx, 41, balance="100.00").id_number)
    with statements(ctx.engine) as seen, unit_of_work(ctx.sessions) as s:
        flush_one.request(s)
        person = s.get(PersonRow, pid)
        assert person is not None
        person.account_balance_fen -= 3000  # 100.00 - 30.00 yuan
        msgs = [HospitalMessageRow(institution=GZ1, msgid=f"FLUSH-ONE-{k}", infno="2207", outcome="DONE", at=AT)
                for k in (1, 2)]
        s.add_all(msgs)
    with unit_of_work(ctx.sessions) as s:
        person = s.get(PersonRow, pid)
        assert person is not None and person.account_balance_fen == 7000
        got = s.scalars(select(HospitalMessageRow).where(HospitalMessageRow.msgid.like("FLUSH-ONE-%"))
                        .order_by(HospitalMessageRow.msgid)).all()
        assert [m.msgid for m in got] == ["FLUSH-ONE-1", "FLUSH-ONE-2"]
        assert {m.at.astimezone(dt.UTC) if m.at.tzinfo else m.at.replace(tzinfo=dt.UTC) for m in got} == {AT}
    # the objects got the numbers the database gave them, as a flush would have given them
    assert sorted(m.id for m in msgs) == sorted(m.id for m in got)
    writes = [q for q in seen if not q.startswith(("SELECT", "BEGIN"))]
    if ctx.engine.dialect.name == "postgresql":
        # 1 the three writes (WITH u0 AS (UPDATE persons …), n0 AS (INSERT INTO hospital_messages …)),
        # 2 the audit: the lane's head, the record, its row log (one statement, yidi.store.audit_one)
        assert len(writes) == 2 and writes[0].startswith("WITH u0 AS (UPDATE persons"), writes
    # the trail check after every test (tests/support/db.py) proves the rows' digests were noted as written


def test_a_relationship_change_goes_the_ordinary_way(ctx: Context) -> None:
    pid = person_id(ctx, seed_person(ctx, 42).id_number)
    with statements(ctx.engine) as seen, unit_of_work(ctx.sessions) as s:
        flush_one.request(s)
        person = s.get(PersonRow, pid)
        assert person is not None
        # only the collection changes: the new row's person_id comes from the flush's relationship sync
        person.diseases.append(PersonDiseaseRow(disease="M00100"))
        s.add(HospitalMessageRow(institution=GZ1, msgid="FLUSH-ONE-3", infno="2207", outcome="DONE", at=AT))
    assert not any(q.startswith("WITH u0") for q in seen)
    with unit_of_work(ctx.sessions) as s:
        person = s.get(PersonRow, pid)
        assert person is not None and [d.disease for d in person.diseases] == ["M00100"]


def test_the_same_kinds_of_writes_send_the_same_statement_text(ctx: Context) -> None:
    # the new rows travel as one parameter, so a flush of 1 or of 3 new messages is the same statement, and
    # it is compiled once per kind of writes (a multi-row VALUES was compiled anew for every settle)
    pid = person_id(ctx, seed_person(ctx, 43, balance="100.00").id_number)
    sent: list[list[str]] = []

    def note(_conn: object, _cursor: object, stmt: str, *_a: object) -> None:
        sent[-1].append(stmt)  # the whole text (the statement counter keeps only its start)

    event.listen(ctx.engine, "before_cursor_execute", note)
    try:
        for n, tag in ((1, "A"), (3, "B")):
            sent.append([])
            with unit_of_work(ctx.sessions) as s:
                flush_one.request(s)
                person = s.get(PersonRow, pid)
                assert person is not None
                person.account_balance_fen -= 1000 * n
                s.add_all([HospitalMessageRow(institution=GZ1, msgid=f"FLUSH-SAME-{tag}{k}", infno="2207",
                                              outcome="DONE", at=AT) for k in range(n)])
    finally:
        event.remove(ctx.engine, "before_cursor_execute", note)
    with unit_of_work(ctx.sessions) as s:
        person = s.get(PersonRow, pid)
        assert person is not None and person.account_balance_fen == 6000
        got = s.scalars(select(HospitalMessageRow.msgid).where(HospitalMessageRow.msgid.like("FLUSH-SAME-%"))).all()
        assert sorted(got) == ["FLUSH-SAME-A0", "FLUSH-SAME-B0", "FLUSH-SAME-B1", "FLUSH-SAME-B2"]
    if ctx.engine.dialect.name == "postgresql":
        one, three = ([q for q in batch if q.startswith("WITH u0")] for batch in sent)
        assert len(one) == 1 and one == three, sent


def test_a_row_gone_before_the_statement_is_a_stale_row_and_nothing_is_written(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("the one statement is PostgreSQL's (and SQLite runs one writer at a time)")
    with unit_of_work(ctx.sessions) as s:
        s.add(HospitalMessageRow(institution=GZ1, msgid="FLUSH-GONE-1", infno="2207", outcome="DONE", at=AT))
    with pytest.raises(StaleDataError), unit_of_work(ctx.sessions) as s:
        flush_one.request(s)
        msg = s.scalars(select(HospitalMessageRow).where(HospitalMessageRow.msgid == "FLUSH-GONE-1")).one()
        msg.outcome = "REVERSED"
        s.add(HospitalMessageRow(institution=GZ1, msgid="FLUSH-GONE-2", infno="2207", outcome="DONE", at=AT))
        with unit_of_work(ctx.sessions) as other:  # deleted by someone else before this transaction writes
            other.delete(other.get(HospitalMessageRow, msg.id))
    with unit_of_work(ctx.sessions) as s:
        assert s.scalars(select(HospitalMessageRow.msgid).where(HospitalMessageRow.msgid.like("FLUSH-GONE-%"))).all() == []
