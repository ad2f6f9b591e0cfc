"""In-memory twin of the family links repository."""

from __future__ import annotations

import datetime as dt

from yidi.domain.family import FamilyLink, LinkState
from yidi.domain.reference import Person
from yidi.store.memory.tables import Tables
from yidi.store.repositories.family import LinkEvent, LinkWithNames


class MemoryFamilyLinks:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def _named(self, link: FamilyLink) -> LinkWithNames:
        requester, relative = self.t.persons.get(link.requester), self.t.persons.get(link.relative)
        return LinkWithNames(link, requester.name if requester else "", relative.name if relative else "",
                             relative.insured_region if relative else "")

    def get(self, link_id: str, *, lock: bool = False) -> LinkWithNames | None:
        link = self.t.family_links.get(link_id)
        return None if link is None else self._named(link)

    def link_between(self, requester: str, relative: str) -> FamilyLink | None:
        for link in self.t.family_links.values():
            if (link.requester, link.relative) == (requester, relative) and link.state in (
                    LinkState.REQUESTED, LinkState.CONFIRMED):
                return link
        return None

    def live_between(self, requester: str, relative: str, *, lock: bool = False) -> LinkWithNames | None:
        link = self.link_between(requester, relative)
        return None if link is None else self._named(link)

    def relatives_of(self, requester: str) -> list[Person]:
        found = {link.relative for link in self.t.family_links.values()
                 if link.requester == requester and link.state is LinkState.CONFIRMED}
        return [self.t.persons[c] for c in sorted(found) if c in self.t.persons]

    def waiting_from(self, requester: str, since: dt.date) -> int:
        return sum(1 for k in self.t.family_links.values()
                   if k.requester == requester and k.state is LinkState.REQUESTED and k.requested_on >= since)

    def of_person(self, citizen_id: str) -> list[LinkWithNames]:
        mine = [(n, k) for n, k in enumerate(self.t.family_links.values()) if citizen_id in (k.requester, k.relative)]
        mine.sort(key=lambda x: (x[1].requested_on, x[0]), reverse=True)  # newest first, later insert first
        return [self._named(k) for _n, k in mine]

    def save(self, link: FamilyLink, *, proof_by: str = "") -> None:
        self.t.family_links[link.link_id] = link

    def record_event(self, link: FamilyLink, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None:
        history = self.t.family_link_events.setdefault(link.link_id, [])
        history.append(LinkEvent(link.link_id, len(history) + 1, action, link.state, actor_role, actor[:40], on_day,
                                 note))

    def events(self, link_id: str) -> list[LinkEvent]:
        return list(self.t.family_link_events.get(link_id, []))
