"""Repository of family links (家人关联): the only code reading and writing family_links and their history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from yidi.domain.family import FamilyLink, LinkState, ProofKind, Side
from yidi.domain.reference import Person
from yidi.store.family_models import FamilyLinkEventRow, FamilyLinkRow
from yidi.store.models import PersonRow
from yidi.store.repositories.reference import person_of


@dataclass(frozen=True, slots=True)
class LinkWithNames:
    """A link and the names (and insured regions) of its two persons, for the views."""

    link: FamilyLink
    requester_name: str
    relative_name: str
    relative_region: str


def _link(row: FamilyLinkRow, requester: str, relative: str) -> FamilyLink:
    return FamilyLink(row.link_id, requester, relative, row.relationship, row.state, row.requested_on,
                      row.decided_on, row.ended_on, Side(row.confirmed_by) if row.confirmed_by else None,
                      ProofKind(row.proof_kind) if row.proof_kind else None, row.proof_note)


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """One line of a link's append-only history: who did what, on which day."""

    link_id: str
    seq: int
    action: str
    state: LinkState
    actor_role: str
    actor: str  # masked citizen ID, or region code and staff account
    on_day: dt.date
    note: str = ""


class FamilyLinkRepository(Protocol):
    """家人关联 and their history, persons named by citizen ID number."""

    def get(self, link_id: str, *, lock: bool = False) -> LinkWithNames | None: ...

    def link_between(self, requester: str, relative: str) -> FamilyLink | None:
        """The REQUESTED or CONFIRMED link from one person to another (citizen ID numbers), if any."""
        ...

    def live_between(self, requester: str, relative: str, *, lock: bool = False) -> LinkWithNames | None:
        """As `link_between`, with names; `lock` holds the link's row to the end of the transaction."""
        ...

    def relatives_of(self, requester: str) -> list[Person]:
        """The persons this requester may act for now (CONFIRMED links), by citizen ID order."""
        ...

    def waiting_from(self, requester: str, since: dt.date) -> int:
        """How many requests of this requester still wait (made on or after `since`)."""
        ...

    def of_person(self, citizen_id: str) -> list[LinkWithNames]:
        """Every link the person is on, either side, newest first."""
        ...

    def save(self, link: FamilyLink, *, proof_by: str = "") -> None:
        """Insert a new link or write the new state of an existing one (same link_id)."""
        ...

    def record_event(self, link: FamilyLink, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None: ...
    def events(self, link_id: str) -> list[LinkEvent]: ...


_Q = Select[FamilyLinkRow, str, str, str, str, str]


class FamilyLinks:
    """家人关联 and their history."""

    def __init__(self, session: Session) -> None:
        self.s = session

    @staticmethod
    def _query() -> _Q:
        req, rel = aliased(PersonRow), aliased(PersonRow)
        q = select(FamilyLinkRow, req.citizen_id, req.name, rel.citizen_id, rel.name, rel.insured_region)
        return q.join(req, req.id == FamilyLinkRow.requester_id).join(rel, rel.id == FamilyLinkRow.relative_id)

    def _rows(self, q: _Q) -> list[LinkWithNames]:
        return [LinkWithNames(_link(row, rq, rl), rq_name, rl_name, region)
                for row, rq, rq_name, rl, rl_name, region in self.s.execute(q)]

    def get(self, link_id: str, *, lock: bool = False) -> LinkWithNames | None:
        q = self._query()
        q = q.where(FamilyLinkRow.link_id == link_id)
        if lock:
            q = q.with_for_update(of=FamilyLinkRow).execution_options(populate_existing=True)
        found = self._rows(q)
        return found[0] if found else None

    def _person_id(self, citizen_id: str) -> int | None:
        return self.s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == citizen_id))

    def live_between(self, requester: str, relative: str, *, lock: bool = False) -> LinkWithNames | None:
        """The REQUESTED or CONFIRMED link from one person to another, if any (at most one exists)."""
        req, rel = aliased(PersonRow), aliased(PersonRow)
        q = self._query().where(
            FamilyLinkRow.requester_id == select(req.id).where(req.citizen_id == requester).scalar_subquery(),
            FamilyLinkRow.relative_id == select(rel.id).where(rel.citizen_id == relative).scalar_subquery(),
            FamilyLinkRow.state.in_((LinkState.REQUESTED, LinkState.CONFIRMED)))
        if lock:
            q = q.with_for_update(of=FamilyLinkRow).execution_options(populate_existing=True)
        found = self._rows(q)
        return found[0] if found else None

    def link_between(self, requester: str, relative: str) -> FamilyLink | None:
        found = self.live_between(requester, relative)
        return None if found is None else found.link

    def relatives_of(self, requester: str) -> list[Person]:
        me = select(PersonRow.id).where(PersonRow.citizen_id == requester).scalar_subquery()
        q = select(PersonRow).join(FamilyLinkRow, FamilyLinkRow.relative_id == PersonRow.id).where(
            FamilyLinkRow.requester_id == me, FamilyLinkRow.state == LinkState.CONFIRMED)
        return [person_of(r) for r in self.s.scalars(q.order_by(PersonRow.citizen_id))]

    def waiting_from(self, requester: str, since: dt.date) -> int:
        q = select(func.count()).select_from(FamilyLinkRow).where(
            FamilyLinkRow.requester_id == self._person_id(requester), FamilyLinkRow.state == LinkState.REQUESTED,
            FamilyLinkRow.requested_on >= since)
        return self.s.scalar(q) or 0

    def of_person(self, citizen_id: str) -> list[LinkWithNames]:
        person_id = self._person_id(citizen_id)
        q = self._query()
        q = q.where(or_(FamilyLinkRow.requester_id == person_id, FamilyLinkRow.relative_id == person_id))
        return self._rows(q.order_by(FamilyLinkRow.requested_on.desc(), FamilyLinkRow.id.desc()))

    def save(self, link: FamilyLink, *, proof_by: str = "") -> None:
        row = self.s.scalars(select(FamilyLinkRow).where(FamilyLinkRow.link_id == link.link_id)).one_or_none()
        if row is None:
            row = FamilyLinkRow(link_id=link.link_id, requester_id=self._person_id(link.requester),
                                relative_id=self._person_id(link.relative))
            self.s.add(row)
        row.relationship, row.state, row.requested_on = link.relationship, link.state, link.requested_on
        row.decided_on, row.ended_on = link.decided_on, link.ended_on
        row.confirmed_by = link.confirmed_by.value if link.confirmed_by else ""
        row.proof_kind = link.proof_kind.value if link.proof_kind else ""
        row.proof_note = link.proof_note
        if proof_by:
            row.proof_by = proof_by
        self.s.flush()

    def record_event(self, link: FamilyLink, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None:
        seq = (self.s.scalar(select(func.max(FamilyLinkEventRow.seq))
                             .where(FamilyLinkEventRow.link_id == link.link_id)) or 0) + 1
        self.s.add(FamilyLinkEventRow(link_id=link.link_id, seq=seq, action=action, state=link.state,
                                      actor_role=actor_role, actor=actor[:40], on_day=on_day, note=note))
        self.s.flush()

    def event_rows(self, link_id: str) -> Sequence[FamilyLinkEventRow]:
        """The history as stored (the personal data export lists every column)."""
        q = select(FamilyLinkEventRow).where(FamilyLinkEventRow.link_id == link_id).order_by(FamilyLinkEventRow.seq)
        return self.s.scalars(q).all()

    def events(self, link_id: str) -> list[LinkEvent]:
        return [LinkEvent(e.link_id, e.seq, e.action, e.state, e.actor_role, e.actor, e.on_day, e.note)
                for e in self.event_rows(link_id)]
