"""The advisor over HTTP: POST /api/v1/advice (a situation -> a plan) and GET /api/v1/advice/search?q=.

Both are open to anyone (no principal): a person asks before they have an account, and nothing personal
is stored or returned. The day is the service's today (Context.today), so tests can fix it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yidi.advisor.models import Plan, Situation
from yidi.advisor.plan import advise
from yidi.advisor.search import MAX_QUERY, search
from yidi.api.deps import Ctx
from yidi.http.json_body import JsonRoute

router = APIRouter(tags=["advisor 异地就医助手"], route_class=JsonRoute)


@router.post("/advice", response_model=Plan)
def post_advice(situation: Situation, ctx: Ctx) -> Plan:
    """异地就医助手：按您的情况给出能否直接结算、步骤、材料、期限和报销比例（未知的字段会变成问题）。"""
    return advise(situation, ctx.packs, ctx.today())


@router.get("/advice/search")
def get_advice_search(
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="问题原文 the question as typed")],
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
) -> dict[str, Any]:
    """问题搜索：返回最相关的话题和从问题中读出的情况（可直接用于 POST /advice）。"""
    return search(q, ctx.packs, limit)
