"""Pages for hospital staff (医保办 / 入院处): eligibility check at admission, admission, the visit's fee
lines, pre-settlement and settlement, revocation, and the daily reconciliation.

Each calls yidi.services.settlement / eligibility with the hospital principal of the session, exactly as
the HIS does over /api/v1/hospital, so a visit seen here is the same visit the HIS sees.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from yidi.domain.amounts import AMOUNT_LABELS, PART_FIELDS
from yidi.domain.credentials import TOKEN_MAX
from yidi.domain.enums import VisitType
from yidi.domain.errors import YidiError
from yidi.domain.validation import validate_model
from yidi.http.security import config_of
from yidi.services import credentials, eligibility, settlement
from yidi.services.access import Principal
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, form_dict, lang, page, plain_params, problems, redirect
from yidi.web.labels import choices

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
LIST_FIELDS = ("status", "day", "today", "in_house", "id_number", "name")
CENT = Decimal("0.01")
RECONCILE_FIELDS = ("count", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "cash_payamt")


def _desk(request: Request, values: dict[str, Any], status: int = 200, **more: Any) -> Response:
    return page(request, "hospital/desk.html", status=status, values=values,
                visit_types=choices("visit_type", VisitType, lang(request)), credential_max=TOKEN_MAX,
                **{"problems": {}, "result": None, **more})


@router.get("/desk", response_class=Response)
def desk(request: Request, who: Who, mdtrt_id: str = "") -> Response:
    if mdtrt_id.strip():
        return redirect(f"/desk/visits/{mdtrt_id.strip()}")
    return _desk(request, {"visit_type": "INPATIENT", "day": ctx_of(request).today().isoformat()})


def _eligibility_body(who: Principal, values: dict[str, str]) -> eligibility.EligibilityRequest:
    data: dict[str, Any] = {k: values[k] for k in ("id_number", "name", "visit_type", "day", "chronic_disease")
                            if k in values}
    data["institution"] = who.subject
    data["emergency"] = values.get("emergency") == "on"
    return validate_model(eligibility.EligibilityRequest, data)


@router.post("/desk/check", response_class=Response)
async def check(request: Request, who: Who) -> Response:
    """待遇资格核验: eligible (with the filing and ratio category) or every reason, with what to do."""
    form = await request.form()
    values = form_dict(form)
    try:
        result = eligibility.check(ctx_of(request), who, _eligibility_body(who, values))
    except YidiError as err:
        return _desk(request, values, status=err.status, problems=problems(err))
    return _desk(request, values, result=result.as_dict())


@router.post("/desk/credential", response_class=Response)
async def scan(request: Request, who: Who) -> Response:
    """扫医保码: the scanner types the person's code into the field; yidi redeems it once and fills the
    check form with who it is (the code names nobody; the ID number comes from yidi)."""
    values = form_dict(await request.form())
    ctx = ctx_of(request)
    try:
        body = validate_model(credentials.RedeemIn, {"token": values.get("credential", "")})
        cid, person = credentials.redeem(ctx, who, body.token, config_of(request).key("e-credential"))
    except YidiError as err:
        return _desk(request, {"visit_type": "INPATIENT", "day": ctx.today().isoformat()}, status=err.status,
                     problems=problems(err))
    return _desk(request, {"id_number": cid, "name": person.name, "visit_type": "INPATIENT",
                           "day": ctx.today().isoformat()}, scanned=person.name)


@router.post("/desk/admit", response_class=Response)
async def admit(request: Request, who: Who) -> Response:
    """入院办理 / 门诊挂号: register the visit and go to it."""
    form = await request.form()
    values = form_dict(form)
    try:
        body = validate_model(settlement.RegisterVisitIn, {
            **{k: values[k] for k in ("id_number", "name", "visit_type", "chronic_disease") if k in values},
            "admitted_on": values.get("day") or None, "emergency": values.get("emergency") == "on",
            **({"deposit": values["deposit"]} if values.get("deposit") else {})})
        visit = settlement.register_visit(ctx_of(request), who, body)
    except YidiError as err:
        return _desk(request, values, status=err.status, problems=problems(err))
    return redirect(f"/desk/visits/{visit.mdtrt_id}?done=admitted")


def visit_page(request: Request, who: Principal, mdtrt_id: str, status: int = 200, **more: Any) -> Response:
    """The visit page (also after a refused change of it, with the problems beside the form)."""
    try:
        visit = settlement.show_visit(ctx_of(request), who, mdtrt_id)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "hospital/visit.html", status=status, v=visit, key=f"web-{secrets.token_hex(8)}",
                **{"problems": {}, "quote": None, "done": "", "values": {}, **more})


@router.get("/desk/visits", response_class=Response)
def visits(request: Request, who: Who) -> Response:
    """就诊列表: today's, in house, by state, by ID number or name (the same list as GET /api/v1/hospital/visits)."""
    values = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    try:
        query = validate_model(settlement.VisitListIn, {k: v for k, v in values.items() if k in LIST_FIELDS})
        found = settlement.visit_list(ctx_of(request), who, query)
    except YidiError as err:
        return page(request, "hospital/visits.html", status=err.status, values=values, visits=[],
                    problems=problems(err))
    return page(request, "hospital/visits.html", values=values, visits=found, problems={})


