"""The statistics reads on both stores (SQL and its in-memory twin): new filings by type and manual claims with
their processing days, written through the repositories and counted by hand."""

from __future__ import annotations

import datetime as dt

from yidi.demo.dataset import DemoPerson
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.domain.claim_rules.states import ClaimState
from yidi.domain.enums import FilingType, Level, VisitType
from yidi.domain.filing_rules.records import FilingRecord, FilingStatus
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store.memory import MemoryStore
from yidi.store.repositories.statistics import ClaimFigures

D = dt.date
MAY = (D(2031, 5, 1), D(2031, 5, 31))  # far from the demo's own filings and claims


def _write(ctx: Context, who: DemoPerson) -> None:
    def filing(fid: str, ftype: FilingType, created: dt.date, supersedes: str | None = None) -> FilingRecord:
        return FilingRecord(fid, who.id_number, who.insured_region, ftype, "440100", created, None, FilingStatus.ACTIVE,
                            True, (), (), created, supersedes=supersedes)

    def claim(no: str, state: ClaimState, submitted: dt.date, decided: dt.date | None, paid: dt.date | None) -> ClaimRecord:
        at = dt.datetime(2031, 4, 1, tzinfo=dt.UTC)
        c = ClaimRecord(no, who.id_number, who.insured_region, state, who.id_number, None, "某医院", "440100",
                        Level.L3, VisitType.INPATIENT, D(2031, 4, 1), at, at)
        c.submitted_on, c.decided_on, c.paid_on = submitted, decided, paid
        return c

    with ctx.uow() as uow:
        for f in (filing("ST-F1", FilingType.REFERRAL, D(2031, 5, 3)), filing("ST-F2", FilingType.EMERGENCY, D(2031, 5, 9)),
                  filing("ST-F3", FilingType.REFERRAL, D(2031, 5, 20), supersedes="ST-F1"),  # a change: not new
                  filing("ST-F4", FilingType.REFERRAL, D(2031, 6, 1))):  # June
            uow.filings.save(f)
        for c in (claim("ST-C1", ClaimState.PAID, D(2031, 5, 2), D(2031, 5, 12), D(2031, 5, 20)),
                  claim("ST-C2", ClaimState.REJECTED, D(2031, 4, 25), D(2031, 5, 6), None),
                  claim("ST-C3", ClaimState.SUBMITTED, D(2031, 5, 30), None, None)):
            uow.claims.add(c)


def _twin(ctx: Context, who: DemoPerson) -> Context:
    mem = Context.in_memory(ctx.packs, ctx.today, MemoryStore())
    load_reference(mem)
    with ctx.uow() as uow:
        person = uow.persons.get(who.id_number)
    assert person is not None
    with mem.uow() as uow:
        uow.persons.upsert(person)
    return mem


def test_filings_and_claims_of_a_month_on_both_stores(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    who = next(iter(demo.values()))
    mem = _twin(ctx, who)
    for c in (ctx, mem):
        _write(c, who)
        with c.uow() as uow:
            f = uow.statistics.month(*MAY, who.insured_region)
            other = uow.statistics.month(*MAY, "110100")
        # May: new filings F1 (referral) and F2 (emergency); F3 changes F1, F4 is June
        assert f.filings_by_type == {"REFERRAL": 1, "EMERGENCY": 1}
        # submitted in May: C1 (2 May), C3 (30 May); decided in May: C1 after 10 days (2 -> 12 May), C2 rejected
        # after 11 days (25 Apr -> 6 May): 21 days in all; paid in May: C1, 18 days after submission (2 -> 20 May)
        assert f.claims == ClaimFigures(submitted=2, decided=2, approved=1, rejected=1, decided_days=21, paid=1,
                                        paid_days=18)
        assert other.filings_by_type == {} and other.claims == ClaimFigures()  # another insured region's month
