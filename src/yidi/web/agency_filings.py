"""The agency's filings pages (备案): the region's filings, found by full name or ID number, filtered by
state and exported as CSV; one filing with its history; the review of a pending one."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import FilingStatus
from yidi.domain.ids import mask_id
from yidi.services import filings
from yidi.services.access import Principal
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, lang, page, plain_params, problems, redirect
from yidi.web.labels import choices, label

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
PAGE = 50
EXPORT_MAX = 5000  # filings in one CSV; a larger region exports by state or by person
REVIEWED = ("approved", "rejected")


def _status(text: str) -> FilingStatus | None:
    try:
        return FilingStatus(text) if text else None
    except ValueError:
        return None


def _found(request: Request, who: Principal, status: str, q: str, limit: int, offset: int) -> filings.FilingPage:
    return filings.list_filings(ctx_of(request), who, status=_status(status), limit=limit, offset=offset,
                                person=q[:64])


@router.get("/agency/filings", response_class=Response)
def region_filings(request: Request, who: Who, status: str = "", q: str = "", offset: int = 0) -> Response:
    """本区备案: newest first, 50 a page; `q` a full name or an ID number, `status` a state."""
    shown: dict[str, Any] = dict(chosen=status, q=q, offset=max(offset, 0),
                 statuses=choices("filing_status", FilingStatus, lang(request)))
    try:
        found = _found(request, who, status, q, PAGE, max(offset, 0))
    except YidiError as err:
        return page(request, "agency/filings.html", status=err.status, found=filings.FilingPage(0, []),
                    problems=problems(err), **shown)
    return page(request, "agency/filings.html", found=found, problems={}, **shown)


@router.get("/agency/filings.csv", response_class=Response)
def export_filings(request: Request, who: Who, status: str = "", q: str = "") -> Response:
    """导出: the filings the list shows (same filters), in words, names and ID numbers masked as on the page."""
    try:
        found = _found(request, who, status, q, EXPORT_MAX, 0)
    except YidiError as err:
        return error_page(request, err)
    lg = lang(request)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["备案号", "姓名", "身份证号", "备案类型", "就医地", "开始", "结束", "状态", "办理日期"] if lg == "zh" else
               ["filing", "name", "ID number", "type", "treatment area", "start", "end", "status", "filed on"])
    for v in found.items:
        r = v.record
        w.writerow([r.filing_id, v.person_name, mask_id(r.person_id_number), label("filing_type", r.type, lg),
                    r.treatment_area, r.start.isoformat(), r.end.isoformat() if r.end else "",
                    label("filing_status", r.status, lg), r.created_on.isoformat()])
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=filings.csv",
                             "Cache-Control": "private, no-store", "X-Total-Count": str(found.total)})


@router.get("/agency/filings/{filing_id}", response_class=Response)
def show_filing(request: Request, who: Who, filing_id: str, done: str = "") -> Response:
    """备案详情: the filing, its materials and history (another region's filing is not found)."""
    try:
        v = filings.show(ctx_of(request), who, filing_id)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "agency/filing.html", v=v, r=v.record, done=done if done in REVIEWED else "")


@router.post("/agency/filings/{filing_id}/review", response_class=Response)
def review_filing(request: Request, who: Who, filing_id: str, approve: Annotated[str, Form()] = "",
                  reason: Annotated[str, Form()] = "") -> Response:
    try:
        filings.review(ctx_of(request), who, filing_id, approve == "yes", reason.strip()[:500])
    except YidiError as err:
        return error_page(request, err)
    return redirect(f"/agency/filings/{filing_id}?done={'approved' if approve == 'yes' else 'rejected'}")
