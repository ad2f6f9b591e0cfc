"""In-memory twin of the family links repository."""

from __future__ import annotations

from yidi.domain.family import FamilyLink, LinkState
from yidi.domain.reference import Person
from yidi.store.memory.tables import Tables


class MemoryFamilyLinks:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def link_between(self, requester: str, relative: str) -> FamilyLink | None:
        for link in self.t.family_links.values():
            if (link.requester, link.relative) == (requester, relative) and link.state in (
                    LinkState.REQUESTED, LinkState.CONFIRMED):
                return link
        return None

    def relatives_of(self, requester: str) -> list[Person]:
        found = {link.relative for link in self.t.family_links.values()
                 if link.requester == requester and link.state is LinkState.CONFIRMED}
        return [self.t.persons[c] for c in sorted(found) if c in self.t.persons]