@router.get("/desk/visits/{mdtrt_id}", response_class=Response)
def show_visit(request: Request, who: Who, mdtrt_id: str, done: str = "") -> Response:
    return visit_page(request, who, mdtrt_id, done=done)


# the visit's state changes a desk makes with one button: (service, its request, what the page then says)
TRANSITIONS: dict[str, tuple[Any, Any, str]] = {
    "cancel": (settlement.cancel_visit, settlement.CancelVisitIn, "cancelled"),
    "discharge": (settlement.discharge, settlement.DischargeIn, "discharged"),
    "discharge-cancel": (settlement.cancel_discharge, settlement.CancelDischargeIn, "reopened"),
}


@router.post("/desk/visits/{mdtrt_id}/state/{action}", response_class=Response)
async def change_state(request: Request, who: Who, mdtrt_id: str, action: str) -> Response:
    """入院（挂号）撤销 / 出院办理 / 出院撤销 from the visit page (the same use cases as 2404 / 2402 / 2405)."""
    form = form_dict(await request.form())
    found = TRANSITIONS.get(action)
    if found is None:
        return visit_page(request, who, mdtrt_id, status=404)
    run, body, done = found
    try:
        fields = {"discharge_date": form.get("discharge_date") or None} if action == "discharge" else {}
        run(ctx_of(request), who, mdtrt_id, validate_model(body, fields))
    except YidiError as err:
        return visit_page(request, who, mdtrt_id, status=err.status, problems=problems(err), values=form)
    return redirect(f"/desk/visits/{mdtrt_id}?done={done}")


def _settle_options(values: dict[str, str]) -> dict[str, Any]:
    # the same request the JSON API takes: a mid-stay part (中途结算) and a family member's account (家庭共济)
    return {"discharge_date": values.get("discharge_date") or None, "use_account": values.get("use_account") == "on",
            "mid_setl": values.get("mid_setl") == "on", "mulaid_payer": values.get("mulaid_payer") or None}


@router.post("/desk/visits/{mdtrt_id}/pre-settle", response_class=Response)
async def pre_settle(request: Request, who: Who, mdtrt_id: str) -> Response:
    """预结算: the breakdown and its explanation; nothing changes."""
    form = await request.form()
    values = form_dict(form)
    try:
        q = settlement.pre_settle(ctx_of(request), who, mdtrt_id,
                                  validate_model(settlement.PreSettleIn, _settle_options(values)))
    except YidiError as err:
        return visit_page(request, who, mdtrt_id, status=err.status, problems=problems(err), values=values)
    return visit_page(request, who, mdtrt_id, quote=q, values=values)


