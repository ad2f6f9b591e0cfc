"""Pages for agency staff (经办机构) and clearing operators: the claim review queue and a claim's review
(start, exclude a line, approve, return for more papers, reject; on appeal 复核 approve or uphold), payment batches of approved claims, the
region's filings (and their review), the policy packs in force with their effective dates, and the policy
simulation (the monthly clearing: yidi.web.clearing_pages). Which role and duty may open each is written in yidi.http.authz.RULES.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from yidi.domain.amounts import AMOUNT_LABELS
from yidi.domain.claim_rules import MATERIAL_NAMES, ClaimState
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services import claims
from yidi.services.access import Principal
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, fen, lang, page, plain_params, problems, redirect
from yidi.web.labels import label
from yidi.web.policy_table import scheme_tables

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])


@router.get("/agency/claims", response_class=Response)
def queue(request: Request, who: Who) -> Response:
    try:
        q = claims.queue(ctx_of(request), who)
        recent = claims.list_claims(ctx_of(request), who, limit=30)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "agency/queue.html", q=q, recent=recent)


def _claim(request: Request, who: Principal, claim_no: str, status: int = 200, **more: Any) -> Response:
    try:
        c = claims.show(ctx_of(request), who, claim_no)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "agency/claim.html", status=status, c=c, material_names=MATERIAL_NAMES,
                reviewer=who.user, **{"problems": {}, "done": "", **more})


@router.get("/agency/claims/{claim_no}", response_class=Response)
def show_claim(request: Request, who: Who, claim_no: str, done: str = "") -> Response:
    return _claim(request, who, claim_no, done=done)


# a scan shown inside the claim page: only the three sniffed types, never guessed by the browser, not cached,
# framed by our own pages only
PREVIEW_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
PREVIEW_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                   "X-Frame-Options": "SAMEORIGIN", "Content-Disposition": "inline"}
# an image opened on its own runs nothing; a PDF is left to the browser's viewer (a sandbox would block it)
IMAGE_POLICY = {"Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox"}


@router.get("/agency/claims/{claim_no}/documents/{doc_id}", response_class=Response)
def preview_document(request: Request, who: Who, claim_no: str, doc_id: int) -> Response:
    """材料预览: the scan inline (image or PDF) for the claim page, with the claim's own access check."""
    try:
        data, media, _name = claims.document(ctx_of(request), who, claim_no, doc_id)
    except YidiError as err:
        return error_page(request, err)
    if media not in PREVIEW_TYPES:  # stored scans are sniffed PDF/JPEG/PNG; anything else is not shown inline
        return Response(status_code=415)
    return Response(data, media_type=media,
                    headers={**PREVIEW_HEADERS, **(IMAGE_POLICY if media.startswith("image/") else {})})


@router.post("/agency/claims/{claim_no}/{action}", response_class=Response)
async def act(request: Request, who: Who, claim_no: str, action: str) -> Response:
    """One door for the review actions; each is one service call with the form's reason."""
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    ctx = ctx_of(request)
    try:
        if action == "review":
            claims.start_review(ctx, who, claim_no)
        elif action == "approve":
            claims.approve(ctx, who, claim_no, reason)
        elif action == "reject":  # the reason is required by the claim's rules (REASON_REQUIRED)
            claims.reject(ctx, who, claim_no, reason)
        elif action == "uphold":  # 复核维持: the appeal's second reviewer keeps the rejection
            claims.uphold(ctx, who, claim_no, reason)
        elif action == "return":
            asked = [v for v in form.getlist("asked") if isinstance(v, str)]
            from yidi.domain.validation import validate_model

            claims.return_for_more(ctx, who, claim_no, validate_model(claims.ReturnIn, {"reason": reason, "asked": asked}))
        elif action in ("exclude", "include"):
            line_id = str(form.get("line_id", ""))
            claims.exclude_line(ctx, who, claim_no, line_id, reason, include=action == "include")
        else:
            raise error("NOT_FOUND")
    except YidiError as err:
        return _claim(request, who, claim_no, status=err.status, problems=problems(err))
    return redirect(f"/agency/claims/{claim_no}?done={action}")


@router.get("/agency/payments", response_class=Response)
def payments(request: Request, who: Who) -> Response:
    """支付: approved claims waiting for payment, gathered into a batch for the bank (payer duty)."""
    waiting = claims.list_claims(ctx_of(request), who, state=ClaimState.APPROVED, limit=200)
    return page(request, "agency/payments.html", waiting=waiting, problems={})


