"""Policy simulation (政策模拟, issue 7) for agency administrators and clearing operators: run the example
proposal on a synthetic year, answer the summary figures, and keep the HTML report by id."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from yidi.api.deps import Caller
from yidi.batch import service
from yidi.http.errors import file_responses
from yidi.http.json_body import JsonRoute
from yidi.settings import Settings

router = APIRouter(prefix="/simulate", tags=["simulate 政策模拟"], route_class=JsonRoute)
RunId = Annotated[str, Path(pattern=service.RUN_ID, description="模拟编号 simulation id")]


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_month: str = Field(pattern=r"^\d{4}-\d{2}$", description="起始月 YYYY-MM")
    to_month: str = Field(pattern=r"^\d{4}-\d{2}$", description="结束月 YYYY-MM (same year)")
    settlements: int = Field(default=2_000, ge=service.MIN_SETTLEMENTS, le=service.MAX_SETTLEMENTS,
                             description="合成结算笔数 size of the synthetic year")
    seed: int = Field(default=1, ge=0, le=2**31 - 1)
    proposal: Literal["example"] = Field(default="example", description="方案: the example proposal (docs/batch.md)")


@router.post("", summary="政策模拟 simulate the example proposal on a synthetic year")
def run(body: SimulateIn, _p: Caller) -> dict[str, Any]:
    run_id, res = service.staff_run(Settings.from_env().packs_dir, body.from_month, body.to_month,
                                    body.settlements, body.seed)
    return {"id": run_id, "report": f"/api/v1/simulate/{run_id}/report.html", **service.summary(res)}


@router.get("/{simulation_id}/report.html", responses=file_responses("text/html"), summary="模拟报告 the HTML report")
def report(simulation_id: RunId, _p: Caller) -> HTMLResponse:
    return HTMLResponse(service.report_file(simulation_id).read_text(encoding="utf-8"))
