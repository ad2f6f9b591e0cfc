"""Repository of fee lines (费用明细): the lines a hospital uploaded for a visit, with their classification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Protocol, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from yidi.store import plain_rows
from yidi.store.repositories.held import hold
from yidi.store.settlement_models import FeeLineRow


@dataclass(slots=True)
class Line:
    """One fee line as stored (amounts in fen; quantity as the exact decimal text the hospital sent).
    `id` is the store's number, None until the line is first saved."""

    id: int | None
    visit_id: int
    line_id: str
    code: str = ""
    name: str = ""
    quantity: str = "0"
    unit_price_fen: int = 0
    amount_fen: int = 0
    line_date: dt.date | None = None
    status: str = "ACTIVE"  # ACTIVE / WITHDRAWN
    item_status: str = ""
    chrgitm_lv: str = ""
    selfpay_prop: str = "0"
    fulamt_ownpay_fen: int = 0
    overlmt_fen: int = 0
    preselfpay_fen: int = 0
    inscp_scp_fen: int = 0
    reason_zh: str = ""
    uploaded_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None


FIELDS = tuple(f.name for f in fields(Line))


class LineRepository(Protocol):
    """费用明细 of a visit."""

    def of_visit(self, visit_id: int, *, active: bool = False) -> list[Line]:
        """The visit's lines in upload order (only ACTIVE ones with `active`)."""
        ...

    def save(self, lines: Iterable[Line], *, at_commit: bool = False) -> None:
        """Store these lines: new ones (id None) get their number, the others are updated. `at_commit`: the
        new ones may be numbered only when the unit commits (their id stays None): for a caller that reads
        nothing more of them and asked for the unit's writes at once (`UnitOfWork.write_at_once`)."""
        ...


_TABLE = cast(Table, FeeLineRow.__table__)


def _line(row: FeeLineRow) -> Line:
    return Line(*(getattr(row, n) for n in FIELDS))


class Lines:
    """The SQL fee lines repository (table fee_lines)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def of_visit(self, visit_id: int, *, active: bool = False) -> list[Line]:
        q = select(FeeLineRow).where(FeeLineRow.visit_id == visit_id)
        if active:
            q = q.where(FeeLineRow.status == "ACTIVE")
        rows = list(self.s.scalars(q.order_by(FeeLineRow.id)))
        hold(self.s, *rows)
        return [_line(r) for r in rows]

    def save(self, lines: Iterable[Line], *, at_commit: bool = False) -> None:
        new: list[tuple[Line, FeeLineRow]] = []
        for ln in lines:
            if ln.id is None and at_commit:
                # handed over as plain values (yidi.store.plain_rows): written with the unit's other writes at
                # commit (one statement on PostgreSQL, yidi.store.flush_one), in this order, without an ORM object
                plain_rows.add(self.s, _TABLE, {n: getattr(ln, n) for n in FIELDS[1:]})
            elif ln.id is None:
                row = FeeLineRow(**{n: getattr(ln, n) for n in FIELDS[1:]})
                self.s.add(row)
                new.append((ln, row))
            else:
                got = self.s.get(FeeLineRow, ln.id)  # read by of_visit in this session: no query
                assert got is not None
                for n in FIELDS[1:]:
                    setattr(got, n, getattr(ln, n))
        if new:
            self.s.flush()
            for ln, row in new:
                ln.id = row.id
            # held: the session keeps its rows only weakly, and a later save of these lines in this transaction
            # would otherwise read each one again (one SELECT per line)
            hold(self.s, *(row for _ln, row in new))
