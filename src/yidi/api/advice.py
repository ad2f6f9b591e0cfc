"""The advisor over HTTP: POST /api/v1/advice (a situation -> a plan) and GET /api/v1/advice/search?q=.

Both are open to anyone: a person asks before they have an account, and nothing personal is stored or
returned. When a signed-in person asks, their insurance record fills the insured region, scheme and
category the situation leaves open (explicit fields still win), as on the advisor page. The day is the service's today (Context.today), so tests can fix it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from yidi.advisor.models import Plan, Situation
from yidi.advisor.plan import advise
from yidi.advisor.search import MAX_QUERY, search
from yidi.api.deps import Ctx
from yidi.http.json_body import JsonRoute
from yidi.http.security import optional_principal
from yidi.services import profile
from yidi.services.access import Principal

router = APIRouter(tags=["advisor 异地就医助手"], route_class=JsonRoute)


@router.post("/advice", response_model=Plan)
def post_advice(situation: Situation, ctx: Ctx,
                who: Annotated[Principal | None, Depends(optional_principal)]) -> Plan:
    """异地就医助手：按您的情况给出能否直接结算、步骤、材料、期限和报销比例（未知的字段会变成问题）。
    已登录的参保人：参保地、险种和人员类别取自本人参保信息（请求里明确给出的除外）。"""
    account = profile.own_situation(ctx, who)
    open_fields = {k: v for k, v in account.items() if getattr(situation, k) is None}
    if open_fields:  # validated like the body itself (a record's region passes the same RegionCode check)
        situation = Situation.model_validate({**situation.model_dump(exclude_none=True), **open_fields})
    return advise(situation, ctx.packs, ctx.today())


@router.get("/advice/search")
def get_advice_search(
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="问题原文 the question as typed")],
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
) -> dict[str, Any]:
    """问题搜索：返回最相关的话题和从问题中读出的情况（可直接用于 POST /advice）。"""
    return search(q, ctx.packs, limit)
