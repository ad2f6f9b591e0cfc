"""Routes for filings (备案): file, list mine, show, change, cancel, review, and the materials a type needs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from yidi.api.deps import Caller, Ctx
from yidi.domain.bounds import REASON
from yidi.domain.enums import FilingType
from yidi.domain.filing_rules import FilingRequest, FilingStatus
from yidi.domain.ids import mask_id
from yidi.domain.materials import Material
from yidi.domain.validation import IdNumber, Strict, Text
from yidi.http.json_body import JsonRoute
from yidi.services import filings
from yidi.services.filings import FilingView

router = APIRouter(prefix="/filings", tags=["filings 备案"], route_class=JsonRoute)
FilingId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


class FilingCreate(FilingRequest):
    """A filing request. `id_number` names the person: omit it to file for yourself. A person files for a
    relative only with a family link the relative confirmed (else 403 MAY_NOT_ACT_FOR_PERSON, whether or not
    the number exists); agency staff at the counter give it with `consent: true` (the consent they checked).
    yidi records who acted (`filed_by`); it is not taken from the request."""

    id_number: IdNumber | None = None


class CancelIn(Strict):
    reason: Text = Field(default="", max_length=REASON)


class ReviewIn(Strict):
    approve: bool
    reason: Text = Field(default="", max_length=REASON)


class EventOut(BaseModel):
    seq: int
    action: str
    status: FilingStatus
    actor_role: str
    actor: str
    on_day: dt.date
    note: str


class FilingOut(BaseModel):
    filing_id: str
    person_id_number: str = Field(description="masked (first 6 and last 4 characters)")
    person_name: str
    insured_region: str
    type: FilingType
    type_zh: str
    long_term: bool
    treatment_area: str
    start: dt.date
    end: dt.date | None
    last_day: dt.date | None
    status: FilingStatus
    status_zh: str
    commitment: bool
    materials: list[str]
    institutions: list[str]
    created_on: dt.date
    cancelled_on: dt.date | None
    supersedes: str | None
    reason: str
    admitted_on: dt.date | None
    filed_by: str
    consent: bool
    reviewed_on: dt.date | None
    review_reason: str
    cancel_reason: str
    history: list[EventOut] | None = None


class FilingPageOut(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[FilingOut]


class ChangeOut(BaseModel):
    previous: FilingOut
    filing: FilingOut


class MaterialsOut(BaseModel):
    type: FilingType
    type_zh: str
    commitment: bool
    materials: list[Material]


def filing_out(v: FilingView, *, history: bool = False) -> FilingOut:
    r = v.record
    return FilingOut(
        filing_id=r.filing_id, person_id_number=mask_id(r.person_id_number), person_name=v.person_name,
        insured_region=r.insured_region, type=r.type, type_zh=r.type.zh, long_term=r.long_term,
        treatment_area=r.treatment_area, start=r.start, end=r.end, last_day=r.last_day, status=r.status,
        status_zh=r.status.zh, commitment=r.commitment, materials=list(r.materials), institutions=list(r.institutions),
        created_on=r.created_on, cancelled_on=r.cancelled_on, supersedes=r.supersedes, reason=r.reason,
        admitted_on=r.admitted_on, filed_by=r.filed_by, consent=r.consent, reviewed_on=r.reviewed_on,
        review_reason=r.review_reason, cancel_reason=r.cancel_reason,
        history=[EventOut(seq=e.seq, action=e.action, status=e.status, actor_role=e.actor_role, actor=e.actor,
                          on_day=e.on_day, note=e.note) for e in v.events] if history else None,
    )


@router.get("/materials", response_model=MaterialsOut, summary="备案所需材料 Materials a filing type needs")
def get_materials(type: FilingType, commitment: bool = False) -> MaterialsOut:
    ms = filings.materials(type, commitment)
    return MaterialsOut(type=type, type_zh=type.zh, commitment=commitment, materials=ms)


@router.post("", response_model=FilingOut, status_code=status.HTTP_201_CREATED, summary="办理备案 File")
def create_filing(ctx: Ctx, caller: Caller, body: FilingCreate) -> FilingOut:
    request = FilingRequest.model_validate(body.model_dump(exclude={"id_number"}))
    return filing_out(filings.file(ctx, caller, request, body.id_number), history=True)


@router.get("", response_model=FilingPageOut, summary="我的备案 List my filings (agency: its region's)")
def list_filings(
    ctx: Ctx,
    caller: Caller,
    status: FilingStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> FilingPageOut:
    page = filings.list_filings(ctx, caller, status=status, limit=limit, offset=offset)
    return FilingPageOut(total=page.total, limit=limit, offset=offset, items=[filing_out(v) for v in page.items])


@router.get("/{filing_id}", response_model=FilingOut, summary="查看备案 Show a filing with its history")
def get_filing(ctx: Ctx, caller: Caller, filing_id: FilingId) -> FilingOut:
    return filing_out(filings.show(ctx, caller, filing_id), history=True)


@router.post("/{filing_id}/cancel", response_model=FilingOut, summary="取消备案 Cancel")
def cancel_filing(ctx: Ctx, caller: Caller, filing_id: FilingId, body: CancelIn | None = None) -> FilingOut:
    return filing_out(filings.cancel(ctx, caller, filing_id, body.reason if body else ""), history=True)


@router.post("/{filing_id}/change", response_model=ChangeOut, status_code=status.HTTP_201_CREATED,
             summary="变更备案 Change (a new version replaces this one)")
def change_filing(ctx: Ctx, caller: Caller, filing_id: FilingId, body: FilingRequest) -> ChangeOut:
    old, new = filings.change(ctx, caller, filing_id, body)
    return ChangeOut(previous=filing_out(old, history=True), filing=filing_out(new, history=True))


@router.post("/{filing_id}/review", response_model=FilingOut, summary="审核备案 Review (agency)")
def review_filing(ctx: Ctx, caller: Caller, filing_id: FilingId, body: ReviewIn) -> FilingOut:
    return filing_out(filings.review(ctx, caller, filing_id, body.approve, body.reason), history=True)