@router.post("/desk/visits/{mdtrt_id}/settle", response_class=Response)
async def settle(request: Request, who: Who, mdtrt_id: str) -> Response:
    """结算: the page's idempotency key makes a double click or a reload settle once."""
    form = await request.form()
    values = form_dict(form)
    try:
        body = validate_model(settlement.SettleIn, {**_settle_options(values),
                                                    "idempotency_key": values.get("idempotency_key", "")})
        done = settlement.settle(ctx_of(request), who, mdtrt_id, body)
    except YidiError as err:
        return visit_page(request, who, mdtrt_id, status=err.status, problems=problems(err), values=values)
    return redirect(f"/desk/settlements/{done.setl_id}?done=settled")


def _settlement(request: Request, who: Principal, setl_id: str, status: int = 200, **more: Any) -> Response:
    try:
        s = settlement.show_settlement(ctx_of(request), who, setl_id)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "hospital/settlement.html", status=status, s=s, b=s.breakdown, parts=PART_FIELDS,
                labels=AMOUNT_LABELS, **{"problems": {}, "done": "", **more})


@router.get("/desk/settlements/{setl_id}", response_class=Response)
def show_settlement(request: Request, who: Who, setl_id: str, done: str = "") -> Response:
    return _settlement(request, who, setl_id, done=done)


@router.post("/desk/settlements/{setl_id}/revoke", response_class=Response)
def revoke(request: Request, who: Who, setl_id: str, reason: Annotated[str, Form()] = "") -> Response:
    """结算撤销: everything the settlement consumed is restored (the service's guarantee)."""
    try:
        settlement.revoke(ctx_of(request), who, setl_id, settlement.RevokeIn(reason=reason.strip()[:500]))
    except YidiError as err:
        return _settlement(request, who, setl_id, status=err.status, problems=problems(err))
    return redirect(f"/desk/settlements/{setl_id}?done=revoked")


def _reconcile_page(request: Request, values: dict[str, str], status: int = 200, errs: dict[str, Any] | None = None,
                    result: settlement.ReconcileView | None = None, filled: bool = False) -> Response:
    """The form, and after a comparison each total on its own row: ours, the hospital's, the difference."""
    rows = []
    if result is not None:
        for k in RECONCILE_FIELDS:
            delta = Decimal(result.theirs[k]) - Decimal(result.ours[k])
            if k != "count":
                delta = delta.quantize(CENT)
            rows.append({"key": k, "ours": result.ours[k], "theirs": result.theirs[k], "delta": delta,
                         "shown": f"{delta:+}", "size": str(abs(delta))})
    return page(request, "hospital/reconcile.html", status=status, values=values, problems=errs or {},
                result=result, rows=rows, filled=filled, money=RECONCILE_FIELDS[1:])


@router.get("/desk/reconcile", response_class=Response)
def reconcile_form(request: Request, who: Who, day: str = "", fill: str = "") -> Response:
    """对账 form; `fill=ours` puts yidi's own totals of the day in it (the clerk then corrects to the HIS's)."""
    ctx = ctx_of(request)
    values = {"day": day or ctx.today().isoformat(), "count": "0", "medfee_sumamt": "0.00",
              "fund_pay_sumamt": "0.00", "acct_pay": "0.00", "cash_payamt": "0.00"}
    if fill != "ours":
        return _reconcile_page(request, values)
    try:
        when = validate_model(settlement.ReconcileIn, {**values, "day": values["day"]}).day
        values = {"day": when.isoformat(), **settlement.day_totals(ctx, who, when)}
    except YidiError as err:
        return _reconcile_page(request, values, err.status, problems(err))
    return _reconcile_page(request, values, filled=True)


@router.post("/desk/reconcile", response_class=Response)
async def reconcile(request: Request, who: Who) -> Response:
    """对总账: the hospital's totals of a day against ours; on a mismatch, the settlements to check."""
    form = await request.form()
    values = form_dict(form)
    try:
        body = validate_model(settlement.ReconcileIn, {k: values.get(k, "") for k in ("day", *RECONCILE_FIELDS)})
        result = settlement.reconcile(ctx_of(request), who, body)
    except YidiError as err:
        return _reconcile_page(request, values, err.status, problems(err))
    return _reconcile_page(request, values, result=result)
