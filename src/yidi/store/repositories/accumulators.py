"""Repository of year accumulators (年度累计): per person, scheme and year, with the version every change bumps.

Its lock is the serialisation point of everything that moves a person's accumulators (settle, revoke,
reversal, claim approval): `get(..., lock=True)` holds the row to the end of the transaction, so two
hospitals settling for one person at once compute one after the other, each on the other's result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import Scheme
from yidi.domain.reference import Person
from yidi.store import audit_chain, flush_one, plain_rows, prebuilt
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories.held import hold
from yidi.store.repositories.reference import person_of
from yidi.store.repositories.visits import HospitalVisit, VisitOf, Visits, hospital_visit
from yidi.store.settlement_models import HospitalVisitRow, YearAccumulatorRow


@dataclass(frozen=True, slots=True)
class HeldAccumulators:
    """A person's accumulators of one scheme and year as stored (`person` is the store's number of the
    person), and their version: 0 before the first change of the year."""

    person: int
    scheme: Scheme
    year: int
    value: YearAccumulators
    version: int


class AccumulatorRepository(Protocol):
    """年度累计 as the settlement, claims and ledger use cases see them."""

    def get(self, person: int, scheme: Scheme, year: int, *, lock: bool = False) -> HeldAccumulators:
        """The accumulators (empty, version 0, when the person has none for the year). `lock` holds them
        to the end of the transaction (creating the stored row first when there is none, so that there is
        something to lock): read everything that decides money again after it."""
        ...

    def lock_for_visit(self, mdtrt_id: str, institution: str, year: int) -> tuple[VisitOf, HeldAccumulators] | None:
        """The hospital's visit `mdtrt_id` (None when there is none, or it is another hospital's) and its
        person's accumulators of their scheme and `year`, held as `get(..., lock=True)` holds them."""
        ...

    def save(self, held: HeldAccumulators, value: YearAccumulators) -> HeldAccumulators:
        """Store `value` as the next version of `held` (which was read with lock=True)."""
        ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_row(person: int, scheme: Scheme, year: int) -> dict[str, Any]:
    """A person's accumulator row before their first change of the year."""
    return {"person_id": person, "scheme": scheme, "year": year, "content": YearAccumulators(year=year).as_dict(),
            "version": 0, "updated_at": _now()}


_ACC = cast(Table, YearAccumulatorRow.__table__)
# a person's row of a scheme and year, the values as parameters: one condition for both ways of locking it
_ROW_KEY = (_ACC.c.person_id == bindparam("person"), _ACC.c.scheme == bindparam("scheme"),
            _ACC.c.year == bindparam("year"))
