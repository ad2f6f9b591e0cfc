"""Repository of the bill estimates a signed-in person made (费用估算), to set beside the settlement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from yidi.domain.enums import VisitType
from yidi.store.settlement_models import PersonEstimateRow


@dataclass(frozen=True, slots=True)
class KeptEstimate:
    """One kept estimate: whose (store number), for which hospital and visit type, when, what and the answer."""

    id: int
    person: int
    institution: str
    visit_type: VisitType
    made_on: dt.date
    made_at: dt.datetime
    situation: dict[str, Any]
    estimate: dict[str, Any]


class EstimateRepository(Protocol):
    def add(self, estimate: KeptEstimate) -> int:
        """Keep it; its id."""
        ...

    def latest(self, person: int, institution: str, visit_type: VisitType, on_or_before: dt.date
               ) -> KeptEstimate | None:
        """The person's newest estimate for this hospital and visit type made on or before the day."""
        ...

    def of_person(self, person: int, limit: int) -> list[KeptEstimate]:
        """The person's estimates, newest first."""
        ...


def _kept(r: PersonEstimateRow) -> KeptEstimate:
    return KeptEstimate(r.id, r.person_id, r.institution, r.visit_type, r.made_on, r.made_at, r.situation, r.estimate)


class Estimates:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, estimate: KeptEstimate) -> int:
        row = PersonEstimateRow(person_id=estimate.person, institution=estimate.institution,
                                visit_type=estimate.visit_type, made_on=estimate.made_on, made_at=estimate.made_at,
                                situation=estimate.situation, estimate=estimate.estimate)
        self.s.add(row)
        self.s.flush()
        return row.id

    def latest(self, person: int, institution: str, visit_type: VisitType, on_or_before: dt.date
               ) -> KeptEstimate | None:
        q = (select(PersonEstimateRow).where(PersonEstimateRow.person_id == person,
                                             PersonEstimateRow.institution == institution,
                                             PersonEstimateRow.visit_type == visit_type,
                                             PersonEstimateRow.made_on <= on_or_before)
             .order_by(PersonEstimateRow.made_at.desc(), PersonEstimateRow.id.desc()).limit(1))
        row = self.s.scalars(q).first()
        return None if row is None else _kept(row)

    def of_person(self, person: int, limit: int) -> list[KeptEstimate]:
        q = (select(PersonEstimateRow).where(PersonEstimateRow.person_id == person)
             .order_by(PersonEstimateRow.made_at.desc(), PersonEstimateRow.id.desc()).limit(limit))
        return [_kept(r) for r in self.s.scalars(q)]
