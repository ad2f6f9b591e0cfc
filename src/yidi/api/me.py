"""The person's own door: `GET /api/v1/me/export` (everything yidi holds about the caller, issue 8) and
`GET /api/v1/me/settlements` (my settlements, or a linked relative's, with each slip), `GET /api/v1/me/purchases`
(the same, only the purchases at pharmacies: 购药记录; each receipt is the settlement's slip),
`POST /api/v1/me/credential` (出示医保码: an e-credential to show), `POST/GET /api/v1/me/estimates` (费用估算 on my
own record, kept) and `GET /api/v1/me/settlements/{setl_id}/estimate` (the kept estimate beside the settlement)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from yidi.api.deps import Caller, Ctx
from yidi.domain.validation import IdNumber
from yidi.http.json_body import JsonRoute
from yidi.http.security import config_of
from yidi.services import credentials, estimates, personal_data, settlement

router = APIRouter(prefix="/me", tags=["me 个人数据"], route_class=JsonRoute)


@router.get("/export", summary="导出我的个人数据 Export everything held about me (JSON)")
def export(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    return personal_data.export_person(ctx, caller)


@router.get("/settlements", summary="我的结算记录 My settlements, newest first (id_number: a relative who confirmed the link)")
def my_settlements(ctx: Ctx, caller: Caller, id_number: Annotated[IdNumber | None, Query()] = None) -> dict[str, Any]:
    return _history(settlement.person_settlements(ctx, caller, id_number))


@router.get("/purchases", summary="我的购药记录 My purchases at pharmacies, newest first; each slip is the receipt "
                                  "with its breakdown and explanation (id_number: a relative who confirmed the link)")
def my_purchases(ctx: Ctx, caller: Caller, id_number: Annotated[IdNumber | None, Query()] = None) -> dict[str, Any]:
    return _history(settlement.person_settlements(ctx, caller, id_number, purchases=True))


def _history(found: settlement.History) -> dict[str, Any]:
    return {"person_id_number": found.person_id_number, "person_name": found.person_name,
            "items": [i.as_dict() | {"slip": f"/api/v1/me/settlements/{i.setl_id}"} for i in found.items]}


@router.get("/settlements/{setl_id}", summary="结算单 A settlement slip of mine or of a linked relative")
def my_slip(ctx: Ctx, caller: Caller, setl_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    s = settlement.slip(ctx, caller, setl_id)
    return {**s.item.as_dict(), "mdtrt_id": s.mdtrt_id, "person_name": s.person_name,
            "person_id_number": s.person_id_number, "insured_region": s.insured_region,
            "insured_region_name": s.insured_region_name, "scheme": s.scheme, "admitted_on": s.admitted_on,
            "discharged_on": s.discharged_on, "amounts": s.amounts, "breakdown": s.breakdown}


@router.get("/settlements/{setl_id}/estimate",
            summary="估算与实际 My kept estimate beside this settlement: totals and what changed, why")
def my_estimate_beside(ctx: Ctx, caller: Caller, setl_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    return estimates.beside_or_404(ctx, caller, setl_id)


@router.post("/estimates", status_code=201,
             summary="费用估算（保存） Estimate a bill on my own record and keep it, to compare with the settlement")
def my_new_estimate(ctx: Ctx, caller: Caller, body: estimates.EstimateIn) -> dict[str, Any]:
    _plan, est, kept = estimates.make(ctx, caller, body)
    return {"estimate_id": kept, "estimate": est.model_dump(mode="json")}


@router.get("/estimates", summary="我的估算 My kept estimates, newest first")
def my_estimates(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    return {"items": estimates.mine(ctx, caller)}


@router.post("/credential", summary="出示医保码 A new e-credential for me (a short-lived token to show as a QR code)")
def my_credential(request: Request, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    c = credentials.issue(ctx, caller, config_of(request).key("e-credential"))
    return {"token": c.token, "expires_at": c.expires_at.isoformat(), "seconds": c.seconds}
