"""Route for the eligibility check at admission (待遇资格核验)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from yidi.api.deps import Caller, Ctx
from yidi.domain.eligibility import Reason
from yidi.http.json_body import JsonRoute
from yidi.http.threads import in_thread
from yidi.services import eligibility
from yidi.services.eligibility import EligibilityRequest

router = APIRouter(tags=["eligibility 待遇资格"], route_class=JsonRoute)


class FilingRefOut(BaseModel):
    filing_id: str
    type: str
    type_zh: str
    treatment_area: str
    start: dt.date
    end: dt.date | None
    status: str


class EligibilityOut(BaseModel):
    eligible: bool
    basis: str | None
    ratio_category: str | None
    filing: FilingRefOut | None
    reasons: list[Reason]  # yidi.domain.eligibility.Reason: code, messages, what to do, where, rule and source
    notes: list[Reason]
    insured_region: str | None
    treatment_region: str
    institution: str
    visit_type: str
    day: dt.date


@router.post("/eligibility", response_model=EligibilityOut,
             summary="待遇资格核验 May this visit settle directly? Every reason if not")
async def check_eligibility(ctx: Ctx, caller: Caller, body: EligibilityRequest) -> EligibilityOut:
    # async, with the blocking check in one hop to the thread pool: FastAPI validates a `def` route's answer in a
    # second hop, an `async def` route's in place (same validation, same bytes)
    result = await in_thread(eligibility.check, ctx, caller, body)
    return EligibilityOut.model_validate(result.as_dict())
