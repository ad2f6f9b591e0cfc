"""The monthly clearing (清算) pages: a month's lines with charts and advance funds (预付金) with their
warning and amount; running a month that has ended; an agency confirms (确认) or disputes (争议) its lines of
a closed month; a dispute's settlements a page at a time. Who may do what: yidi.http.authz.RULES."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from yidi.domain.bounds import DISPUTE_PAGE
from yidi.domain.errors import YidiError
from yidi.domain.validation import validate_model
from yidi.services import clearing
from yidi.services.access import Principal
from yidi.web import charts
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, fen, page, plain_params, problems, redirect

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
DONE = ("confirmed", "disputed")


def _figures(view: clearing.MonthView, here: str) -> list[Any]:
    name = view.name
    figs: list[Any] = []
    pair_rows = [(f"{name(p['treatment_region'])}→{name(p['insured_region'])}", fen(p["cleared_fen"]))
                 for p in view.pairs][:15]
    if pair_rows:
        figs.append(charts.bars(f"{here}清算线（就医地→参保地，元）", pair_rows))
    prov_rows = [(name(p["province"]), fen(p["net_fen"])) for p in view.provinces]
    if prov_rows:
        figs.append(charts.bars("各省净额（正为应收，元）", prov_rows))
    hosp_rows = [(h["institution"], fen(h["owed_fen"])) for h in view.hospitals][:15]
    if hosp_rows:
        figs.append(charts.bars(f"{here}医院应付（元）", hosp_rows))
    return figs


def _clearing(request: Request, who: Principal, month: str, status: int = 200, errs: dict[str, Any] | None = None,
              values: dict[str, str] | None = None, done: str = "") -> Response:
    """The page: the months run, and `month` (if any) as the caller may see it."""
    ctx = ctx_of(request)
    whole = clearing.own_scope(who) is None
    default = (ctx.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    view, errs = None, dict(errs or {})
    if month:
        try:
            view = clearing.scoped_month(ctx, who, month)
        except YidiError as err:
            errs = errs or problems(err)
            status = status if status != 200 else err.status
    mine = None
    if view is not None and not whole:
        mine = next((c for c in view.confirmations if c["region"] == who.subject), None)
    return page(request, "agency/clearing.html", status=status, months=clearing.months(ctx), month=month,
                default=default, view=view, figs=_figures(view, "" if whole else "本区") if view else [],
                problems=errs, fen=fen, whole=whole, mine=mine, values=values or {},
                done=done if done in DONE else "")


@router.get("/agency/clearing", response_class=Response)
def clearing_page(request: Request, who: Who, month: str = "", done: str = "") -> Response:
    """清算: the months run so far; a month's lines with charts — an agency its own part, a clearing operator
    the whole month (as GET /api/v1/clearing/runs/{month} shows them)."""
    return _clearing(request, who, month, done=done)


@router.post("/agency/clearing/run", response_class=Response)
def run_clearing(request: Request, who: Who, month: Annotated[str, Form()] = "") -> Response:
    """Run a month that has ended (the month under way is refused: CLEARING_MONTH_UNFINISHED)."""
    ctx = ctx_of(request)
    try:
        m = str(clearing.ended_month(month.strip(), ctx.today()))
        clearing.run_month(ctx, who, m)
    except YidiError as err:
        return _clearing(request, who, "", err.status, problems(err))
    return redirect(f"/agency/clearing?month={m}")


@router.post("/agency/clearing/confirm", response_class=Response)
def confirm(request: Request, who: Who, month: Annotated[str, Form()] = "",
            note: Annotated[str, Form()] = "") -> Response:
    """确认: the agency confirms all its lines of a closed month (as POST …/confirmation)."""
    try:
        m = str(clearing.month_of(month.strip()))
        clearing.confirm(ctx_of(request), who, m, note.strip()[:500])
    except YidiError as err:
        return _clearing(request, who, month.strip() if err.code != "CLEARING_MONTH_INVALID" else "", err.status,
                         problems(err))
    return redirect(f"/agency/clearing?month={m}&done=confirmed")


@router.post("/agency/clearing/dispute", response_class=Response)
def dispute(request: Request, who: Who, month: Annotated[str, Form()] = "", setl_ids: Annotated[str, Form()] = "",
            reason: Annotated[str, Form()] = "") -> Response:
    """争议: the agency names the settlements it contests (one per line, or separated by commas) and why."""
    ids = setl_ids.replace("，", ",").replace(",", " ").split()
    try:
        m = str(clearing.month_of(month.strip()))
        body = validate_model(clearing.DisputeIn, {"setl_ids": ids, "reason": reason.strip()})
        found = clearing.dispute(ctx_of(request), who, m, body.setl_ids, body.reason)
    except YidiError as err:
        return _clearing(request, who, month.strip() if err.code != "CLEARING_MONTH_INVALID" else "", err.status,
                         problems(err), {"setl_ids": setl_ids[:5000], "reason": reason[:500]})
    return redirect(f"/agency/clearing/disputes/{found['dispute_id']}?done=disputed")


@router.get("/agency/clearing/disputes/{dispute_id}", response_class=Response)
def clearing_dispute(request: Request, who: Who, dispute_id: int, offset: int = 0, done: str = "") -> Response:
    """争议: one page of the settlements a clearing dispute carries, and how many it carries in all."""
    try:
        found = clearing.dispute_items(ctx_of(request), who, dispute_id, limit=DISPUTE_PAGE, offset=max(offset, 0))
    except YidiError as err:
        return error_page(request, err)
    return page(request, "agency/clearing_dispute.html", found=found, fen=fen, step=DISPUTE_PAGE,
                done=done == "disputed")
