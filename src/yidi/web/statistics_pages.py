"""统计月报 page: one month's cross-region figures as narrow bar charts and tables, with the CSV beside them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from yidi.domain.errors import YidiError
from yidi.domain.money import from_fen
from yidi.services import statistics
from yidi.web import charts
from yidi.web.auth import Who
from yidi.web.common import ctx_of, lang, page, plain_params, problems
from yidi.web.labels import label

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])


def _bars(title: str, rows: list[tuple[str, Any]], places: int = 0) -> Any:
    # drawn at a phone's width: 360 user units shown at about 1:1 on a 390-px screen keep 13-px labels legible;
    # 150 units of label fit the longest filing type (其他临时外出就医人员, ten characters)
    return charts.bars(title, rows, width=360, label_w=150, places=places)


def _charts(fig: dict[str, Any], lg: str) -> list[Any]:
    def t(zh: str, en: str) -> str:
        return en if lg == "en" else zh

    def prov(code: str, name: str) -> str:
        return name or code

    figs = []
    if fig["by_visit_type"]:
        figs.append(_bars(t("按就医类型：结算人次", "Settlements by visit type"),
                                [(label("visit_type", r["visit_type"], lg), r["settlements"]) for r in fig["by_visit_type"]]))
        figs.append(_bars(t("按就医类型：基金支付（元）", "Fund paid by visit type (yuan)"),
                                [(label("visit_type", r["visit_type"], lg), from_fen(r["fund_paid_fen"]))
                                 for r in fig["by_visit_type"]], places=2))
    pairs = fig["by_province_pair"][:12]  # the busiest pairs: a phone shows a dozen bars readably
    if pairs:
        figs.append(_bars(t("参保省→就医省：结算人次", "Insured → treatment province: settlements"),
                                [(f'{prov(r["insured_province"], r["insured_province_name"])}→'
                                  f'{prov(r["treatment_province"], r["treatment_province_name"])}', r["settlements"])
                                 for r in pairs]))
    if fig["filings_by_type"]:
        figs.append(_bars(t("新增备案（按类型）", "New filings by type"),
                                [(label("filing_type", r["filing_type"], lg), r["filings"]) for r in fig["filings_by_type"]]))
    return figs


@router.get("/agency/statistics", response_class=Response)
def statistics_page(request: Request, who: Who, month: str = "") -> Response:
    """统计月报: last month by default; agency staff their insured region, the clearing centre the nation."""
    ctx = ctx_of(request)
    default = (ctx.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    shown = month or default
    try:
        fig = statistics.month_figures(ctx, who, shown)
    except YidiError as err:
        return page(request, "agency/statistics.html", status=err.status, month=shown, fig=None, figs=[],
                    problems=problems(err), fen=from_fen)
    return page(request, "agency/statistics.html", month=shown, fig=fig, figs=_charts(fig, lang(request)),
                problems={}, fen=from_fen)
