"""Routes for hospitals' direct settlement (/api/v1/hospital), after the national platform's transactions.

| route | platform |
|---|---|
| POST /hospital/persons/query | 1101 人员信息获取 |
| POST /hospital/credentials/redeem | 1101 by e-credential (mdtrt_cert_type 01), once |
| POST /hospital/visits | 2401 入院办理 / 2201 门诊挂号 |
| GET /hospital/visits | the desk's visit list (today's, in house, by state, by ID number or name) |
| GET /hospital/visits/{mdtrt_id} | 5201 就诊信息查询 |
| POST /hospital/visits/{mdtrt_id}/cancel | 2404 入院撤销 / 2202 挂号撤销 |
| POST /hospital/visits/{mdtrt_id}/change | 2403 住院信息变更 |
| POST /hospital/visits/{mdtrt_id}/discharge | 2402 出院办理 |
| POST /hospital/visits/{mdtrt_id}/discharge/cancel | 2405 出院撤销 |
| POST /hospital/visits/{mdtrt_id}/lines | 2301 / 2204 费用明细上传 |
| POST /hospital/visits/{mdtrt_id}/lines/withdraw | 2302 / 2205 费用明细撤销 |
| POST /hospital/visits/{mdtrt_id}/pre-settle | 2303 / 2206 预结算 |
| POST /hospital/visits/{mdtrt_id}/settle | 2304 / 2207 结算 (Idempotency-Key header or body) |
| GET /hospital/settlements/{setl_id} | 5203 结算信息查询 |
| POST /hospital/settlements/{setl_id}/revoke | 2305 / 2208 结算撤销 |
| POST /hospital/reversals | 2601 冲正 |
| POST /hospital/accumulators/query | 5206 人员累计信息查询 |
| POST /hospital/reconciliation | 3201 对总账 / 3202 对明细账 |

Every route needs the hospital's API key (yidi.api.hospital_auth) and sees only that hospital's visits.
Amounts are strings with two decimals (yuan), never JSON floats.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field

from yidi.api.deps import Ctx
from yidi.api.hospital_auth import Hospital
from yidi.domain.error_catalogue import error
from yidi.domain.validation import validate_model
from yidi.http.json_body import JsonRoute
from yidi.http.security import config_of
from yidi.http.threads import in_thread
from yidi.services import credentials
from yidi.services import settlement as svc

REPLAYED = "Idempotent-Replayed"  # response header: this answers a retry (settle: the first answer verbatim)
router = APIRouter(prefix="/hospital", tags=["hospital 医疗机构直接结算"], route_class=JsonRoute)
MdtrtId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
SetlId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


class VisitOut(BaseModel):
    mdtrt_id: str
    institution: str
    person_id_number: str = Field(description="masked")
    person_name: str
    visit_type: str
    admitted_on: dt.date
    discharged_on: dt.date | None
    emergency: bool
    status: str
    revision: int
    eligible: bool
    eligibility: dict[str, Any]
    lines: list[dict[str, Any]]
    settlements: list[dict[str, Any]]
    totals: dict[str, str]
    deposit: str = Field(default="0.00", description="押金 paid at admission, yuan")


class ChangeOut(BaseModel):
    what: str
    message_zh: str
    message_en: str


class SettlementOut(BaseModel):
    setl_id: str
    mdtrt_id: str
    institution: str
    status: str
    settlement_date: dt.date
    settled_at: dt.datetime
    revoked_on: dt.date | None
    revoked_at: dt.datetime | None
    infno: str
    breakdown: dict[str, Any]
    accumulators_before: dict[str, Any]
    accumulators_after: dict[str, Any]
    changes: list[ChangeOut] = Field(description="what changed since the pre-settlement sent as `expected`")
    deposit: dict[str, str] | None = Field(
        default=None, description="an inpatient deposit against the cash share: deposit, owed, refund, top_up (yuan)")
    mid_setl: bool = Field(default=False, description="中途结算: a part of a stay settled while the person is in house")
    part: int = Field(default=1, description="the part's number among the visit's live settlements (1: the first or only)")


class QuoteOut(BaseModel):
    mdtrt_id: str
    breakdown: dict[str, Any]
    quote: svc.QuoteBasis
    eligibility: dict[str, Any]


class ReversalOut(BaseModel):
    omsgid: str
    found: bool
    oinfno: str | None
    result: str
    message_zh: str
    message_en: str
    setl_id: str | None
    settlement_status: str | None


class ReconcileOut(BaseModel):
    day: dt.date
    result: str
    ours: dict[str, str]
    theirs: dict[str, str]
    differences: list[dict[str, Any]]


class PersonOut(BaseModel):
    """1101 baseinfo + insuinfo, as much as a hospital needs at admission (ID masked)."""

    person_id_number: str
    name: str
    insured_region: str
    scheme: str
    insutype: str
    category: str
    status: str
    balc: str


def view_fields(obj: Any) -> dict[str, Any]:
    """A view's fields, shallow: the breakdown and accumulator dicts are handed on, not deep-copied
    (dataclasses.asdict copies every nested dict, a measurable cost per settle); nested views (changes)
    become dicts."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, (list, tuple)) and v and dataclasses.is_dataclass(v[0]):
            v = [dataclasses.asdict(x) for x in v]
        out[f.name] = v
    return out


