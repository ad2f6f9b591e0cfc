"""The eligibility check's one read (Filings.at_admission) gives what the store's separate reads give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yidi.demo.dataset import DemoPerson, demo_id
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories import Filings, Institutions, Persons
from yidi.store.repositories.filings import AtAdmission


def _apart(s: Session, cid: str) -> AtAdmission:
    """The same facts, each read on its own: the person with their diseases, every filing, the open visits."""
    visits = s.scalars(select(VisitRow).join(PersonRow, PersonRow.id == VisitRow.person_id)
                       .where(PersonRow.citizen_id == cid, VisitRow.status == "OPEN").order_by(VisitRow.id))
    return AtAdmission(Persons(s).get(cid), Filings(s).of_person(cid), [(v.institution, v.admitted_on) for v in visits],
                       Institutions(s).version())


def test_at_admission_reads_what_the_separate_reads_give(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    lapsed = demo_id("360102", "19700101", 961)  # every column of the person set, a disease certified for a time
    with unit_of_work(ctx.sessions) as s:
        Persons(s).upsert(Person(CitizenId(lapsed), "全字段", "369900", Scheme.RESIDENT, Category.RETIRED,
                                 InsuranceStatus.LAPSED, dt.date(2026, 1, 31), Decimal("12.34"), "低保"))
        Persons(s).certify(lapsed, "M03900", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        s.flush()
        # two versions of a filing, their IDs in the other order than their days (the read orders by day first)
        for fid, made, status, old in (("BA-TEST-9", dt.date(2026, 1, 5), FilingStatus.SUPERSEDED, None),
                                       ("BA-TEST-1", dt.date(2026, 2, 1), FilingStatus.ACTIVE, "BA-TEST-9")):
            Filings(s).save(FilingRecord(fid, lapsed, "369900", FilingType.OTHER_TEMPORARY, "440100", made, None,
                                         status, True, ("CREDENTIAL",), ("H44010000001",), made, supersedes=old,
                                         reason="测试", consent=True))
        row = Persons(s).row(lapsed)
        assert row is not None  # an open admission and one discharged (not open: not read)
        s.add_all([VisitRow(person_id=row.id, institution="H44010000001", visit_type=VisitType.INPATIENT,
                            admitted_on=dt.date(2026, 3, d), status=status) for d, status in ((1, "DISCHARGED"), (8, "OPEN"))])
    unknown = demo_id("360102", "19700101", 962)
    ids = [p.id_number for p in demo.values()] + [lapsed, unknown]
    with ctx.uow() as uow:
        uow.read_only()
        got = {cid: uow.filings.at_admission(cid) for cid in ids}
    with unit_of_work(ctx.sessions) as s:
        assert got == {cid: _apart(s, cid) for cid in ids}
    # the data hold each kind of value the read decodes
    facts = list(got.values())
    assert got[unknown].person is None and got[unknown].filings == [] and got[unknown].reference_version > 0
    person = got[lapsed].person
    assert person is not None and person.chronic_periods and type(person.status) is InsuranceStatus  # a member, not its text
    assert [f.filing_id for f in got[lapsed].filings] == ["BA-TEST-9", "BA-TEST-1"]
    assert got[lapsed].open_visits == [("H44010000001", dt.date(2026, 3, 8))] and any(a.person and a.person.chronic_diseases for a in facts)
