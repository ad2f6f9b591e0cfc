"""Routes for 门诊慢特病 certification: a person applies and follows (`/me/chronic`), uploads papers; the insured
region's agency reviews (`/chronic/...`); a hospital asks which diseases a person is certified for."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Path, Query, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yidi.api.claims import UPLOAD_ERRORS
from yidi.api.deps import Caller, Ctx
from yidi.domain.chronic import CertState, disease_name
from yidi.domain.validation import IdNumber
from yidi.http.json_body import JsonRoute
from yidi.http.uploads import read_within
from yidi.services import chronic
from yidi.services.chronic import ApplyIn, CertView, HolderIn, ReviewIn
from yidi.services.claims import ClaimsConfig

me_router = APIRouter(prefix="/me/chronic", tags=["chronic 门诊慢特病认定"], route_class=JsonRoute)
router = APIRouter(prefix="/chronic", tags=["chronic 门诊慢特病认定"], route_class=JsonRoute)
hospital_router = APIRouter(prefix="/hospital", tags=["chronic 门诊慢特病认定"], route_class=JsonRoute)
CertId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
PaperId = Annotated[int, Path(ge=1, le=2_147_483_647)]


class PaperOut(BaseModel):
    paper_id: int
    filename: str
    kind: str
    size: int
    sha256: str


class CertEventOut(BaseModel):
    seq: int
    action: str
    state: CertState
    actor_role: str
    actor: str
    on_day: dt.date
    note: str


class CertOut(BaseModel):
    cert_id: str
    id_number: str = Field(description="masked")
    name: str
    insured_region: str
    disease: str
    disease_zh: str
    hospital: str
    diagnosed_on: dt.date
    state: CertState
    state_zh: str
    applied_on: dt.date
    decided_on: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    reason: str = Field(description="why it was returned or rejected: what to add, or why it does not qualify")
    papers: list[PaperOut]
    history: list[CertEventOut]


class CertifiedOut(BaseModel):
    disease: str
    disease_zh: str
    valid_from: dt.date | None
    valid_until: dt.date | None


class HolderOut(BaseModel):
    day: dt.date
    certified: list[CertifiedOut]


def _out(v: CertView) -> CertOut:
    c = v.cert
    return CertOut(cert_id=c.cert_id, id_number=v.id_number_masked, name=v.name, insured_region=c.insured_region,
                   disease=c.disease, disease_zh=disease_name(c.disease), hospital=c.hospital,
                   diagnosed_on=c.diagnosed_on, state=c.state, state_zh=c.state.zh, applied_on=c.applied_on,
                   decided_on=c.decided_on, valid_from=c.valid_from, valid_until=c.valid_until, reason=c.reason,
                   papers=[PaperOut(paper_id=p.paper_id, filename=p.filename, kind=p.kind, size=p.size,
                                    sha256=p.sha256) for p in v.papers],
                   history=[CertEventOut(seq=e.seq, action=e.action, state=e.state, actor_role=e.actor_role,
                                         actor=e.actor, on_day=e.on_day, note=e.note) for e in v.history])


@me_router.post("", status_code=status.HTTP_201_CREATED, summary="申请门诊慢特病认定 Apply for a disease")
def apply(ctx: Ctx, caller: Caller, body: ApplyIn) -> CertOut:
    return _out(chronic.apply(ctx, caller, body))


@me_router.get("", summary="我的门诊慢特病 My applications and certifications (id_number: a relative who confirmed "
                            "the family link)")
def mine(ctx: Ctx, caller: Caller, id_number: Annotated[IdNumber | None, Query()] = None) -> list[CertOut]:
    return [_out(v) for v in chronic.mine(ctx, caller, id_number)]


@router.get("/queue", summary="待审核 The region's applications (default: waiting for review)")
def queue(ctx: Ctx, caller: Caller, state: Annotated[list[CertState] | None, Query()] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[CertOut]:
    return [_out(v) for v in chronic.queue(ctx, caller, tuple(state or (CertState.APPLIED,)), limit)]


@router.get("/{cert_id}", summary="认定申请详情 One application with its papers and history")
def get(ctx: Ctx, caller: Caller, cert_id: CertId) -> CertOut:
    return _out(chronic.get(ctx, caller, cert_id))


@router.post("/{cert_id}/papers", status_code=status.HTTP_201_CREATED, responses=UPLOAD_ERRORS,
             summary="上传诊断材料 Upload a scan (PDF/JPEG/PNG)")
async def upload_paper(ctx: Ctx, caller: Caller, cert_id: CertId, file: Annotated[UploadFile, File()]) -> CertOut:
    cfg = ClaimsConfig.from_env()
    data = await read_within(file, cfg.max_scan_bytes)
    return _out(chronic.add_paper(ctx, caller, cert_id, file.filename or "", file.content_type, data, cfg))


@router.get("/{cert_id}/papers/{paper_id}", summary="下载材料 Download a paper", response_class=Response)
def get_paper(ctx: Ctx, caller: Caller, cert_id: CertId, paper_id: PaperId) -> Response:
    data, media, name = chronic.paper(ctx, caller, cert_id, paper_id)
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


@router.post("/{cert_id}/resubmit", summary="补充材料后重新提交 Resubmit a returned application")
def resubmit(ctx: Ctx, caller: Caller, cert_id: CertId) -> CertOut:
    return _out(chronic.resubmit(ctx, caller, cert_id))


@router.post("/{cert_id}/withdraw", summary="撤回 Withdraw an undecided application")
def withdraw(ctx: Ctx, caller: Caller, cert_id: CertId) -> CertOut:
    return _out(chronic.withdraw(ctx, caller, cert_id))


@router.post("/{cert_id}/review", summary="审核 Approve with validity, return for material, or reject")
def review(ctx: Ctx, caller: Caller, cert_id: CertId, body: ReviewIn) -> CertOut:
    return _out(chronic.review(ctx, caller, cert_id, body))


@hospital_router.post("/persons/chronic", summary="查询门诊慢特病认定 Which diseases a person is certified for")
def certified(ctx: Ctx, caller: Caller, body: HolderIn) -> HolderOut:
    day = body.day or ctx.today()
    return HolderOut(day=day, certified=[
        CertifiedOut(disease=c.disease, disease_zh=disease_name(c.disease), valid_from=c.valid_from,
                     valid_until=c.valid_until) for c in chronic.certified_of(ctx, caller, body)])
