"""The desk's visit list (就诊列表): a hospital finds its own patients — today's, in house, by state, by ID
number or name — without typing a visit number. Only its own visits, ID numbers masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from yidi.domain import bounds as B
from yidi.domain.enums import VisitType
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.validation import Day, IdNumber, Strict, Text
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import hospital
from yidi.store.repositories.visits import VisitFilter

MAX_LISTED = 200


class VisitListIn(Strict):
    """What to list: every field narrows the list; none lists the latest visits."""

    status: Literal["OPEN", "DISCHARGED", "SETTLED", "CANCELLED"] | None = None
    day: Day | None = Field(default=None, description="admitted (registered for) on this day")
    today: bool = Field(default=False, description="admitted today (the same as day = today)")
    in_house: bool = Field(default=False, description="admissions not yet settled nor cancelled")
    id_number: IdNumber | None = None
    name: Text | None = Field(default=None, min_length=1, max_length=B.PERSON_NAME)
    limit: int = Field(default=50, ge=1, le=MAX_LISTED)


@dataclass(frozen=True, slots=True)
class VisitSummary:
    mdtrt_id: str
    visit_type: VisitType
    admitted_on: dt.date
    discharged_on: dt.date | None
    status: str
    eligible: bool
    person_id_number: str  # masked
    person_name: str


def visit_list(ctx: Context, principal: Principal, req: VisitListIn) -> list[VisitSummary]:
    inst = hospital(principal, "查看就诊列表", "list visits")
    day = ctx.today() if req.today else req.day
    cid = parse_citizen_id(req.id_number, "id_number").number if req.id_number else None
    f = VisitFilter((req.status,) if req.status else (), day, req.in_house, cid, req.name, req.limit)
    with ctx.uow() as uow:
        rows = uow.visits.of_institution(inst, f)
    return [VisitSummary(r.mdtrt_id, r.visit_type, r.admitted_on, r.discharged_on, r.status, r.eligible,
                         mask_id(r.citizen_id), r.person_name) for r in rows]
