"""Routes of the pharmacy counter (定点零售药店) under /api/v1/pharmacy, named after the national transactions:

| route | transaction |
|---|---|
| POST /pharmacy/purchases | 2101 药店预结算 (registers the purchase once per msgid, uploads its lines) |
| POST /pharmacy/purchases/{mdtrt_id}/settle | 2102 药店结算 (Idempotency-Key header or body) |
| POST /pharmacy/settlements/{setl_id}/revoke | 2103 药店结算撤销 |

The pharmacy's own API key (`yidi hospital key --institution P…`); the answers are the hospital routes' own.
Daily reconciliation is the hospital's: POST /api/v1/hospital/reconciliation with the pharmacy's key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from yidi.api.deps import Ctx
from yidi.api.hospital import (
    REPLAYED,
    MdtrtId,
    QuoteOut,
    SetlId,
    SettleBody,
    SettlementOut,
    settle_request,
    settled_answer,
    view_fields,
)
from yidi.api.hospital_auth import Hospital
from yidi.http.json_body import JsonRoute
from yidi.services import pharmacy
from yidi.services import settlement as svc

router = APIRouter(prefix="/pharmacy", tags=["pharmacy 定点零售药店"], route_class=JsonRoute)


@router.post("/purchases", response_model=QuoteOut, summary="2101 药店预结算 Pre-settle a purchase")
def pre_settle(ctx: Ctx, caller: Hospital, body: pharmacy.PurchaseIn) -> QuoteOut:
    q = pharmacy.pre_settle(ctx, caller, body)
    return QuoteOut(mdtrt_id=q.mdtrt_id, breakdown=q.breakdown, quote=q.quote, eligibility=q.eligibility)


@router.post("/purchases/{mdtrt_id}/settle", response_model=SettlementOut, summary="2102 药店结算 Settle a purchase")
def settle(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: SettleBody,
           idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)] = None) -> Response:
    return settled_answer(pharmacy.settle(ctx, caller, mdtrt_id, settle_request(body, idempotency_key)))


@router.post("/settlements/{setl_id}/revoke", response_model=SettlementOut, summary="2103 药店结算撤销 Revoke")
def revoke(ctx: Ctx, caller: Hospital, setl_id: SetlId, body: svc.RevokeIn, response: Response) -> SettlementOut:
    view = pharmacy.revoke(ctx, caller, setl_id, body)
    if view.replayed:
        response.headers[REPLAYED] = "true"
    return SettlementOut.model_validate(view_fields(view))
