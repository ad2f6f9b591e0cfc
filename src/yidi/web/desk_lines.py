"""The desk's fee lines (费用明细): upload typed or exported lines, correct one line, withdraw one line — all
before settlement (the services refuse a settled visit: VISIT_SETTLED), as the HIS does with 2301 / 2302."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from starlette.responses import Response

from yidi.domain.bill import FeeLine
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.validation import validate_model
from yidi.services import claims, settlement
from yidi.services.access import Principal
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, form_dict, page, plain_params, problems, redirect
from yidi.web.forms import lines_from_text
from yidi.web.hospital_pages import visit_page

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
LINE_FIELDS = ("code", "name", "quantity", "unit_price", "date")


@router.post("/desk/visits/{mdtrt_id}/lines", response_class=Response)
async def upload_lines(request: Request, who: Who, mdtrt_id: str,
                       upload: Annotated[UploadFile | None, File()] = None) -> Response:
    """费用明细上传: typed lines (code, quantity, price) or the HIS's exported CSV/Excel."""
    form = await request.form()
    values = form_dict(form)
    try:
        if upload is not None and upload.filename:
            data = await upload.read(claims.MAX_FEE_LIST_BYTES + 1)
            lines = claims.parse_fee_list(upload.filename, data, claims.MAX_FEE_LIST_BYTES)
        else:
            lines = lines_from_text(values.get("lines", ""))
        # typed lines are numbered from 1 on every form: prefix them so a second batch adds, not collides
        current = settlement.show_visit(ctx_of(request), who, mdtrt_id)
        base = len(current.lines)
        lines = [ln.model_copy(update={"line_id": f"L{base + i + 1}"}) for i, ln in enumerate(lines)]
        settlement.upload_lines(ctx_of(request), who, mdtrt_id, settlement.UploadLinesIn(lines=lines))
    except YidiError as err:
        return visit_page(request, who, mdtrt_id, status=err.status, problems=problems(err), values=values)
    return redirect(f"/desk/visits/{mdtrt_id}?done=lines")


def _line_page(request: Request, who: Principal, mdtrt_id: str, line_id: str, status: int = 200,
               values: dict[str, str] | None = None, errs: dict[str, Any] | None = None) -> Response:
    """One fee line with its correction form (filled with the line as stored, or with what was typed)."""
    try:
        v = settlement.show_visit(ctx_of(request), who, mdtrt_id)
        line = next((ln for ln in v.lines if ln["line_id"] == line_id), None)
        if line is None:
            raise error("LINE_NOT_FOUND", line_id=line_id)
    except YidiError as err:
        return error_page(request, err)
    shown = values if values is not None else {k: line.get(k) or "" for k in LINE_FIELDS}
    return page(request, "hospital/line.html", status=status, v=v, line=line, values=shown, problems=errs or {})


@router.get("/desk/visits/{mdtrt_id}/lines/{line_id}", response_class=Response)
def show_line(request: Request, who: Who, mdtrt_id: str, line_id: str) -> Response:
    return _line_page(request, who, mdtrt_id, line_id)


@router.post("/desk/visits/{mdtrt_id}/lines/{line_id}", response_class=Response)
async def correct_line(request: Request, who: Who, mdtrt_id: str, line_id: str) -> Response:
    """更正一条明细: the same line number with the corrected content (2301 with replace); a withdrawn line
    corrected this way is in force again."""
    values = form_dict(await request.form())
    try:
        line = validate_model(FeeLine, {"line_id": line_id, **{k: values[k] for k in LINE_FIELDS if k in values}})
        settlement.upload_lines(ctx_of(request), who, mdtrt_id, settlement.UploadLinesIn(lines=[line], replace=True))
    except YidiError as err:
        return _line_page(request, who, mdtrt_id, line_id, err.status, values, problems(err))
    return redirect(f"/desk/visits/{mdtrt_id}?done=line-corrected")


@router.post("/desk/visits/{mdtrt_id}/lines/{line_id}/withdraw", response_class=Response)
async def withdraw_line(request: Request, who: Who, mdtrt_id: str, line_id: str) -> Response:
    """撤销一条明细 (2302 for this line): it stays listed as withdrawn and no longer counts."""
    try:
        settlement.withdraw_lines(ctx_of(request), who, mdtrt_id, settlement.WithdrawLinesIn(line_ids=[line_id]))
    except YidiError as err:
        return _line_page(request, who, mdtrt_id, line_id, err.status, None, problems(err))
    return redirect(f"/desk/visits/{mdtrt_id}?done=line-withdrawn")
