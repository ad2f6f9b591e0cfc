"""In-memory twin of the visits repository."""

from __future__ import annotations

import dataclasses

from yidi.domain.reference import Person
from yidi.domain.visit_states import UNSETTLED
from yidi.store.memory.tables import Tables
from yidi.store.repositories.visits import HospitalVisit, ListedVisit, OpenVisit, VisitFilter, VisitOf


class MemoryVisits:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def _open(self, v: HospitalVisit) -> OpenVisit:
        return OpenVisit(v.visit_id, v.institution, v.visit_type, v.admitted_on)

    def _citizen(self, person: int) -> str:
        return next(c for c, k in self.t.person_keys.items() if k == person)

    def open_of(self, citizen_id: str) -> list[OpenVisit]:
        plain = [(i, v) for i, (cid, v, status) in self.t.visits.items() if cid == citizen_id and status == "OPEN"]
        key = self.t.person_keys.get(citizen_id)
        hosp = [(i, self._open(v)) for i, v in self.t.hospital_visits.items() if v.person == key and v.status in UNSETTLED]
        return [v for _i, v in sorted(plain + hosp, key=lambda x: x[0])]

    def open_admissions(self, person: int, *, besides: int | None = None) -> list[tuple[OpenVisit, str]]:
        return [(self._open(v), v.mdtrt_id) for i, v in sorted(self.t.hospital_visits.items())
                if v.person == person and v.status in UNSETTLED and v.visit_type.value == "INPATIENT" and i != besides]

    def of_institution(self, institution: str, f: VisitFilter) -> list[ListedVisit]:
        out = []
        for _i, v in sorted(self.t.hospital_visits.items(), reverse=True):
            cid = self._citizen(v.person)
            p = self.t.persons[cid]
            if v.institution != institution or (f.statuses and v.status not in f.statuses) or \
                    (f.admitted_on is not None and v.admitted_on != f.admitted_on) or \
                    (f.in_house and not (v.visit_type.value == "INPATIENT" and v.status in UNSETTLED)) or \
                    (f.citizen_id is not None and cid != f.citizen_id) or (f.name is not None and p.name != f.name):
                continue
            out.append(ListedVisit(v.mdtrt_id, v.visit_type, v.admitted_on, v.discharged_on, v.status, v.eligible,
                                   cid, p.name))
        return out[:f.limit]

    def unsettled_of(self, person: int, limit: int) -> list[HospitalVisit]:
        mine = [v for _i, v in sorted(self.t.hospital_visits.items(), reverse=True)
                if v.person == person and v.status in UNSETTLED]
        return [dataclasses.replace(v) for v in mine[:limit]]

    def find(self, mdtrt_id: str) -> VisitOf | None:
        v = self.by_mdtrt(mdtrt_id)
        if v is None:
            return None
        return VisitOf(v.visit_id, v.person, self.t.persons[self._citizen(v.person)].scheme, v.institution)

    def by_mdtrt(self, mdtrt_id: str) -> HospitalVisit | None:
        found = next((v for v in self.t.hospital_visits.values() if v.mdtrt_id == mdtrt_id), None)
        return None if found is None else dataclasses.replace(found)

    def get(self, visit_id: int) -> HospitalVisit:
        return dataclasses.replace(self.t.hospital_visits[visit_id])

    def treated_at(self, person: int, institution: str) -> bool:
        return any(v.person == person and v.institution == institution for v in self.t.hospital_visits.values())

    def mdtrt_of(self, visit_id: int) -> str:
        return self.t.hospital_visits[visit_id].mdtrt_id

    def claim(self, visit: HospitalVisit) -> HospitalVisit:
        return self.get(visit.visit_id)

    def lock(self, visit_id: int) -> HospitalVisit:
        return self.get(visit_id)

    def with_person(self, mdtrt_id: str) -> tuple[HospitalVisit, Person] | None:
        v = self.by_mdtrt(mdtrt_id)
        return None if v is None else self.lock_with_person(v.visit_id)

    def lock_with_person(self, visit_id: int) -> tuple[HospitalVisit, Person]:
        v = self.get(visit_id)
        return v, dataclasses.replace(self.t.persons[self._citizen(v.person)], chronic_diseases=frozenset(),
                                   chronic_periods=())

    def add(self, visit: HospitalVisit) -> HospitalVisit:
        if any(v.mdtrt_id == visit.mdtrt_id for v in self.t.hospital_visits.values()):
            raise LookupError(f"mdtrt_id {visit.mdtrt_id} taken")  # the database's unique key
        new = dataclasses.replace(visit, visit_id=max([0, *self.t.hospital_visits, *self.t.visits]) + 1)
        self.t.hospital_visits[new.visit_id] = new
        return dataclasses.replace(new)

    def save(self, visit: HospitalVisit) -> None:
        self.t.hospital_visits[visit.visit_id] = dataclasses.replace(visit)