@router.post("/persons/query", response_model=PersonOut, summary="1101 人员信息获取")
async def person_info(ctx: Ctx, caller: Hospital, body: svc.PersonQueryIn) -> PersonOut:
    # async, the blocking read in one hop to the thread pool (a `def` route's answer is validated in a second hop)
    return PersonOut.model_validate(view_fields(await in_thread(svc.person_info, ctx, caller, body)))


class RedeemedOut(PersonOut):
    id_number: str = Field(description="in full: the person showed the code to be admitted")


@router.post("/credentials/redeem", response_model=RedeemedOut, summary="1101 by e-credential 医保电子凭证核验 (once)")
def redeem_credential(request: Request, ctx: Ctx, caller: Hospital, body: credentials.RedeemIn) -> RedeemedOut:
    cid, p = credentials.redeem(ctx, caller, body.token, config_of(request).key("e-credential"))
    return RedeemedOut.model_validate({**view_fields(p), "id_number": cid})


@router.post("/visits", response_model=VisitOut, status_code=201, summary="2401 入院办理 / 2201 门诊挂号")
async def register_visit(ctx: Ctx, caller: Hospital, body: svc.RegisterVisitIn) -> VisitOut:
    # async, the use case in one hop to the thread pool, as settle: its hidden twin runs without FastAPI's
    # general dependency solver (yidi.http.lean runs async endpoints only)
    return VisitOut.model_validate(view_fields(await in_thread(svc.register_visit, ctx, caller, body)))


class VisitSummaryOut(BaseModel):
    mdtrt_id: str
    visit_type: str
    admitted_on: dt.date
    discharged_on: dt.date | None
    status: str
    eligible: bool
    person_id_number: str = Field(description="masked")
    person_name: str


@router.get("/visits", response_model=list[VisitSummaryOut], summary="就诊列表 (this hospital's visits)")
def visit_list(ctx: Ctx, caller: Hospital, query: Annotated[svc.VisitListIn, Query()]) -> list[VisitSummaryOut]:
    return [VisitSummaryOut.model_validate(view_fields(v)) for v in svc.visit_list(ctx, caller, query)]


@router.get("/visits/{mdtrt_id}", response_model=VisitOut, summary="就诊信息查询 (lines, settlements)")
def show_visit(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId) -> VisitOut:
    return VisitOut.model_validate(view_fields(svc.show_visit(ctx, caller, mdtrt_id)))


@router.post("/visits/{mdtrt_id}/cancel", response_model=VisitOut, summary="2404 入院撤销 / 2202 挂号撤销")
def cancel_visit(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.CancelVisitIn) -> VisitOut:
    return VisitOut.model_validate(view_fields(svc.cancel_visit(ctx, caller, mdtrt_id, body)))


@router.post("/visits/{mdtrt_id}/change", response_model=VisitOut, summary="2403 住院信息变更")
def change_visit(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.ChangeVisitIn) -> VisitOut:
    return VisitOut.model_validate(view_fields(svc.change_visit(ctx, caller, mdtrt_id, body)))


@router.post("/visits/{mdtrt_id}/discharge", response_model=VisitOut, summary="2402 出院办理")
def discharge(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.DischargeIn) -> VisitOut:
    return VisitOut.model_validate(view_fields(svc.discharge(ctx, caller, mdtrt_id, body)))


@router.post("/visits/{mdtrt_id}/discharge/cancel", response_model=VisitOut, summary="2405 出院撤销")
def cancel_discharge(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.CancelDischargeIn) -> VisitOut:
    return VisitOut.model_validate(view_fields(svc.cancel_discharge(ctx, caller, mdtrt_id, body)))


@router.post("/visits/{mdtrt_id}/lines", response_model=VisitOut, summary="2301 / 2204 费用明细上传")
async def upload_lines(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.UploadLinesIn) -> VisitOut:
    # async and one hop, as register_visit
    return VisitOut.model_validate(view_fields(await in_thread(svc.upload_lines, ctx, caller, mdtrt_id, body)))


