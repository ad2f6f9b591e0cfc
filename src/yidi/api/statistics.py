"""Route for the monthly statistics (统计月报): agency staff see their insured region, the clearing centre the nation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from yidi.api.deps import Caller, Ctx
from yidi.http.errors import file_responses
from yidi.http.json_body import JsonRoute
from yidi.services import statistics as service

router = APIRouter(prefix="/statistics", tags=["statistics 统计"], route_class=JsonRoute)
MonthQuery = Annotated[str, Query(max_length=7, description="统计月份 YYYY-MM")]


@router.get("", summary="统计月报 the month's cross-region figures")
def month_figures(ctx: Ctx, p: Caller, month: MonthQuery) -> dict[str, Any]:
    return service.month_figures(ctx, p, month)


@router.get(".csv", responses=file_responses("text/csv"), summary="统计月报 CSV")
def month_csv(ctx: Ctx, p: Caller, month: MonthQuery) -> Response:
    fig = service.month_figures(ctx, p, month)
    return Response(service.figures_csv(fig).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="statistics-{fig["month"]}.csv"'})
