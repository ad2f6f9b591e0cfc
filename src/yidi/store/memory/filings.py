"""In-memory twin of the filings repository."""

from __future__ import annotations

import datetime as dt

from yidi.domain.filing_rules import FilingEvent, FilingRecord, FilingStatus
from yidi.store.memory.tables import Tables
from yidi.store.memory.visits import MemoryVisits
from yidi.store.repositories.filings import AtAdmission


class MemoryFilings:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, filing_id: str) -> FilingRecord | None:
        return self.t.filings.get(filing_id)

    def of_person(self, citizen_id: str) -> list[FilingRecord]:
        mine = [r for r in self.t.filings.values() if r.person_id_number == citizen_id]
        return sorted(mine, key=lambda r: (r.created_on, r.filing_id))

    def at_admission(self, citizen_id: str) -> AtAdmission:
        person = self.t.persons.get(citizen_id)
        if person is None:
            return AtAdmission(None, [], [], 0)
        visits = [(v.institution, v.admitted_on) for v in MemoryVisits(self.t).open_of(citizen_id)]
        return AtAdmission(person, self.of_person(citizen_id), visits, 0)

    def of_region(self, region: str, *, status: FilingStatus | None = None, limit: int = 100,
                  offset: int = 0, citizen_id: str | None = None,
                  name: str | None = None) -> tuple[int, list[tuple[FilingRecord, str]]]:
        names = {cid: p.name for cid, p in self.t.persons.items()}
        found = [r for r in self.t.filings.values()
                 if r.insured_region == region and (status is None or r.status is status)
                 and (citizen_id is None or r.person_id_number == citizen_id)
                 and (name is None or names.get(r.person_id_number) == name)]
        found.sort(key=lambda r: (r.created_on, r.filing_id), reverse=True)
        return len(found), [(r, names.get(r.person_id_number, "")) for r in found[offset:offset + limit]]

    def save(self, record: FilingRecord, *, reviewed_by: str | None = None) -> None:
        if record.person_id_number not in self.t.persons:  # the database's foreign key
            raise LookupError(f"no person for filing {record.filing_id}")
        self.t.filings[record.filing_id] = record

    def events(self, filing_id: str) -> list[FilingEvent]:
        return list(self.t.filing_events.get(filing_id, []))

    def record_event(self, record: FilingRecord, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None:
        events = self.t.filing_events.setdefault(record.filing_id, [])
        events.append(FilingEvent(record.filing_id, len(events) + 1, action, record.status, actor_role, actor, on_day,
                                  note))

    def count(self) -> int:
        return len(self.t.filings)
