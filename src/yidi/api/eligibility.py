"""Route for the eligibility check at admission (待遇资格核验)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from yidi.api.deps import Caller, Ctx
from yidi.api.json_body import JsonRoute
from yidi.services import eligibility
from yidi.services.eligibility import EligibilityRequest

router = APIRouter(tags=["eligibility 待遇资格"], route_class=JsonRoute)


class ReasonOut(BaseModel):
    code: str
    message_zh: str
    message_en: str
    action_zh: str
    action_en: str
    where_zh: str
    where_en: str
    section: str  # docs/rules.md anchors, e.g. "R-9.1; R-1.8"
    source: str  # the policy documents behind them, e.g. 医保发〔2022〕22号 经办规程第16条
    field: str
    blocking: bool


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
    reasons: list[ReasonOut]
    notes: list[ReasonOut]
    insured_region: str | None
    treatment_region: str
    institution: str
    visit_type: str
    day: dt.date


@router.post("/eligibility", response_model=EligibilityOut,
             summary="待遇资格核验 May this visit settle directly? Every reason if not")
def check_eligibility(ctx: Ctx, caller: Caller, body: EligibilityRequest) -> EligibilityOut:
    return EligibilityOut.model_validate(eligibility.check(ctx, caller, body).as_dict())