@router.post("/visits/{mdtrt_id}/lines/withdraw", response_model=VisitOut, summary="2302 / 2205 费用明细撤销")
def withdraw_lines(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.WithdrawLinesIn) -> VisitOut:
    return VisitOut.model_validate(view_fields(svc.withdraw_lines(ctx, caller, mdtrt_id, body)))


@router.post("/visits/{mdtrt_id}/pre-settle", response_model=QuoteOut, summary="2303 / 2206 预结算 (changes nothing)")
async def pre_settle(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: svc.PreSettleIn) -> QuoteOut:
    q = await in_thread(svc.pre_settle, ctx, caller, mdtrt_id, body)  # one hop, as person_info
    return QuoteOut(mdtrt_id=q.mdtrt_id, breakdown=q.breakdown, quote=q.quote, eligibility=q.eligibility)


class SettleBody(svc.PreSettleIn):
    """As SettleIn; the idempotency key may come in the `Idempotency-Key` header instead of the body."""

    idempotency_key: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    msgid: str | None = svc.MsgId
    expected: svc.QuoteBasis | None = None


@router.post("/visits/{mdtrt_id}/settle", response_model=SettlementOut, summary="2304 / 2207 结算",
             responses={200: {"headers": {REPLAYED: {"description": "true: this answers a retry with the same "
                                                                    "idempotency key (the first answer, byte for byte)",
                                                     "schema": {"type": "string"}}}}})
async def settle(ctx: Ctx, caller: Hospital, mdtrt_id: MdtrtId, body: SettleBody,
                 idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)] = None,
                 ) -> Response:
    # async, the use case in one hop to the thread pool (as pre_settle): a `def` route's hidden twin would be
    # left to FastAPI's general dependency solver (yidi.http.lean runs async endpoints only)
    asked = settle_request(body, idempotency_key)
    return settled_answer(await in_thread(svc.settle, ctx, caller, mdtrt_id, asked))


def settle_request(body: SettleBody, header_key: str | None) -> svc.SettleIn:
    """A settle's request with its idempotency key, from the body or the Idempotency-Key header (the two must
    agree when both are sent): the hospital's and the pharmacy's settle doors read it the same way."""
    if body.idempotency_key and header_key and body.idempotency_key != header_key:
        raise error("IDEMPOTENCY_KEY_CONFLICT")
    key = body.idempotency_key or header_key
    if not key:
        raise error("IDEMPOTENCY_KEY_REQUIRED")
    return validate_model(svc.SettleIn, {**body.model_dump(exclude_none=True), "idempotency_key": key})


def settled_answer(view: svc.SettlementView) -> Response:
    """The stored first answer, verbatim, marked as replayed on a retry (settlements from before answers were
    stored: rendered from the row)."""
    text = view.answer or SettlementOut.model_validate(view_fields(view)).model_dump_json()
    return Response(text, media_type="application/json", headers={REPLAYED: "true"} if view.replayed else None)


@router.get("/settlements/{setl_id}", response_model=SettlementOut, summary="5203 结算信息查询")
def show_settlement(ctx: Ctx, caller: Hospital, setl_id: SetlId) -> SettlementOut:
    return SettlementOut.model_validate(view_fields(svc.show_settlement(ctx, caller, setl_id)))


@router.post("/settlements/{setl_id}/revoke", response_model=SettlementOut, summary="2305 / 2208 结算撤销")
def revoke(ctx: Ctx, caller: Hospital, setl_id: SetlId, body: svc.RevokeIn, response: Response) -> SettlementOut:
    view = svc.revoke(ctx, caller, setl_id, body)
    if view.replayed:  # the same msgid again: the revocation was done once, this shows its result
        response.headers[REPLAYED] = "true"
    return SettlementOut.model_validate(view_fields(view))


@router.post("/reversals", response_model=ReversalOut, summary="2601 冲正 (by the hospital's msgid)")
def reverse(ctx: Ctx, caller: Hospital, body: svc.ReversalIn) -> ReversalOut:
    return ReversalOut.model_validate(view_fields(svc.reverse(ctx, caller, body)))


@router.post("/accumulators/query", response_model=svc.AccumulatorView, summary="5206 人员累计信息查询")
def accumulators(ctx: Ctx, caller: Hospital, body: svc.AccumulatorQueryIn) -> svc.AccumulatorView:
    return svc.accumulators(ctx, caller, body)  # the service's view is the answer (one shape, not a twin)


@router.post("/reconciliation", response_model=ReconcileOut, summary="3201 对总账 / 3202 对明细账")
def reconcile(ctx: Ctx, caller: Hospital, body: svc.ReconcileIn) -> ReconcileOut:
    return ReconcileOut.model_validate(view_fields(svc.reconcile(ctx, caller, body)))
