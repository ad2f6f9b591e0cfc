"""A unit that writes at commit (settle's) holds the rows it locks as plain values, not ORM objects
(yidi.store.plain_rows): what it changes and adds reaches the database at commit as an ordinary flush would have
written it, in flush_one's one statement or, when that is not taken, one statement a row; the audit trail's row
check after every test (tests/support/db.py) proves each row was noted with the digests of what was written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from tests.settlement.helpers import GZ1, outpatient_visit, seed_person
from tests.settlement.test_statement_count import statements
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories.messages import Message
from yidi.store.settlement_models import HospitalMessageRow, HospitalVisitRow, YearAccumulatorRow
from yidi.store.uow import SqlUnitOfWork

AT = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


def _stored(ctx: Context, mdtrt_id: str) -> tuple[str, int, list[str]]:
    """(visit status, person's balance in fen, msgids of the visit's messages) as committed."""
    with unit_of_work(ctx.sessions) as s:
        hv = s.scalars(select(HospitalVisitRow).where(HospitalVisitRow.mdtrt_id == mdtrt_id)).one()
        v = s.get(VisitRow, hv.visit_id)
        assert v is not None
        p = s.get(PersonRow, v.person_id)
        assert p is not None
        msgs = s.scalars(select(HospitalMessageRow.msgid).where(HospitalMessageRow.visit_id == v.id)
                         .order_by(HospitalMessageRow.msgid)).all()
        return v.status, p.account_balance_fen, list(msgs)


def test_the_locked_rows_are_plain_values_and_their_changes_are_written_at_commit(ctx: Context) -> None:
    p = seed_person(ctx, 61, balance="100.00")
    mdtrt_id = outpatient_visit(ctx, Principal(Role.HOSPITAL, GZ1), p.id_number, p.name, 3)
    with ctx.uow() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        uow.write_at_once()
        found = uow.visits.find(mdtrt_id)
        assert found is not None
        visit, person = uow.visits.lock_with_person(found.visit_id)
        assert person.citizen_id.number == p.id_number and visit.mdtrt_id == mdtrt_id
        # nothing the ORM has to track: no object of the three rows in the session
        assert not [o for o in uow.session.identity_map.values() if isinstance(o, (VisitRow, HospitalVisitRow,
                                                                                     PersonRow))]
        uow.persons.add_to_account(visit.person, Decimal("-30.00"))
        uow.persons.add_to_account(visit.person, Decimal("-0.50"))  # twice: one row written, the sum
        visit.status = "SETTLED"
        uow.visits.save(visit)
        uow.messages.add(Message(None, GZ1, "PLAIN-1", "2207", "DONE", visit_id=visit.visit_id, at=AT))
    assert _stored(ctx, mdtrt_id) == ("SETTLED", 6950, ["PLAIN-1"])


def test_a_single_change_goes_in_its_own_statement(ctx: Context) -> None:
    # one write alone is not worth the one statement: the held row is written by its own UPDATE
    p = seed_person(ctx, 62, balance="100.00")
    mdtrt_id = outpatient_visit(ctx, Principal(Role.HOSPITAL, GZ1), p.id_number, p.name, 3)
    with statements(ctx.engine) as seen, ctx.uow() as uow:
        uow.write_at_once()
        found = uow.visits.find(mdtrt_id)
        assert found is not None
        visit, _person = uow.visits.lock_with_person(found.visit_id)
        uow.visits.save(visit)  # every value as it was: no change, nothing written
        uow.persons.add_to_account(visit.person, Decimal("-1.00"))
    writes = [q for q in seen if q.startswith(("UPDATE", "INSERT", "WITH"))]
    assert [q.split()[:2] for q in writes if "persons" in q or "visits" in q] == [["UPDATE", "persons"]], writes
    assert _stored(ctx, mdtrt_id) == ("OPEN", 9900, [])


def test_a_unit_that_did_not_ask_keeps_the_orm_objects(ctx: Context) -> None:
    p = seed_person(ctx, 63, balance="100.00")
    mdtrt_id = outpatient_visit(ctx, Principal(Role.HOSPITAL, GZ1), p.id_number, p.name, 3)
    with ctx.uow() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found = uow.visits.find(mdtrt_id)
        assert found is not None
        visit, _person = uow.visits.lock_with_person(found.visit_id)
        assert uow.session.get(PersonRow, visit.person) in uow.session.identity_map.values()
        uow.persons.add_to_account(visit.person, Decimal("-2.00"))
    assert _stored(ctx, mdtrt_id) == ("OPEN", 9800, [])


def test_a_first_settle_of_the_year_creates_the_accumulator_row_and_holds_it_as_plain_values(ctx: Context) -> None:
    # the person has no row for the year yet: the unit that writes at commit sends the ordinary path's statements
    # (the same text) but its two SELECTs around the INSERT (the locking read has just found no row; the row the
    # INSERT adds is this transaction's and comes back from it), holds the row it created as plain values, and
    # both store the same row (the row check after the test proves each was noted with the digests written)
    year, got = ctx.today().year, []
    for seq, asked in ((64, True), (65, False)):
        p = seed_person(ctx, seq, balance="100.00")
        mdtrt_id = outpatient_visit(ctx, Principal(Role.HOSPITAL, GZ1), p.id_number, p.name, 3)
        with statements(ctx.engine) as seen, ctx.uow() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            if asked:
                uow.write_at_once()
            found = uow.accumulators.lock_for_visit(mdtrt_id, GZ1, year)
            assert found is not None
            visit, held = found
            objects = [o for o in uow.session.identity_map.values() if isinstance(o, YearAccumulatorRow)]
            assert bool(objects) is not asked
            reads = [q for q in seen if not q.startswith("BEGIN")]  # SQLite's BEGIN IMMEDIATE
            uow.accumulators.save(held, held.value)
        with unit_of_work(ctx.sessions) as s:
            row = s.get(YearAccumulatorRow, (visit.person, held.scheme, year))
            assert row is not None
            stored = (row.content, row.version)
        got.append((reads, visit.scheme, visit.institution, held.value, held.version, stored))
    plain, ordinary = got
    assert [r.split()[:3] for r in ordinary[0]] == [["SELECT", "hospital_visits.visit_id,", "visits.person_id,"]] * 2 + [
        ["SELECT", "person_year_accumulators.person_id,", "person_year_accumulators.scheme,"],
        ["INSERT", "INTO", "person_year_accumulators"],
        ["SELECT", "person_year_accumulators.person_id,", "person_year_accumulators.scheme,"]], ordinary[0]
    assert plain[0] == [ordinary[0][i] for i in (0, 1, 3)]
    assert plain[1:] == ordinary[1:] and plain[4:] == (0, (plain[3].as_dict(), 1))
