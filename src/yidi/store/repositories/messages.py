"""Repository of hospital messages (报文, by msgid): what each of a hospital's messages did, so a message sent
again is answered, not done twice, and a reversal (冲正 2601) knows what to undo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Protocol, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from yidi.store import flush_one, plain_rows
from yidi.store.repositories.held import hold
from yidi.store.settlement_models import HospitalMessageRow


@dataclass(slots=True)
class Message:
    """A hospital's message as stored. outcome: DONE, REVERSED, or REVERSED_UNSEEN (a reversal arrived
    first: the original is refused if it comes late)."""

    id: int | None
    institution: str
    msgid: str
    infno: str
    outcome: str
    settlement_id: int | None = None
    visit_id: int | None = None
    request_hash: str = ""
    at: dt.datetime | None = None
    reversed_at: dt.datetime | None = None


FIELDS = tuple(f.name for f in fields(Message))


class MessageRepository(Protocol):
    """报文: one per (institution, msgid); a second one with the same msgid is refused by the store."""

    def get(self, institution: str, msgid: str) -> Message | None:
        """The message as stored now (read again, also within one transaction)."""
        ...

    def add(self, m: Message) -> None:
        """Store a new message (written with the unit of work; its `id` is not needed afterwards)."""
        ...

    def save(self, m: Message) -> None: ...


def message_of(row: HospitalMessageRow) -> Message:
    return Message(*(getattr(row, n) for n in FIELDS))


class Messages:
    """The SQL messages repository (table hospital_messages)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, institution: str, msgid: str) -> Message | None:
        q = select(HospitalMessageRow).where(HospitalMessageRow.institution == institution,
                                             HospitalMessageRow.msgid == msgid)
        row = self.s.scalars(q.execution_options(populate_existing=True)).one_or_none()
        hold(self.s, row)
        return None if row is None else message_of(row)

    def add(self, m: Message) -> None:
        if flush_one.asked(self.s):  # the writes go at commit: plain values, no ORM object
            plain_rows.add(self.s, cast(Table, HospitalMessageRow.__table__), {n: getattr(m, n) for n in FIELDS if n != "id"})
            return
        row = HospitalMessageRow(**{n: getattr(m, n) for n in FIELDS if n != "id"})
        self.s.add(row)

    def save(self, m: Message) -> None:
        row = self.s.get(HospitalMessageRow, m.id)
        assert row is not None
        for n in FIELDS[1:]:
            setattr(row, n, getattr(m, n))
