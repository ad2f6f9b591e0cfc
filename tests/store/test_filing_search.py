"""An agency's filings found by the person's exact ID number or full name (issue 19), on SQLite, PostgreSQL and
the in-memory twin: the same filings, counted by hand."""

from __future__ import annotations

import datetime as dt

from yidi.demo.dataset import DemoPerson
from yidi.domain.enums import FilingType
from yidi.domain.filing_rules.records import FilingRecord, FilingStatus
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store.memory import MemoryStore

D = dt.date


def _filing(fid: str, who: DemoPerson, status: FilingStatus) -> FilingRecord:
    return FilingRecord(fid, who.id_number, who.insured_region, FilingType.REFERRAL, "440100", D(2031, 5, 3), None,
                        status, True, (), (), D(2031, 5, 3))


def _twin(ctx: Context, people: list[DemoPerson]) -> Context:
    mem = Context.in_memory(ctx.packs, ctx.today, MemoryStore())
    load_reference(mem)
    for who in people:
        with ctx.uow() as uow:
            person = uow.persons.get(who.id_number)
        assert person is not None
        with mem.uow() as uow:
            uow.persons.upsert(person)
    return mem


def test_filings_of_one_person_by_id_number_or_name_on_both_stores(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    zhang, li = demo["retiree_resettled"], demo["long_term_resident"]  # 张建国 and 李秀英, both insured in 369900
    mem = _twin(ctx, [zhang, li])
    for c in (ctx, mem):
        with c.uow() as uow:
            for f in (_filing("FS-1", zhang, FilingStatus.ACTIVE), _filing("FS-2", zhang, FilingStatus.CANCELLED),
                      _filing("FS-3", li, FilingStatus.ACTIVE)):
                uow.filings.save(f)
        with c.uow() as uow:
            def ids(**kw: object) -> list[str]:
                return sorted(r.filing_id for r, _n in uow.filings.of_region("369900", limit=100, **kw)[1]
                              if r.filing_id.startswith("FS-"))

            # 张建国 has FS-1 and FS-2 (one cancelled); 李秀英 FS-3
            assert ids(citizen_id=zhang.id_number) == ["FS-1", "FS-2"] == ids(name="张建国")
            assert ids(name="张建国", status=FilingStatus.ACTIVE) == ["FS-1"]
            assert ids(name="李秀英") == ["FS-3"] and ids(name="张建") == []
            total, found = uow.filings.of_region("369900", citizen_id=li.id_number)
            assert [r.filing_id for r, _n in found if r.filing_id.startswith("FS-")] == ["FS-3"]
            assert all(name == "李秀英" for _r, name in found) and total == len(found)
            assert uow.filings.of_region("110100", name="张建国") == (0, [])  # another region: nothing
