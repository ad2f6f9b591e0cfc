"""Routes for reference data: institutions, the materials a filing needs, bill quotes and health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import text

from yidi.api.deps import Ctx
from yidi.domain.bill import Bill
from yidi.domain.bounds import DISEASE_CODE
from yidi.domain.enums import InstitutionKind, Level, VisitType
from yidi.domain.reference import Institution
from yidi.http.json_body import JsonRoute
from yidi.http.threads import in_thread
from yidi.services import reference
from yidi.services.context import Context

router = APIRouter(route_class=JsonRoute)


class InstitutionOut(BaseModel):
    code: str
    name: str
    region: str
    region_name: str
    level: Level
    level_zh: str
    networked: list[VisitType]
    chronic_diseases: list[str]
    kind: InstitutionKind = Field(description="HOSPITAL 定点医疗机构 or PHARMACY 定点零售药店")
    kind_zh: str
    dual_channel: bool = Field(description="双通道 pharmacy: dispenses 门诊慢特病 drugs under the chronic benefit")


class InstitutionPageOut(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[InstitutionOut]


def institution_out(i: Institution, region_name: str) -> InstitutionOut:
    return InstitutionOut(code=i.code, name=i.name, region=i.region, region_name=region_name, level=i.level,
                          level_zh=i.level.zh, networked=sorted(i.networked), chronic_diseases=sorted(i.chronic_diseases),
                          kind=i.kind, kind_zh=i.kind.zh, dual_channel=i.dual_channel)


@router.get("/institutions", response_model=InstitutionPageOut, summary="查询定点医疗机构 Find institutions")
def list_institutions(
    ctx: Ctx,
    region: Annotated[str | None, Query(max_length=20, description="统筹区编码, or a province code XX0000")] = None,
    level: Level | None = None,
    visit_type: VisitType | None = None,
    networked: Annotated[bool | None, Query(description="networked (for visit_type, if given)")] = None,
    chronic_disease: Annotated[str | None, Query(max_length=DISEASE_CODE, description="门诊慢特病 code the institution "
                                                 "has opened, e.g. M03900")] = None,
    limit: Annotated[int, Query(ge=1, le=reference.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    kind: Annotated[InstitutionKind | None, Query(description="HOSPITAL or PHARMACY (定点零售药店)")] = None,
) -> InstitutionPageOut:
    page = reference.find_institutions(ctx, region=region, level=level, visit_type=visit_type,
                                       networked=networked, chronic_disease=chronic_disease, limit=limit, offset=offset,
                                       kind=kind)
    names = {c: r.name for c, r in ctx.packs.regions.items()}
    return InstitutionPageOut(total=page.total, limit=limit, offset=offset,
                              items=[institution_out(i, names.get(i.region, "")) for i in page.items])


@router.post("/quote", summary="费用估算 Quote a bill with the server's policy packs")
def quote(ctx: Ctx, bill: Bill) -> dict[str, Any]:
    return reference.quote(ctx, bill).as_dict()


def _select_one(ctx: Context) -> None:
    with ctx.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


class HealthOut(BaseModel):
    status: str
    database: str
    packs: str


@router.get("/health", response_model=HealthOut, summary="健康检查 Health")
async def health(ctx: Ctx) -> HealthOut:
    # async, with the database's answer in one hop to the thread pool (a `def` route's answer is validated in a
    # second hop)
    await in_thread(_select_one, ctx)
    return HealthOut(status="ok", database=ctx.engine.dialect.name, packs=f"{ctx.packs.name}@{ctx.packs.version}")
