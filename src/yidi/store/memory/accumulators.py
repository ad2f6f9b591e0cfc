"""In-memory twin of the accumulators repository."""

from __future__ import annotations

from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import Scheme
from yidi.store.memory.tables import Tables
from yidi.store.memory.visits import MemoryVisits
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.visits import VisitOf


class MemoryAccumulators:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, person: int, scheme: Scheme, year: int, *, lock: bool = False) -> HeldAccumulators:
        held = self.t.accumulators.get((person, scheme, year))
        return held or HeldAccumulators(person, scheme, year, YearAccumulators(year=year), 0)

    def lock_for_visit(self, mdtrt_id: str, institution: str, year: int) -> tuple[VisitOf, HeldAccumulators] | None:
        found = MemoryVisits(self.t).find(mdtrt_id)
        if found is None or found.institution != institution:
            return None
        return found, self.get(found.person, found.scheme, year, lock=True)

    def save(self, held: HeldAccumulators, value: YearAccumulators) -> HeldAccumulators:
        new = HeldAccumulators(held.person, held.scheme, held.year, value, held.version + 1)
        self.t.accumulators[(held.person, held.scheme, held.year)] = new
        return new
