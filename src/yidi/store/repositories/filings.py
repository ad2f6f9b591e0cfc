"""Repository of filings (备案): every version of a person's filings and their append-only history."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.orm import Session

from yidi.domain.filing_rules import FilingEvent, FilingRecord, FilingStatus
from yidi.domain.reference import Person
from yidi.store import json_rows, prebuilt
from yidi.store.models import FilingEventRow, FilingRow, PersonDiseaseRow, PersonRow, VisitRow
from yidi.store.repositories.reference import person_of, reference_version


@dataclass(frozen=True, slots=True)
class AtAdmission:
    """What an eligibility check reads of a person: the person (None when not on file), every version of their
    filings (oldest first), their visits still OPEN anywhere (institution, admitted on; oldest first), and the
    reference data's version (for the institution cache)."""

    person: Person | None
    filings: list[FilingRecord]
    open_visits: list[tuple[str, dt.date]]
    reference_version: int


class FilingRepository(Protocol):
    """备案 records, keyed by filing ID; a record names its person by citizen ID number."""

    def get(self, filing_id: str) -> FilingRecord | None: ...
    def of_person(self, citizen_id: str) -> list[FilingRecord]:
        """Every version of the person's filings, oldest first."""
        ...

    def at_admission(self, citizen_id: str) -> AtAdmission:
        """The person, their filings and open visits, and the reference version, asked at once."""
        ...

    def of_region(self, region: str, *, status: FilingStatus | None = None, limit: int = 100,
                  offset: int = 0, citizen_id: str | None = None,
                  name: str | None = None) -> tuple[int, list[tuple[FilingRecord, str]]]:
        """Filings of persons insured in `region` (an agency's view), newest first, with the person's name;
        and the total before paging. `citizen_id` / `name`: only that person's (exact ID number / full name)."""
        ...

    def save(self, record: FilingRecord, *, reviewed_by: str | None = None) -> None:
        """Insert a new record or write the new state of an existing one (same filing_id)."""
        ...

    def events(self, filing_id: str) -> list[FilingEvent]: ...
    def record_event(self, record: FilingRecord, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None: ...
    def count(self) -> int: ...


_RECORD_FIELDS = ("filing_id", "insured_region", "type", "treatment_area", "start", "end", "status", "commitment",
                  "created_on", "cancelled_on", "supersedes", "reason", "admitted_on", "filed_by", "consent",
                  "reviewed_on", "review_reason", "cancel_reason")


_DC, _VC = PersonDiseaseRow.__table__.c, VisitRow.__table__.c
DISEASE_COLS = [_DC.disease, _DC.valid_from, _DC.valid_until]
# what a FilingRecord is made of (record_of): not the row's person_id, reviewed_by or updated_at
FILING_COLS = [c for c in FilingRow.__table__.c if c.name not in {"person_id", "reviewed_by", "updated_at"}]
OPEN_VISIT_COLS = [_VC.id, _VC.institution, _VC.admitted_on]
# what person_of reads
_PERSON_COLS = [c for c in PersonRow.__table__.c if c.name != "id"]
_at_admission: dict[str, Executable] = {}


def _at_admission_query(dialect: str) -> Executable:
    """The one statement of `at_admission`, built once per dialect with the ID number as a parameter: SQLAlchemy
    remembers a statement object's cache key, so a check neither rebuilds the statement nor computes its key.
    The person is looked up once, by an outer join beside the reference version (which comes back even when no
    person has the ID number), and the subqueries of their diseases, filings and open visits name the found
    row's id. All of it is one JSON array in one column, each row an array of values rather than an object
    keyed by column name: less for the server to build, one json.loads, and one column for SQLAlchemy's result
    to describe."""
    q = _at_admission.get(dialect)
    if q is None:
        pc, fc = PersonRow.__table__.c, FilingRow.__table__.c
        version = select(reference_version().label("version")).subquery("v")
        found = version.outerjoin(PersonRow.__table__, pc.citizen_id == bindparam("citizen_id", type_=pc.citizen_id.type))
        q = select(json_rows.packed(
            dialect, version.c.version, json_rows.values_of(dialect, _PERSON_COLS),
            json_rows.array_of(dialect, DISEASE_COLS, _DC.person_id == pc.id, keyed=False),
            json_rows.array_of(dialect, FILING_COLS, fc.person_id == pc.id, keyed=False),
            json_rows.array_of(dialect, OPEN_VISIT_COLS, (_VC.person_id == pc.id) & (_VC.status == "OPEN"), keyed=False),
        )).select_from(found)
        _at_admission[dialect] = q
    return q


def record_of(row: FilingRow | Any, citizen_id: str) -> FilingRecord:
    """The record of a stored row (a FilingRow, or its columns read as JSON: yidi.store.json_rows)."""
    return FilingRecord(
        person_id_number=citizen_id,
        materials=tuple(row.materials),
        institutions=tuple(row.institutions),
        **{f: getattr(row, f) for f in _RECORD_FIELDS},
    )


def _event_of(row: FilingEventRow) -> FilingEvent:
    return FilingEvent(row.filing_id, row.seq, row.action, row.status, row.actor_role, row.actor, row.on_day,
                       row.note)


class Filings:
    """The SQL filings repository."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, filing_id: str) -> FilingRecord | None:
        found = self.s.execute(select(FilingRow, PersonRow.citizen_id).join(PersonRow, PersonRow.id == FilingRow.person_id)
                               .where(FilingRow.filing_id == filing_id)).one_or_none()
        return None if found is None else record_of(found[0], found[1])

    def of_person(self, citizen_id: str) -> list[FilingRecord]:
        q = (select(FilingRow).join(PersonRow, PersonRow.id == FilingRow.person_id)
             .where(PersonRow.citizen_id == citizen_id).order_by(FilingRow.created_on, FilingRow.filing_id))
        return [record_of(r, citizen_id) for r in self.s.scalars(q)]

    def at_admission(self, citizen_id: str) -> AtAdmission:
        q = _at_admission_query(self.s.get_bind().dialect.name)
        # on the session's connection: a Core statement needs none of Session.execute's ORM steps (~60 µs a check);
        # on PostgreSQL as text compiled once, without the compiled cache's look-up and the result's metadata
        # (~70 µs more: its values need no type processing, psycopg decodes the JSON columns itself)
        value = prebuilt.run(self.s.connection(), q, {"citizen_id": citizen_id}).scalar_one()
        version, person, diseases, filings, visits = json.loads(value) if isinstance(value, str) else value
        found = json_rows.rows_of(_PERSON_COLS, [person])[0]
        return AtAdmission(
            None if found["citizen_id"] is None else person_of(SimpleNamespace(**found), diseases=[
                SimpleNamespace(**r) for r in json_rows.rows_of(DISEASE_COLS, diseases, "disease")]),
            [record_of(SimpleNamespace(**r), citizen_id) for r in json_rows.rows_of(FILING_COLS, filings, "created_on", "filing_id")],
            [(r["institution"], r["admitted_on"]) for r in json_rows.rows_of(OPEN_VISIT_COLS, visits, "id")],
            int(version or 0))

    def of_region(self, region: str, *, status: FilingStatus | None = None, limit: int = 100, offset: int = 0,
                  citizen_id: str | None = None, name: str | None = None,
                  ) -> tuple[int, list[tuple[FilingRecord, str]]]:
        q = select(FilingRow, PersonRow.citizen_id, PersonRow.name).join(PersonRow, PersonRow.id == FilingRow.person_id)
        q = q.where(FilingRow.insured_region == region)
        if status is not None:
            q = q.where(FilingRow.status == status)
        if citizen_id is not None:
            q = q.where(PersonRow.citizen_id == citizen_id)
        if name is not None:
            q = q.where(PersonRow.name == name)
        total = self.s.scalar(select(func.count()).select_from(q.subquery())) or 0
        q = q.order_by(FilingRow.created_on.desc(), FilingRow.filing_id.desc()).limit(limit).offset(offset)
        return total, [(record_of(r, cid), name) for r, cid, name in self.s.execute(q)]

    def save(self, record: FilingRecord, *, reviewed_by: str | None = None) -> None:
        row = self.s.get(FilingRow, record.filing_id)
        if row is None:
            person_id = self.s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == record.person_id_number))
            if person_id is None:  # pragma: no cover - services file only for persons they found
                raise LookupError(f"no person for filing {record.filing_id}")
            row = FilingRow(filing_id=record.filing_id, person_id=person_id)
            self.s.add(row)
        for f in _RECORD_FIELDS[1:]:
            setattr(row, f, getattr(record, f))
        row.materials = list(record.materials)
        row.institutions = list(record.institutions)
        if reviewed_by is not None:
            row.reviewed_by = reviewed_by
        self.s.flush()

    def events(self, filing_id: str) -> list[FilingEvent]:
        q = select(FilingEventRow).where(FilingEventRow.filing_id == filing_id).order_by(FilingEventRow.seq)
        return [_event_of(r) for r in self.s.scalars(q)]

    def record_event(self, record: FilingRecord, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None:
        fid = record.filing_id
        seq = (self.s.scalar(select(func.max(FilingEventRow.seq)).where(FilingEventRow.filing_id == fid)) or 0) + 1
        self.s.add(FilingEventRow(filing_id=fid, seq=seq, action=action, status=record.status,
                                  actor_role=actor_role, actor=actor, on_day=on_day, note=note))

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(FilingRow)) or 0
