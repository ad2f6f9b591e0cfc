"""In-memory twin of the visits repository."""

from __future__ import annotations

from yidi.store.memory.tables import Tables
from yidi.store.repositories.visits import OpenVisit


class MemoryVisits:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def open_of(self, citizen_id: str) -> list[OpenVisit]:
        return [v for _i, (cid, v, status) in sorted(self.t.visits.items()) if cid == citizen_id and status == "OPEN"]
