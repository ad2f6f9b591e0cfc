"""In-memory twin of the kept estimates repository."""

from __future__ import annotations

import dataclasses
import datetime as dt

from yidi.domain.enums import VisitType
from yidi.store.memory.tables import Tables
from yidi.store.repositories.estimates import KeptEstimate


class MemoryEstimates:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(self, estimate: KeptEstimate) -> int:
        kept = dataclasses.replace(estimate, id=len(self.t.estimates) + 1)
        self.t.estimates.append(kept)
        return kept.id

    def _newest(self, found: list[KeptEstimate]) -> list[KeptEstimate]:
        return sorted(found, key=lambda e: (e.made_at, e.id), reverse=True)

    def latest(self, person: int, institution: str, visit_type: VisitType, on_or_before: dt.date
               ) -> KeptEstimate | None:
        found = [e for e in self.t.estimates if e.person == person and e.institution == institution
                 and e.visit_type is visit_type and e.made_on <= on_or_before]
        return next(iter(self._newest(found)), None)

    def of_person(self, person: int, limit: int) -> list[KeptEstimate]:
        return self._newest([e for e in self.t.estimates if e.person == person])[:limit]