@router.post("/agency/payments", response_class=Response)
def create_batch(request: Request, who: Who) -> Response:
    try:
        batch = claims.create_batch(ctx_of(request), who)
    except YidiError as err:
        waiting = claims.list_claims(ctx_of(request), who, state=ClaimState.APPROVED, limit=200)
        return page(request, "agency/payments.html", status=err.status, waiting=waiting, problems=problems(err))
    return redirect(f"/agency/payments/{batch['batch_no']}?done=created")


def _batch(request: Request, who: Principal, batch_no: str, status: int = 200, **more: Any) -> Response:
    try:
        b = claims.show_batch(ctx_of(request), who, batch_no)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "agency/batch.html", status=status, b=b, **{"problems": {}, "done": "", **more})


@router.get("/agency/payments/{batch_no}", response_class=Response)
def show_batch(request: Request, who: Who, batch_no: str, done: str = "") -> Response:
    return _batch(request, who, batch_no, done=done)


@router.post("/agency/payments/{batch_no}/paid", response_class=Response)
def batch_paid(request: Request, who: Who, batch_no: str, bank_reference: Annotated[str, Form()] = "") -> Response:
    """The bank has paid the batch: its claims become PAID (once)."""
    try:
        claims.mark_paid(ctx_of(request), who, batch_no, bank_reference.strip()[:64])
    except YidiError as err:
        return _batch(request, who, batch_no, status=err.status, problems=problems(err))
    return redirect(f"/agency/payments/{batch_no}?done=paid")


@router.get("/agency/policies", response_class=Response)
def policies(request: Request, who: Who, region: str = "") -> Response:
    """The policy packs in force: per insured region, each version with its dates and main parameters."""
    packs = ctx_of(request).packs
    shown = region or who.subject
    pol = packs.policies.get(shown)
    lg = lang(request)
    tables = {v.effective_from: scheme_tables(v, lg) for v in pol.versions} if pol else {}
    return page(request, "agency/policies.html", packs=packs, region=shown, pol=pol, tables=tables,
                regions=sorted(packs.policies), names={c: r.name for c, r in packs.regions.items()})


PROPOSAL_DEFAULTS = {"ratio_points": "3", "deductible_pct": "80", "cut_pct": "50"}  # simulate.ProposalChange()


@router.get("/agency/simulate", response_class=Response)
def simulate_page(request: Request, who: Who) -> Response:
    """政策模拟: the example proposal on a synthetic year (administrators, clearing operators)."""
    year = ctx_of(request).today().year
    return page(request, "agency/simulate.html", form={"from_month": f"{year}-01", "to_month": f"{year}-12",
                                                        "settlements": "2000", "seed": "1", **PROPOSAL_DEFAULTS},
                result=None, figs=[], problems={})


def _namer(request: Request) -> Callable[[str, str], str]:
    """Words for the simulation's dimension values on the page: region names, visit types, filing types, grades."""
    lg, regions = lang(request), ctx_of(request).packs.regions
    kinds = {"visit_type": "visit_type", "filing": "filing_type", "level": "level"}

    def name(dim: str, value: str) -> str:
        if dim == "insured_region":
            return regions[value].name if value in regions else value
        return label(kinds[dim], value, lg) if dim in kinds else value
    return name


@router.post("/agency/simulate", response_class=Response)
async def run_simulate(request: Request, who: Who) -> Response:
    """Run it with the proposal as edited on the form (seconds for a few thousand settlements) and show the
    figures with the report's charts."""
    from markupsafe import Markup

    from yidi.batch import service as simulation
    from yidi.batch.report import report_charts
    from yidi.batch.simulate import change_from_text
    from yidi.settings import Settings

    sent = await request.form()
    keys = ("from_month", "to_month", "settlements", "seed", *PROPOSAL_DEFAULTS)
    form = {k: str(sent.get(k, PROPOSAL_DEFAULTS.get(k, "1" if k == "seed" else "")))[:32].strip() for k in keys}
    try:
        for name in ("settlements", "seed"):
            if not form[name].isdigit() or len(form[name]) > 10:
                raise error("SIMULATE_NUMBER_INVALID", field=name)
        change = change_from_text(form)
        run_id, res = simulation.staff_run(Settings.from_env().packs_dir, form["from_month"], form["to_month"],
                                           int(form["settlements"]), int(form["seed"]), change)
    except YidiError as err:
        return page(request, "agency/simulate.html", status=err.status, form=form, result=None, figs=[],
                    problems=problems(err))
    figs = [Markup(svg) for svg in report_charts(res, name=_namer(request), lang=lang(request))]  # our own SVG, every label escaped
    return page(request, "agency/simulate.html", form=form, result={"id": run_id, **simulation.summary(res)},
                figs=figs, problems={}, fen=fen, amount_labels=AMOUNT_LABELS)
