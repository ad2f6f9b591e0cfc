"""统计月报: the monthly cross-region figures for agency staff (their insured region) and the clearing centre (national)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from yidi.domain.clearing import Month
from yidi.domain.enums import FilingType, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import from_fen
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context

NATIONAL = "000000"  # the national clearing centre's code


def month_of(text: str) -> Month:
    """The month written YYYY-MM; anything else is STATISTICS_MONTH_INVALID (422), checked before any read."""
    try:
        return Month.parse(text)
    except ValueError:
        raise error("STATISTICS_MONTH_INVALID", text=text) from None


def scope_of(principal: Principal) -> str | None:
    """Agency staff see their own insured region (a provincial agency: its province); the national clearing
    centre the nation (None), a provincial one its province."""
    require(principal, Role.AGENCY, Role.CLEARING, what_zh="查看统计月报", what_en="read the monthly statistics")
    return None if principal.role is Role.CLEARING and principal.subject == NATIONAL else principal.subject


def _avg(days: int, n: int) -> str | None:
    # one decimal of a day, rounded half up from the exact total (no float)
    return str((Decimal(days) / n).quantize(Decimal("0.1"))) if n else None


def month_figures(ctx: Context, principal: Principal, month: str) -> dict[str, Any]:
    """The figures of one month for the caller's scope; amounts in fen and in yuan (Decimal text)."""
    m = month_of(month)
    region = scope_of(principal)
    with ctx.uow() as uow:
        f = uow.statistics.month(m.start, m.end, region)
    regions = ctx.packs.regions.values()
    names = {r.province: r.province_name for r in regions if r.province_name} | {r.code: r.name for r in regions}
    c = f.claims

    def amounts(n: int, fen: int) -> dict[str, Any]:
        return {"settlements": n, "fund_paid_fen": fen, "fund_paid": str(from_fen(fen))}

    return {
        "month": str(m), "region": region, "region_name": names.get(region or "", "全国" if region is None else ""),
        "settlements": sum(n for n, _ in f.by_visit_type.values()),
        "fund_paid_fen": sum(v for _, v in f.by_visit_type.values()),
        "by_visit_type": [{"visit_type": k, **amounts(n, v)} for k, (n, v) in sorted(f.by_visit_type.items())],
        "by_province_pair": [{"insured_province": a, "insured_province_name": names.get(a, ""),
                              "treatment_province": b, "treatment_province_name": names.get(b, ""), **amounts(n, v)}
                             for (a, b), (n, v) in sorted(f.by_pair.items(), key=lambda kv: (-kv[1][0], kv[0]))],
        "filings_by_type": [{"filing_type": k, "filings": n} for k, n in sorted(f.filings_by_type.items())],
        "networked_institutions": f.networked_total,
        "networked_by_visit_type": [{"visit_type": k, "institutions": n} for k, n in sorted(f.networked_by_type.items())],
        "claims": {"submitted": c.submitted, "decided": c.decided, "approved": c.approved, "rejected": c.rejected,
                   "paid": c.paid, "avg_days_to_decision": _avg(c.decided_days, c.decided),
                   "avg_days_to_payment": _avg(c.paid_days, c.paid)},
    }


def figures_csv(fig: dict[str, Any]) -> str:
    """The figures as one CSV table (UTF-8 with BOM, so Excel opens the Chinese names): section, code, name,
    count, fund paid in yuan; the claims' averages are in days."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["统计项 section", "编码 code", "名称 name", "数量 count", "基金支付(元) fund paid (yuan) / 天 days"])
    for r in fig["by_visit_type"]:
        w.writerow(["settlements_by_visit_type", r["visit_type"], VisitType(r["visit_type"]).zh, r["settlements"],
                    r["fund_paid"]])
    for r in fig["by_province_pair"]:
        w.writerow(["settlements_by_province_pair", f'{r["insured_province"]}->{r["treatment_province"]}',
                    f'{r["insured_province_name"]}→{r["treatment_province_name"]}', r["settlements"], r["fund_paid"]])
    for r in fig["filings_by_type"]:
        w.writerow(["filings_by_type", r["filing_type"], FilingType(r["filing_type"]).zh, r["filings"], ""])
    w.writerow(["networked_institutions", "ALL", "联网定点医疗机构", fig["networked_institutions"], ""])
    for r in fig["networked_by_visit_type"]:
        w.writerow(["networked_by_visit_type", r["visit_type"], VisitType(r["visit_type"]).zh, r["institutions"], ""])
    c = fig["claims"]
    for key, zh in (("submitted", "手工报销申请"), ("decided", "审核办结"), ("approved", "审核通过"),
                    ("rejected", "不予报销"), ("paid", "已支付")):
        w.writerow(["manual_claims", key, zh, c[key], ""])
    w.writerow(["manual_claims", "avg_days_to_decision", "平均办结天数", "", c["avg_days_to_decision"] or ""])
    w.writerow(["manual_claims", "avg_days_to_payment", "平均支付天数", "", c["avg_days_to_payment"] or ""])
    return "\ufeff" + out.getvalue()
