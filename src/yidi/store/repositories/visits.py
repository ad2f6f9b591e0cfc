"""Repository of visits (就诊): what the other aggregates ask about a person's open visits and admissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from yidi.domain.enums import VisitType
from yidi.store.models import PersonRow, VisitRow


@dataclass(frozen=True, slots=True)
class OpenVisit:
    """A visit not yet settled: where, which kind, since when."""

    visit_id: int
    institution: str
    visit_type: VisitType
    admitted_on: dt.date


class VisitRepository(Protocol):
    """就诊 as the filing and eligibility use cases see them."""

    def open_of(self, citizen_id: str) -> list[OpenVisit]:
        """The person's visits still OPEN at any hospital, oldest first."""
        ...


class Visits:
    """The SQL visits repository."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def open_of(self, citizen_id: str) -> list[OpenVisit]:
        q = (select(VisitRow.id, VisitRow.institution, VisitRow.visit_type, VisitRow.admitted_on)
             .join(PersonRow, PersonRow.id == VisitRow.person_id)
             .where(PersonRow.citizen_id == citizen_id, VisitRow.status == "OPEN").order_by(VisitRow.id))
        return [OpenVisit(i, inst, vt, day) for i, inst, vt, day in self.s.execute(q)]

    def open_admissions(self, person_id: int) -> Sequence[VisitRow]:
        """The person's inpatient visits not yet discharge-settled, at any hospital (open outpatient visits
        are not admissions). Read under the person's row lock, this is what a new admission must not meet."""
        q = select(VisitRow).where(VisitRow.person_id == person_id, VisitRow.status == "OPEN",
                                   VisitRow.visit_type == VisitType.INPATIENT).order_by(VisitRow.id)
        return self.s.scalars(q).all()

    def add(self, row: VisitRow) -> VisitRow:
        self.s.add(row)
        self.s.flush()
        return row