# built once: the settle path locks the row with it every time
_LOCK_ROW = select(YearAccumulatorRow).where(*_ROW_KEY).with_for_update().execution_options(populate_existing=True)
# the same for a unit whose writes go at commit (yidi.store.plain_rows): the row as plain values, and the INSERT
# that creates it first when missing (a person's first settle of the year), both built once
_LOCK_ROW_PLAIN = select(*_ACC.c).where(*_ROW_KEY).with_for_update()
_NEW_ROW = {dialect: ins(_ACC).values({c.name: bindparam(c.name, type_=c.type) for c in _ACC.c}).on_conflict_do_nothing()
            for dialect, ins in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


def _lock_for_visit(*row: Any) -> Any:
    """settle's first statement: which visit, whose, and that person's accumulator row (`row`: the entity or its
    columns) locked (FOR UPDATE OF that row alone: the visit and the person are locked after it, in the order of
    yidi.services.settlement.mutual_aid). An inner join: no row when the visit is unknown, another hospital's,
    or its person has no row for the year yet"""
    return (select(HospitalVisitRow.visit_id, VisitRow.person_id, PersonRow.scheme, VisitRow.institution, *row)
            .select_from(HospitalVisitRow)
            .join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
            .join(PersonRow, PersonRow.id == VisitRow.person_id)
            .join(_ACC, (_ACC.c.person_id == VisitRow.person_id) & (_ACC.c.scheme == PersonRow.scheme)
                  & (_ACC.c.year == bindparam("year")))
            .where(HospitalVisitRow.mdtrt_id == bindparam("mdtrt_id"), VisitRow.institution == bindparam("institution"))
            .with_for_update(of=_ACC))


_LOCK_FOR_VISIT = _lock_for_visit(YearAccumulatorRow).execution_options(populate_existing=True)
# the same for a unit whose writes go at commit (yidi.store.plain_rows): the row as plain values
_LOCK_FOR_VISIT_PLAIN = _lock_for_visit(*_ACC.c)

# what a quote (pre-settle) reads of the visit, its person and their accumulators, if any, as plain columns (a quote
# writes nothing back: no ORM objects), for yidi.store.repositories.settlements to read with the rest at once. The
# visits table under an alias: subqueries on table visits beside it must not be correlated to it
_HV, _P, _A = (cast(Table, m.__table__) for m in (HospitalVisitRow, PersonRow, YearAccumulatorRow))
QUOTE_VISIT = cast(Table, VisitRow.__table__).alias("quoted_visit")
QUOTE_COLUMNS = [*_HV.c, *QUOTE_VISIT.c, *_P.c, _A.c.content, _A.c.version]
QUOTE_FROM = (_HV.join(QUOTE_VISIT, QUOTE_VISIT.c.id == _HV.c.visit_id).join(_P, _P.c.id == QUOTE_VISIT.c.person_id)
              .outerjoin(_A, (_A.c.person_id == QUOTE_VISIT.c.person_id) & (_A.c.scheme == _P.c.scheme)
                         & (_A.c.year == bindparam("year"))))
QUOTE_WHERE = _HV.c.mdtrt_id == bindparam("mdtrt_id")
_SPLIT = [[c.name for c in t.c] for t in (_HV, QUOTE_VISIT, _P)]


def quoted(row: Any, year: int) -> tuple[HospitalVisit, Person, HeldAccumulators]:
    """The records of a row that starts with `QUOTE_COLUMNS`: the visit, its person (chronic diseases left out,
    as `VisitRepository.with_person`) and the accumulators as `Accumulators.get` gives them."""
    parts, at = [], 0
    for names in _SPLIT:
        parts.append(SimpleNamespace(**dict(zip(names, row[at:at + len(names)], strict=True))))
        at += len(names)
    hv, v, p = parts
    content, version = row[at:at + 2]
    visit, person = hospital_visit(hv, v), person_of(p, diseases=())
    value = YearAccumulators(year=year) if content is None else YearAccumulators.model_validate(content)
    return visit, person, HeldAccumulators(visit.person, person.scheme, year, value, version or 0)


class Accumulators:
    """The SQL accumulators repository (table person_year_accumulators)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def lock_row(self, person: int, scheme: Scheme, year: int) -> YearAccumulatorRow:
        """The row itself, locked (SELECT ... FOR UPDATE; created first when missing): for the store's
        callers that still change rows in place."""
        s = self.s
        key = {"person": person, "scheme": scheme, "year": year}
        # the row exists from the person's first settlement of the year on: then this one statement locks it
        # (SQLite: BEGIN IMMEDIATE already holds the write lock, see yidi.store.db)
        row = s.scalars(_LOCK_ROW, key).one_or_none()
        if row is not None:
            return row
        ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        s.execute(ins(YearAccumulatorRow).values(**_new_row(person, scheme, year)).on_conflict_do_nothing())
        return s.scalars(_LOCK_ROW, key).one()

    def _lock_plain(self, person: int, scheme: Scheme, year: int, *, missing: bool = False) -> HeldAccumulators:
        """`lock_row` for a unit whose writes go at commit: the row held as plain values (yidi.store.plain_rows),
        no ORM object, each statement built once. `missing`: a statement of this transaction just found no row,
        so the INSERT goes first: the row it adds is this transaction's, locked by it to its end (a concurrent
        INSERT of the same row waits for it, then adds nothing); when another added it meanwhile, nothing comes
        back and the row is locked as committed (two statements less than `lock_row`'s SELECT, INSERT, SELECT)."""
        conn, key = self.s.connection(), {"person": person, "scheme": scheme, "year": year}
        row = None if missing else prebuilt.run(conn, _LOCK_ROW_PLAIN, key).one_or_none()
        if row is None:
            added = audit_chain.insert_new(self.s, _NEW_ROW[conn.dialect.name], _new_row(person, scheme, year))
            row = added[0] if added else prebuilt.run(conn, _LOCK_ROW_PLAIN, key).one()
        return self._held_plain(dict(zip(_ACC.c.keys(), row, strict=True)))

    def _held_plain(self, acc: dict[str, Any]) -> HeldAccumulators:
        plain_rows.hold(self.s, _ACC, acc)
        return HeldAccumulators(acc["person_id"], acc["scheme"], acc["year"], YearAccumulators.stored(acc["content"]),
                                acc["version"])

    def get(self, person: int, scheme: Scheme, year: int, *, lock: bool = False) -> HeldAccumulators:
        if lock and flush_one.asked(self.s):  # the writes go at commit: the row held as plain values
            return self._lock_plain(person, scheme, year)
        row = self.lock_row(person, scheme, year) if lock else self.s.get(YearAccumulatorRow, (person, scheme, year))
        if row is None:
            return HeldAccumulators(person, scheme, year, YearAccumulators(year=year), 0)
        return self._held(row)

    def _held(self, row: YearAccumulatorRow) -> HeldAccumulators:
        hold(self.s, row)
        return HeldAccumulators(row.person_id, row.scheme, row.year, YearAccumulators.model_validate(row.content),
                                row.version)

    def lock_for_visit(self, mdtrt_id: str, institution: str, year: int) -> tuple[VisitOf, HeldAccumulators] | None:
        # one statement where the row exists (every settle but a person's first of the year); else the two
        # steps it stands for: find the visit, then lock (creating) the row
        params = {"mdtrt_id": mdtrt_id, "institution": institution, "year": year}
        if flush_one.asked(self.s):  # the writes go at commit: the row held as plain values, no ORM object
            plain = prebuilt.run(self.s.connection(), _LOCK_FOR_VISIT_PLAIN, params).one_or_none()
            if plain is not None:
                return VisitOf(*plain[:4]), self._held_plain(plain_rows.split(plain[4:], (_ACC,))[0])
        else:
            got = self.s.execute(_LOCK_FOR_VISIT, params).one_or_none()
            if got is not None:
                visit_id, person, scheme, inst, row = got
                return VisitOf(visit_id, person, scheme, inst), self._held(row)
        found = Visits(self.s).find(mdtrt_id)
        if found is None or found.institution != institution:
            return None
        if flush_one.asked(self.s):  # the statement above found the visit but not the row: a first of the year
            return found, self._lock_plain(found.person, found.scheme, year, missing=True)
        return found, self.get(found.person, found.scheme, year, lock=True)

    def save(self, held: HeldAccumulators, value: YearAccumulators) -> HeldAccumulators:
        key = (held.person, held.scheme, held.year)
        if plain_rows.held(self.s, _ACC, *key) is not None:  # locked as a plain row by lock_for_visit
            plain_rows.change(self.s, _ACC, key, {"content": value.as_dict(), "version": held.version + 1,
                                                  "updated_at": _now()})
            return HeldAccumulators(held.person, held.scheme, held.year, value, held.version + 1)
        row = self.s.get(YearAccumulatorRow, (held.person, held.scheme, held.year))  # in the session: no query
        assert row is not None, "save() after get(..., lock=True)"
        row.content = value.as_dict()
        row.version = held.version + 1
        row.updated_at = _now()
        return HeldAccumulators(held.person, held.scheme, held.year, value, row.version)
