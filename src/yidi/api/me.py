"""The person's own door: `GET /api/v1/me/export`, everything yidi holds about the caller (issue 8)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from yidi.api.deps import Caller, Ctx
from yidi.http.json_body import JsonRoute
from yidi.services import personal_data

router = APIRouter(prefix="/me", tags=["me 个人数据"], route_class=JsonRoute)


@router.get("/export", summary="导出我的个人数据 Export everything held about me (JSON)")
def export(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    return personal_data.export_person(ctx, caller)
