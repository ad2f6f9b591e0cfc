"""Personal data repository: every row yidi holds about one person, for their export (个人信息查阅复制)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import Session

from yidi.store.models import Base, FilingEventRow, FilingRow, PersonRow, VisitRow
from yidi.store.repositories.family import FamilyLinks

# Content blobs (scans) are listed, not embedded: the export says what is held and where to fetch it.
# Secrets (password and key hashes) are never exported.
SKIP_COLUMNS = ("content", "data", "password_hash", "secret_hash", "salt")


class PersonalDataRepository(Protocol):
    """What yidi holds about one person, found by citizen ID number."""

    def export(self, citizen_id: str) -> dict[str, Any] | None:
        """Section name -> the person's rows as plain JSON values (dates ISO, amounts as text): `person`,
        `filings`, `filing_events`, `visits`, `family_links` (with the person's side), `family_link_events`,
        then every other table that points at the person. None when no such person is on file."""
        ...


def plain(v: Any) -> Any:
    """A stored value as JSON shows it."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    if hasattr(v, "value"):
        return v.value
    return v


def row_dict(row: Base, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: plain(getattr(row, c.key)) for c in inspect(row).mapper.column_attrs if c.key not in skip}


class PersonalData:
    """Reads every table that refers to a person."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def export(self, citizen_id: str) -> dict[str, Any] | None:
        s = self.s
        person = s.scalars(select(PersonRow).where(PersonRow.citizen_id == citizen_id)).first()
        if person is None:
            return None
        out: dict[str, Any] = {"person": row_dict(person) | {"diseases": [d.disease for d in person.diseases]}}
        filings = list(s.scalars(select(FilingRow).where(FilingRow.person_id == person.id)))
        out["filings"] = [row_dict(f) for f in filings]
        ids = [f.filing_id for f in filings]
        id_col = FilingEventRow.__table__.c.get("filing_id")
        out["filing_events"] = ([row_dict(e) for e in s.scalars(select(FilingEventRow).where(id_col.in_(ids)))]
                                if ids and id_col is not None else [])
        out["visits"] = [row_dict(v) for v in s.scalars(select(VisitRow).where(VisitRow.person_id == person.id))]
        # family links name the person on either side (requester_id / relative_id), so they are listed here
        links = FamilyLinks(s).of_person(citizen_id)
        out["family_links"] = [{"link_id": f.link.link_id, "my_side": "REQUESTER" if f.link.requester == citizen_id
                                else "RELATIVE", "relationship": f.link.relationship.value, "state": f.link.state.value,
                                "requested_on": plain(f.link.requested_on), "decided_on": plain(f.link.decided_on),
                                "ended_on": plain(f.link.ended_on), "confirmed_by": plain(f.link.confirmed_by),
                                "proof_kind": plain(f.link.proof_kind)} for f in links]
        out["family_link_events"] = [row_dict(e) for f in links for e in FamilyLinks(s).event_rows(f.link.link_id)]
        # every other table that points at the person (settlements, claims, accounts...), found generically
        # so that a table added later is exported too
        for mapper in Base.registry.mappers:
            table = mapper.local_table
            if not isinstance(table, Table) or table.name in ("persons", "filings", "visits") or "person_id" not in table.c:
                continue
            rows = s.scalars(select(mapper.class_).where(table.c.person_id == person.id)).all()
            if rows:
                out[table.name] = [row_dict(r, skip=SKIP_COLUMNS) for r in rows]
        return out
