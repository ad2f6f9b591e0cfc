"""Routes for monthly clearing (清算): run and close a month, read it (scoped to the caller's region by
yidi.services.clearing.scoping), statements (CSV, Excel) and the HTML report, confirmations, disputes (their
settlements a page at a time) and their decisions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from yidi.api.deps import Caller, Ctx
from yidi.clearing import report
from yidi.domain.bounds import DISPUTE_PAGE, DISPUTE_SETTLEMENTS, LONG_REASON, REASON
from yidi.domain.validation import Number, Strict, Text
from yidi.http.errors import file_responses
from yidi.http.json_body import JsonRoute
from yidi.http.threads import in_thread
from yidi.services import clearing as service
from yidi.services.access import Principal, Role

router = APIRouter(prefix="/clearing", tags=["clearing 清算"], route_class=JsonRoute)
MonthPath = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="清算月份 YYYY-MM")]
DisputeId = Annotated[int, Path(ge=1, le=2_147_483_647)]  # an INTEGER column: larger ids are 422, not a database error


class RunIn(Strict):
    engine: str = Field(default="duckdb", pattern="^(duckdb|spark)$")
    advance_months: int = Field(default=service.DEFAULT_ADVANCE_MONTHS, ge=1, le=24)
    warning_pct: Number = Field(default=service.DEFAULT_WARNING_PCT, gt=0, le=100, decimal_places=2)  # stored as VARCHAR(10)


class ConfirmIn(Strict):
    note: Text = Field(default="", max_length=REASON)


class DecisionIn(Strict):
    upheld: bool
    note: Text = Field(default="", max_length=LONG_REASON)


RegionQuery = Annotated[str | None, Query(max_length=20, description="统筹区或省级编码: narrow the view to this region's "
                                                               "lines (an agency: its own region, or one of its province)")]


@router.get("/runs", summary="各月清算 months cleared")
def list_runs(ctx: Ctx, _p: Caller) -> list[dict[str, Any]]:
    return service.months(ctx)


@router.post("/runs/{month}", summary="运行清算 clear a month (rerun while open)")
async def run(month: MonthPath, body: RunIn, ctx: Ctx, p: Caller) -> dict[str, Any]:
    # the engine works for seconds: keep it off the event loop
    out = await in_thread(service.run_month, ctx, p, month, engine=body.engine,
                          advance_months=body.advance_months, warning_pct=body.warning_pct)
    return out.as_dict()


@router.post("/runs/{month}/close", summary="关账 close (freeze) a month")
async def close(month: MonthPath, ctx: Ctx, p: Caller) -> dict[str, Any]:
    out = await in_thread(service.close_month, ctx, p, month)
    return out.as_dict()


@router.get("/runs/{month}", summary="清算结果 a month's results (an agency: its own lines)")
def show(month: MonthPath, ctx: Ctx, p: Caller, region: RegionQuery = None) -> dict[str, Any]:
    return service.scoped_month(ctx, p, month, region).as_dict()


@router.get("/runs/{month}/verify", summary="核对到分 recheck a month to the fen")
def verify(month: MonthPath, ctx: Ctx, _p: Caller) -> dict[str, Any]:
    return service.verify(ctx, month).as_dict()


@router.get("/runs/{month}/items", summary="清算明细 the settlements behind the lines")
def items(month: MonthPath, ctx: Ctx, p: Caller, region: RegionQuery = None,
          limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict[str, Any]]:
    return service.items(ctx, month, region=service.view_scope(ctx, p, region), limit=limit)


@router.get("/runs/{month}/statement.csv", responses=file_responses("text/csv"), summary="对账单 CSV the agency's statement")
def statement_csv(month: MonthPath, ctx: Ctx, p: Caller) -> Response:
    region = _agency_region(p)
    data = report.statement_csv(service.month_view(ctx, month), region)
    return Response(data.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="clearing-{month}-{region}.csv"'})


@router.get("/runs/{month}/statement.xlsx",
            responses=file_responses("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), summary="对账单 Excel the agency's statement")
def statement_xlsx(month: MonthPath, ctx: Ctx, p: Caller) -> Response:
    region = _agency_region(p)
    data = report.statement_xlsx(service.month_view(ctx, month), region,
                                 service.items(ctx, month, region=region, limit=100_000))
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="clearing-{month}-{region}.xlsx"'})


@router.get("/runs/{month}/report.html", responses=file_responses("text/html"), summary="清算报告 printable report")
def report_html(month: MonthPath, ctx: Ctx, p: Caller, region: RegionQuery = None) -> HTMLResponse:
    scope = service.view_scope(ctx, p, region)
    return HTMLResponse(report.html_report(service.month_view(ctx, month), scope))


@router.post("/runs/{month}/confirmation", summary="确认 the agency confirms its lines")
def confirm(month: MonthPath, body: ConfirmIn, ctx: Ctx, p: Caller) -> dict[str, Any]:
    return service.confirm(ctx, p, month, body.note)


@router.post("/runs/{month}/disputes", status_code=201, summary="争议 dispute settlements on the agency's lines")
def dispute(month: MonthPath, body: service.DisputeIn, ctx: Ctx, p: Caller) -> dict[str, Any]:
    return service.dispute(ctx, p, month, body.setl_ids, body.reason)


@router.get("/disputes", summary="争议列表 disputes")
def disputes(ctx: Ctx, p: Caller, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> list[dict[str, Any]]:
    return service.scoped_disputes(ctx, p, month)


@router.get("/disputes/{dispute_id}/items", summary="争议结算 a page of a dispute's settlements")
def dispute_items(dispute_id: DisputeId, ctx: Ctx, p: Caller,
                  limit: Annotated[int, Query(ge=1, le=DISPUTE_SETTLEMENTS)] = DISPUTE_PAGE,
                  offset: Annotated[int, Query(ge=0, le=DISPUTE_SETTLEMENTS)] = 0) -> dict[str, Any]:
    return asdict(service.dispute_items(ctx, p, dispute_id, limit=limit, offset=offset))


@router.post("/disputes/{dispute_id}/decision", summary="裁定 the counterpart decides a dispute")
def decide(dispute_id: DisputeId, body: DecisionIn, ctx: Ctx, p: Caller) -> dict[str, Any]:
    return service.resolve(ctx, p, dispute_id, body.upheld, body.note)


def _agency_region(p: Principal) -> str:
    from yidi.services.access import require

    require(p, Role.AGENCY, what_zh="下载对账单", what_en="download a statement")
    return p.subject

