"""Settle's and pre-settle's folded reads give exactly what the reads they replace give: the visit found with its
person's accumulator row locked in one statement (settle); the visit, person, accumulators and inputs (without the
idempotency key and msgid) in one (pre-settle)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select

from tests.settlement.helpers import GZ1, GZ2, outpatient_visit, seed_person
from yidi.domain.bill import YearAccumulators
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import json_rows
from yidi.store.db import unit_of_work
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.visits import Visits
from yidi.store.settlement_models import FeeLineRow


def test_settle_finds_the_visit_and_locks_its_accumulators_as_the_two_steps_did(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 41)
    first, second = outpatient_visit(ctx, h, p.id_number, p.name, 3), outpatient_visit(ctx, h, p.id_number, p.name, 3)
    year = ctx.today().year
    # before the person's first settlement of the year there is no row: it is created (empty, version 0)
    with ctx.uow() as uow:
        found = uow.visits.find(first)
        assert found is not None
        empty = HeldAccumulators(found.person, found.scheme, year, YearAccumulators(year=year), 0)
        assert uow.accumulators.lock_for_visit(first, GZ1, year) == (found, empty)
    svc.settle(ctx, h, first, svc.SettleIn(idempotency_key="reads-key-1"))
    # the usual case (one statement): the same visit, and the row as `get(..., lock=True)` reads it
    with ctx.uow() as uow:
        got = uow.accumulators.lock_for_visit(second, GZ1, year)
        found = uow.visits.find(second)
        assert found is not None and got is not None and got[0] == found
        assert got[1] == uow.accumulators.get(found.person, found.scheme, year, lock=True)
        # 3 lines of 10.00 settled: version 1, no longer empty
        assert got[1].version == 1 and got[1].value != YearAccumulators(year=year)
    # another hospital's visit and an unknown one: nothing (settle answers "visit not found" for both)
    with ctx.uow() as uow:
        assert uow.accumulators.lock_for_visit(second, GZ2, year) is None
        assert uow.accumulators.lock_for_visit("NO-SUCH-VISIT", GZ1, year) is None


def test_a_quote_reads_in_one_statement_what_the_three_reads_it_replaces_read(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p, fresh = seed_person(ctx, 42), seed_person(ctx, 43)
    first, second = outpatient_visit(ctx, h, p.id_number, p.name, 3), outpatient_visit(ctx, h, p.id_number, p.name, 3)
    never = outpatient_visit(ctx, h, fresh.id_number, fresh.name, 3)
    svc.settle(ctx, h, first, svc.SettleIn(idempotency_key="reads-key-2", msgid="reads-msg-2"))
    year = ctx.today().year
    with ctx.uow() as uow:
        # a person with a row of the year (the settled first visit's, version 1), one without (version 0)
        for mdtrt_id, who, version in ((second, p, 1), (never, fresh, 0)):
            got = uow.settlements.quote_inputs(mdtrt_id, year)
            assert got is not None
            visit, person, held, inputs = got
            assert (visit, person) == uow.visits.with_person(mdtrt_id)
            assert held == uow.accumulators.get(visit.person, person.scheme, year)
            assert held.version == version
            assert inputs == uow.settlements.inputs(GZ1, None, None, visit.visit_id, visit.person, who.id_number)
            assert [ln.line_id for ln in inputs.lines] == ["L0", "L1", "L2"] and inputs.filings
        assert uow.settlements.quote_inputs("NO-SUCH-VISIT", year) is None
        # the settled visit's inputs with its key and msgid (both found) and without them (neither asked)
        v = uow.visits.find(first)
        assert v is not None
        keyed = uow.settlements.inputs(GZ1, "reads-key-2", "reads-msg-2", v.visit_id, v.person, p.id_number)
        assert keyed.found is not None and keyed.message is not None and keyed.filings
        quote = uow.settlements.inputs(GZ1, None, None, v.visit_id, v.person, p.id_number)
        assert quote == replace(keyed, found=None, message=None)


def test_rows_as_value_arrays_read_back_as_the_keyed_rows_do(ctx: Context) -> None:
    h = Principal(Role.HOSPITAL, GZ1)
    p = seed_person(ctx, 44)
    mdtrt_id = outpatient_visit(ctx, h, p.id_number, p.name, 3)
    lt = FeeLineRow.__table__.c
    cols = list(lt)  # every type a settle reads this way: numbers, text, dates, times, NULLs (withdrawn_at)
    with unit_of_work(ctx.sessions) as s:
        dialect = s.get_bind().dialect.name
        visit = Visits(s).by_mdtrt(mdtrt_id)
        assert visit is not None
        where = lt.visit_id == visit.visit_id
        keyed, values = s.execute(select(json_rows.array_of(dialect, cols, where),
                                         json_rows.array_of(dialect, cols, where, keyed=False))).one()
    got = json_rows.rows_of(cols, values, "id")
    assert got == json_rows.rows_of(cols, keyed, "id")
    # the 3 lines of 10.00 as uploaded, each value of its column's type
    assert [(r["line_id"], r["amount_fen"], r["withdrawn_at"]) for r in got] == [("L0", 1000, None), ("L1", 1000, None),
                                                                                  ("L2", 1000, None)]
    assert all(isinstance(r["uploaded_at"], dt.datetime) and r["visit_id"] == visit.visit_id for r in got)
