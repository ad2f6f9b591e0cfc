"""In-memory twins of the reference repositories: regions, institutions, persons."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from yidi.domain.enums import InstitutionKind, Level, VisitType
from yidi.domain.reference import Institution, Person, Region
from yidi.store.memory.tables import Tables


class MemoryRegions:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, code: str) -> Region | None:
        return self.t.regions.get(code)

    def all(self) -> dict[str, Region]:
        return dict(self.t.regions)

    def exists(self, code: str) -> bool:
        return code in self.t.regions

    def any_in_province(self, province: str) -> bool:
        return any(c[:2] == province[:2] for c in self.t.regions)

    def upsert(self, region: Region) -> None:
        self.t.regions[region.code] = region

    def count(self) -> int:
        return len(self.t.regions)


class MemoryInstitutions:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, code: str) -> Institution | None:
        return self.t.institutions.get(code)

    def cached(self, code: str, version: int | None = None) -> Institution | None:
        return self.get(code)

    def version(self) -> int:
        return 0  # nothing cached: every `cached` reads the table itself

    def search(self, *, region: str | None = None, level: Level | None = None, visit_type: VisitType | None = None,
               networked: bool | None = None, chronic_disease: str | None = None, limit: int = 100,
               offset: int = 0, kind: InstitutionKind | None = None) -> tuple[int, list[Institution]]:
        def keep(i: Institution) -> bool:
            if region and not (i.region[:2] == region[:2] if region.endswith("0000") else i.region == region):
                return False
            if level is not None and i.level is not level:
                return False
            if kind is not None and i.kind is not kind:
                return False
            if visit_type is not None or networked is not None:
                has = (visit_type in i.networked) if visit_type is not None else bool(i.networked)
                if has is (networked is False):
                    return False
            return chronic_disease is None or chronic_disease in i.chronic_diseases

        found = sorted((i for i in self.t.institutions.values() if keep(i)), key=lambda i: i.code)
        return len(found), found[offset:offset + limit]

    def upsert(self, inst: Institution) -> None:
        self.t.institutions[inst.code] = inst

    def count(self) -> int:
        return len(self.t.institutions)

    def disease_known(self, disease: str) -> bool:
        return any(disease in i.chronic_diseases for i in self.t.institutions.values())


class MemoryPersons:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, citizen_id: str, *, lock: bool = False) -> Person | None:
        return self.t.persons.get(citizen_id)

    def brief(self, citizen_id: str) -> Person | None:
        p = self.t.persons.get(citizen_id)
        return None if p is None else dataclasses.replace(p, chronic_diseases=frozenset(), chronic_periods=())

    def upsert(self, p: Person, certified_on: dt.date | None = None) -> None:
        self.t.persons[p.citizen_id.number] = p

    def certify(self, citizen_id: str, disease: str, valid_from: dt.date, valid_until: dt.date | None) -> None:
        p = self.t.persons[citizen_id]
        periods = (*tuple(x for x in p.chronic_periods if x[0] != disease), (disease, valid_from, valid_until))
        self.t.persons[citizen_id] = dataclasses.replace(p, chronic_diseases=p.chronic_diseases | {disease},
                                                         chronic_periods=periods)

    def key_of(self, citizen_id: str) -> int:
        """The store number of a person (given in order of first use, as a database sequence would)."""
        return self.t.person_keys.setdefault(citizen_id, len(self.t.person_keys) + 1)

    def keyed(self, citizen_id: str, *, lock: bool = False) -> tuple[int, Person] | None:
        p = self.t.persons.get(citizen_id)
        return None if p is None else (self.key_of(citizen_id), p)

    def by_key(self, key: int, *, lock: bool = False) -> Person:
        cid = next(c for c, k in self.t.person_keys.items() if k == key)
        return self.t.persons[cid]

    def add_to_account(self, key: int, amount: Decimal) -> None:
        p = self.by_key(key)
        self.t.persons[p.citizen_id.number] = dataclasses.replace(p, account_balance=p.account_balance + amount)

    def count(self) -> int:
        return len(self.t.persons)
