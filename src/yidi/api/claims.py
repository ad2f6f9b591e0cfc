"""Routes for manual reimbursement (手工报销) under /api/v1/claims: a person creates, edits, uploads papers
and a fee list, submits and follows a claim; the insured region's agency works its queue, reviews
(exclude lines, approve, return, reject) and pays approved claims in batches exported for the bank; a rejected
claim may be appealed (复核) once, and a second reviewer approves it or upholds the rejection."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, UploadFile, status
from fastapi.responses import Response
from pydantic import Field

from yidi.api.deps import Caller, Ctx
from yidi.domain.bounds import LINE_ID
from yidi.domain.claim_rules import ClaimState
from yidi.domain.validation import IdNumber, Strict
from yidi.http.errors import ErrorOut
from yidi.http.json_body import JsonRoute
from yidi.http.uploads import read_within
from yidi.services import claims
from yidi.services.claims import ClaimIn, ClaimsConfig, ReasonIn, ReturnIn

router = APIRouter(prefix="/claims", tags=["claims 手工报销"], route_class=JsonRoute)
ClaimNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
BatchNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
LineId = Annotated[str, Path(min_length=1, max_length=LINE_ID, pattern=r"^[^\x00-\x1f\x7f]+$")]
DocId = Annotated[int, Path(ge=1, le=2_147_483_647)]  # an INTEGER column: larger ids are 422, not a database error
Json = dict[str, Any]
# uploads can also answer FILE_TOO_LARGE (413), FILE_TYPE (415) and STORAGE_FULL (507: not saved, retry later)
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut}, 415: {"model": ErrorOut},
    507: {"model": ErrorOut, "description": "STORAGE_FULL: the file was not saved; retry later"}}


class ClaimCreate(ClaimIn):
    """A new claim. `id_number` names the person: omit it to claim for yourself; agency staff at a service
    window give it."""

    id_number: IdNumber | None = None


class PaidIn(Strict):
    bank_reference: str = Field(default="", max_length=64)


@router.post("", status_code=status.HTTP_201_CREATED, summary="新建报销申请 Create a claim (draft)")
def create_claim(ctx: Ctx, caller: Caller, body: ClaimCreate) -> Json:
    content = ClaimIn(visit=body.visit, invoices=body.invoices, lines=body.lines, bank=body.bank)
    return claims.create(ctx, caller, content, body.id_number)


@router.get("", summary="我的报销申请 List my claims (agency: its region's)")
def list_claims(ctx: Ctx, caller: Caller, state: ClaimState | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100,
                offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> Json:
    return claims.list_claims(ctx, caller, state=state, limit=limit, offset=offset)


@router.get("/queue", summary="审核队列 The agency's review queue (oldest first)")
def review_queue(ctx: Ctx, caller: Caller, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Json:
    return claims.queue(ctx, caller, limit=limit)


@router.post("/batches", status_code=status.HTTP_201_CREATED, summary="生成支付批次 Gather approved claims into a batch")
def create_batch(ctx: Ctx, caller: Caller) -> Json:
    return claims.create_batch(ctx, caller)


@router.get("/batches/{batch_no}", summary="查看支付批次 Show a batch")
def show_batch(ctx: Ctx, caller: Caller, batch_no: BatchNo) -> Json:
    return claims.show_batch(ctx, caller, batch_no)


@router.get("/batches/{batch_no}/export", summary="导出银行文件 The bank file (CSV with totals and a SHA-256 line)",
            response_class=Response)
def export_batch(ctx: Ctx, caller: Caller, batch_no: BatchNo, encoding: Literal["utf-8", "gb18030"] = "utf-8") -> Response:
    data = claims.batch_file(ctx, caller, batch_no, encoding)
    return Response(data, media_type=f"text/csv; charset={encoding}",
                    headers={"Content-Disposition": f'attachment; filename="{batch_no}.csv"'})


@router.post("/batches/{batch_no}/paid", summary="标记已支付 The bank paid the batch: its claims become paid")
def batch_paid(ctx: Ctx, caller: Caller, batch_no: BatchNo, body: PaidIn | None = None) -> Json:
    return claims.mark_paid(ctx, caller, batch_no, body.bank_reference if body else "")


@router.get("/{claim_no}", summary="查看报销申请 Show a claim: state, what is asked, the amount line by line")
def get_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo) -> Json:
    return claims.show(ctx, caller, claim_no)


@router.patch("/{claim_no}", summary="修改报销申请 Edit a draft or returned claim (parts given replace)")
def edit_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo, body: ClaimIn) -> Json:
    return claims.edit(ctx, caller, claim_no, body)


@router.post("/{claim_no}/fee-list", responses=UPLOAD_ERRORS, summary="上传费用明细 Upload the hospital's fee list (CSV UTF-8/GB18030 or .xlsx)")
async def upload_fee_list(ctx: Ctx, caller: Caller, claim_no: ClaimNo, file: Annotated[UploadFile, File()]) -> Json:
    cfg = ClaimsConfig.from_env()
    data = await read_within(file, cfg.max_fee_list_bytes)
    return claims.upload_fee_list(ctx, caller, claim_no, file.filename or "", data, cfg)


@router.post("/{claim_no}/documents", status_code=status.HTTP_201_CREATED, responses=UPLOAD_ERRORS,
             summary="上传材料扫描件 Upload a scan (PDF/JPEG/PNG) as one of the materials")
async def upload_document(ctx: Ctx, caller: Caller, claim_no: ClaimNo, material: Annotated[str, Form(max_length=40)],
                          file: Annotated[UploadFile, File()]) -> Json:
    cfg = ClaimsConfig.from_env()
    data = await read_within(file, cfg.max_scan_bytes)
    return claims.add_document(ctx, caller, claim_no, material, file.filename or "", file.content_type, data, cfg)


@router.get("/{claim_no}/documents/{doc_id}", summary="下载材料 Download a scan", response_class=Response)
def get_document(ctx: Ctx, caller: Caller, claim_no: ClaimNo, doc_id: DocId) -> Response:
    data, media, name = claims.document(ctx, caller, claim_no, doc_id)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename*=UTF-8\'\'{_quote(name)}'})


@router.delete("/{claim_no}/documents/{doc_id}", summary="撤下材料 Take a scan off the claim (kept in history)")
def remove_document(ctx: Ctx, caller: Caller, claim_no: ClaimNo, doc_id: DocId) -> Json:
    return claims.remove_document(ctx, caller, claim_no, doc_id)


@router.post("/{claim_no}/submit", summary="提交 Submit (or resubmit after a return)")
def submit_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo) -> Json:
    return claims.submit(ctx, caller, claim_no)


@router.post("/{claim_no}/review", summary="开始审核 Take a submitted claim into review (agency)")
def start_review(ctx: Ctx, caller: Caller, claim_no: ClaimNo) -> Json:
    return claims.start_review(ctx, caller, claim_no)


@router.post("/{claim_no}/lines/{line_id}/exclude", summary="剔除明细 Exclude a line, with a reason (agency)")
def exclude_line(ctx: Ctx, caller: Caller, claim_no: ClaimNo, line_id: LineId, body: ReasonIn) -> Json:
    return claims.exclude_line(ctx, caller, claim_no, line_id, body.reason)


@router.post("/{claim_no}/lines/{line_id}/include", summary="恢复明细 Take an exclusion back (agency)")
def include_line(ctx: Ctx, caller: Caller, claim_no: ClaimNo, line_id: LineId, body: ReasonIn | None = None) -> Json:
    return claims.exclude_line(ctx, caller, claim_no, line_id, body.reason if body else "", include=True)


@router.post("/{claim_no}/approve", summary="审核通过 Approve: the amount is computed and fixed (agency)")
def approve_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo, body: ReasonIn | None = None) -> Json:
    return claims.approve(ctx, caller, claim_no, body.reason if body else "")


@router.post("/{claim_no}/return", summary="退回补充材料 Return for more material, saying what (agency)")
def return_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo, body: ReturnIn) -> Json:
    return claims.return_for_more(ctx, caller, claim_no, body)


@router.post("/{claim_no}/reject", summary="不予报销 Reject, with a reason (agency)")
def reject_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo, body: ReasonIn) -> Json:
    return claims.reject(ctx, caller, claim_no, body.reason)


@router.post("/{claim_no}/appeal", summary="申请复核 Appeal a rejection: a reason, with scans uploaded since "
             "(within the region's appeal period); a second reviewer decides by approve or uphold")
def appeal_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo, body: ReasonIn) -> Json:
    return claims.appeal(ctx, caller, claim_no, body.reason)


@router.post("/{claim_no}/uphold", summary="复核维持 Uphold the rejection on appeal, with a reason (agency, "
             "not the reviewer who rejected)")
def uphold_claim(ctx: Ctx, caller: Caller, claim_no: ClaimNo, body: ReasonIn) -> Json:
    return claims.uphold(ctx, caller, claim_no, body.reason)


def _quote(name: str) -> str:
    return quote(name)
