"""Repository of year accumulators (年度累计): per person, scheme and year, with the version every change bumps.

Its lock is the serialisation point of everything that moves a person's accumulators (settle, revoke,
reversal, claim approval): `get(..., lock=True)` holds the row to the end of the transaction, so two
hospitals settling for one person at once compute one after the other, each on the other's result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import Scheme
from yidi.store.repositories.held import hold
from yidi.store.settlement_models import YearAccumulatorRow


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

    def save(self, held: HeldAccumulators, value: YearAccumulators) -> HeldAccumulators:
        """Store `value` as the next version of `held` (which was read with lock=True)."""
        ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# built once (the values are parameters): the settle path locks the row with it every time
_LOCK_ROW = (select(YearAccumulatorRow)
             .where(YearAccumulatorRow.person_id == bindparam("person"), YearAccumulatorRow.scheme == bindparam("scheme"),
                    YearAccumulatorRow.year == bindparam("year"))
             .with_for_update().execution_options(populate_existing=True))


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
        values = {"person_id": person, "scheme": scheme, "year": year,
                  "content": YearAccumulators(year=year).as_dict(), "version": 0, "updated_at": _now()}
        ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        s.execute(ins(YearAccumulatorRow).values(**values).on_conflict_do_nothing())
        return s.scalars(_LOCK_ROW, key).one()

    def get(self, person: int, scheme: Scheme, year: int, *, lock: bool = False) -> HeldAccumulators:
        row = self.lock_row(person, scheme, year) if lock else self.s.get(YearAccumulatorRow, (person, scheme, year))
        if row is None:
            return HeldAccumulators(person, scheme, year, YearAccumulators(year=year), 0)
        hold(self.s, row)
        return HeldAccumulators(person, scheme, year, YearAccumulators.model_validate(row.content), row.version)

    def save(self, held: HeldAccumulators, value: YearAccumulators) -> HeldAccumulators:
        row = self.s.get(YearAccumulatorRow, (held.person, held.scheme, held.year))  # in the session: no query
        assert row is not None, "save() after get(..., lock=True)"
        row.content = value.as_dict()
        row.version = held.version + 1
        row.updated_at = _now()
        return HeldAccumulators(held.person, held.scheme, held.year, value, row.version)
