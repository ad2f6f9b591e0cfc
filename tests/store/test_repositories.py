"""Repositories: domain values in and out, money as integer fen, child rows replaced cleanly."""

from __future__ import annotations

from decimal import Decimal

from yidi.demo.dataset import demo_id
from yidi.domain.enums import Level, Scheme, VisitType
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Institution, Person
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.repositories import Institutions, Persons


def test_institution_upsert_replaces_what_it_is_networked_for(ctx: Context) -> None:
    code = "H44010000001"
    with unit_of_work(ctx.sessions) as s:
        before = Institutions(s).get(code)
        assert before is not None and VisitType.INPATIENT in before.networked
        Institutions(s).upsert(Institution(code, before.name, before.region, Level.L2,
                                           frozenset({VisitType.INPATIENT}), frozenset({"M03900", "M99999"})))
    with unit_of_work(ctx.sessions) as s:
        after = Institutions(s).get(code)
        assert after is not None and after.level is Level.L2
        assert after.networked == {VisitType.INPATIENT} and after.chronic_diseases == {"M03900", "M99999"}
        total, found = Institutions(s).search(region="440100", visit_type=VisitType.OUTPATIENT)
        assert code not in [i.code for i in found] and total == len(found)


def test_person_money_round_trips_as_fen(ctx: Context) -> None:
    cid = demo_id("360102", "19700101", 15)
    p = Person(CitizenId(cid), "测试", "369900", Scheme.EMPLOYEE, account_balance=Decimal("0.01"),
               chronic_diseases=frozenset({"M03900"}))
    with unit_of_work(ctx.sessions) as s:
        Persons(s).upsert(p)
    with unit_of_work(ctx.sessions) as s:
        row = Persons(s).row(cid)
        assert row is not None and row.account_balance_fen == 1 and isinstance(row.account_balance_fen, int)
        Persons(s).upsert(Person(CitizenId(cid), "测试", "369900", Scheme.EMPLOYEE,
                                 account_balance=Decimal("98765432.10")))
    with unit_of_work(ctx.sessions) as s:
        got = Persons(s).get(cid)
        assert got is not None and got.account_balance == Decimal("98765432.10") and got.chronic_diseases == set()


def test_a_failed_unit_of_work_changes_nothing(ctx: Context) -> None:
    cid = demo_id("360102", "19700101", 17)
    try:
        with unit_of_work(ctx.sessions) as s:
            Persons(s).upsert(Person(CitizenId(cid), "回滚", "369900", Scheme.RESIDENT))
            s.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with unit_of_work(ctx.sessions) as s:
        assert Persons(s).get(cid) is None
