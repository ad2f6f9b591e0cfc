"""Policy simulation: re-adjudicate a period's settlements under a baseline and a proposed pack, compare.

Both packs see the same settlements (the whole years the period touches, so accumulators from bills
before the period count), and the report covers the settlements inside the period: fund spend by
insured region, month, visit type, filing type and hospital level; who pays more and how much; the
biggest changes, explained by re-running the per-bill engine on those few bills and the bills before
them in the person's year.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from yidi.batch.backend import PolarsBackend
from yidi.batch.plan import Plan, PlanStats
from yidi.batch.rows import AMOUNTS, bill_from_row, person_year_key, settlement_order
from yidi.domain.bill import YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.engine import calculate
from yidi.domain.error_catalogue import error
from yidi.domain.packset import PackSet

DIMENSIONS = {
    "insured_region": "参保地 insured region",
    "month": "结算月份 month",
    "visit_type": "就诊类型 visit type",
    "filing": "备案类型 filing type",
    "level": "医院等级 hospital level",
}
KEY_AMOUNTS = ["fund_pay_sumamt", "hifp_pay", "hifob_pay", "cvlserv_pay", "hifmi_pay", "maf_pay", "psn_part_amt",
               "act_pay_dedc", "acct_pay"]


@dataclass
class Explained:
    """One of the biggest changes with both breakdowns from the per-bill engine."""

    sid: int
    person: str
    fund_change: int
    person_change: int
    baseline: Breakdown
    proposal: Breakdown


@dataclass
class Result:
    """Everything the report shows (amounts in integer fen)."""

    period: tuple[dt.date, dt.date]
    baseline_name: str
    proposal_name: str
    detail: pl.DataFrame  # per settlement: dimensions, baseline and proposal amounts, changes
    by: dict[str, pl.DataFrame]
    people: pl.DataFrame  # per person: change in what they bear over the period
    totals: dict[str, int]
    explained: list[Explained] = field(default_factory=list)
    stats: dict[str, PlanStats] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def month_range(first: str, last: str) -> tuple[dt.date, dt.date]:
    """"2026-01", "2026-12" -> 2026-01-01, 2026-12-31."""
    y0, m0 = (int(x) for x in first.split("-"))
    y1, m1 = (int(x) for x in last.split("-"))
    end = dt.date(y1 + (m1 == 12), m1 % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(y0, m0, 1), end


def simulate(
    data: pl.DataFrame, baseline: PackSet, proposal: PackSet, period: tuple[dt.date, dt.date], *,
    top: int = 10, step: Callable[[str], None] | None = None,
) -> Result:
    """Recompute under both packs and compare; `step(label)` is called as each stage ends."""
    import time

    def tick(label: str) -> None:
        if step:
            step(label)

    years = list(range(period[0].year, period[1].year + 1))
    data = data.filter(pl.col("settlement_date").dt.year().is_in(years))
    seconds: dict[str, float] = {}
    stats: dict[str, PlanStats] = {}
    outs: dict[str, pl.DataFrame] = {}
    for name, packs in (("baseline", baseline), ("proposal", proposal)):
        t = time.perf_counter()
        plan = Plan(PolarsBackend(), packs)
        outs[name] = plan.run(data)
        seconds[name] = time.perf_counter() - t
        stats[name] = plan.stats
        tick(f"{name} recomputed")
    dims = data.select(
        "sid", "person", "insured_region", "visit_type", "level", "settlement_date",
        pl.col("settlement_date").dt.strftime("%Y-%m").alias("month"),
        pl.col("filing_type").fill_null("NONE").alias("filing"),
    )
    b = outs["baseline"].select("sid", *[pl.col(a).alias(f"b_{a}") for a in AMOUNTS])
    p = outs["proposal"].select("sid", *[pl.col(a).alias(f"p_{a}") for a in AMOUNTS])
    detail = dims.join(b, on="sid").join(p, on="sid").filter(
        pl.col("settlement_date").is_between(period[0], period[1]))
    detail = detail.with_columns(
        (pl.col("p_fund_pay_sumamt") - pl.col("b_fund_pay_sumamt")).alias("fund_change"),
        (pl.col("p_psn_part_amt") - pl.col("b_psn_part_amt")).alias("person_change"),
    ).sort("sid")
    by = {
        dim: detail.group_by(dim).agg(
            pl.len().alias("settlements"),
            pl.col("b_fund_pay_sumamt").sum().alias("baseline_fund"),
            pl.col("p_fund_pay_sumamt").sum().alias("proposal_fund"),
            pl.col("fund_change").sum(),
            pl.col("person_change").sum(),
        ).sort(dim)
        for dim in DIMENSIONS
    }
    people = detail.group_by("person").agg(pl.col("person_change").sum(), pl.len().alias("settlements"))
    totals = {f"baseline_{a}": int(detail[f"b_{a}"].sum()) for a in KEY_AMOUNTS}
    totals |= {f"proposal_{a}": int(detail[f"p_{a}"].sum()) for a in KEY_AMOUNTS}
    totals |= {"settlements": detail.height, "people": people.height,
               "people_pay_more": int((people["person_change"] > 0).sum()),
               "people_pay_less": int((people["person_change"] < 0).sum())}
    tick("compared")
    biggest = detail.sort(pl.col("fund_change").abs(), descending=True).head(top)
    explained = explain(data, baseline, proposal, biggest.rows(named=True))
    tick("biggest changes explained")
    return Result(period, f"{baseline.name}@{baseline.version}", f"{proposal.name}@{proposal.version}", detail, by,
                  people, totals, explained, stats, seconds)


def explain(data: pl.DataFrame, baseline: PackSet, proposal: PackSet, picks: list[dict[str, Any]]) -> list[Explained]:
    """Re-run the per-bill engine on each picked settlement, with the bills before it in its year."""
    out: list[Explained] = []
    for pick in picks:
        row = data.filter(pl.col("sid") == pick["sid"]).row(0, named=True)
        key = person_year_key(row)
        year_rows = [r for r in data.filter(
            (pl.col("person") == row["person"]) & (pl.col("insured_region") == row["insured_region"])
            & (pl.col("scheme") == row["scheme"]) & (pl.col("settlement_date").dt.year() == key[3])
        ).rows(named=True) if settlement_order(r) <= settlement_order(row)]
        result: dict[str, Breakdown] = {}
        for name, packs in (("baseline", baseline), ("proposal", proposal)):
            acc = YearAccumulators(year=key[3])
            for r in sorted(year_rows, key=settlement_order):
                bd = calculate(bill_from_row(r), packs, accumulators=acc, unknown_items="self_funded")
                assert bd.accumulators_after is not None
                acc = bd.accumulators_after
            result[name] = bd
        out.append(Explained(int(row["sid"]), row["person"], int(pick["fund_change"]), int(pick["person_change"]),
                             result["baseline"], result["proposal"]))
    return out


@dataclass(frozen=True)
class ProposalChange:
    """What the example proposal changes (a page may edit it): inpatient ratios + `ratio_points` points (capped
    at 0 and 100 %), the employee inpatient deductible at `deductible_pct` % of today's, and the cross-region
    cuts of temporary filers at `cut_pct` % of today's."""

    ratio_points: Decimal = Decimal(3)
    deductible_pct: Decimal = Decimal(80)
    cut_pct: Decimal = Decimal(50)


RATIO_POINTS_MAX = Decimal(30)  # the bounds a page may ask: ±30 points, 0–200 % of today's amounts
PCT_MAX = Decimal(200)
CHANGE_BOUNDS = {"ratio_points": (-RATIO_POINTS_MAX, RATIO_POINTS_MAX), "deductible_pct": (Decimal(0), PCT_MAX),
                 "cut_pct": (Decimal(0), PCT_MAX)}


def check_change(change: ProposalChange) -> None:
    """Each value inside its bound, else SIMULATE_PROPOSAL_INVALID naming the field."""
    for name, (lo, hi) in CHANGE_BOUNDS.items():
        v = getattr(change, name)
        if not lo <= v <= hi or v != v.quantize(Decimal("0.1")):
            raise error("SIMULATE_PROPOSAL_INVALID", field=name, lo=lo, hi=hi)


def change_from_text(values: dict[str, str]) -> ProposalChange:
    """The proposal's changes as typed on a page (each a number with at most one decimal, inside its bound)."""
    from decimal import InvalidOperation

    got: dict[str, Decimal] = {}
    for name, (lo, hi) in CHANGE_BOUNDS.items():
        text = values.get(name, "").strip()
        try:
            got[name] = Decimal(text) if len(text) <= 8 else Decimal("NaN")
        except InvalidOperation:
            got[name] = Decimal("NaN")
        if not got[name].is_finite():
            raise error("SIMULATE_PROPOSAL_INVALID", field=name, lo=lo, hi=hi)
    change = ProposalChange(**got)
    check_change(change)
    return change


def example_proposal(baseline_dir: Path, target: Path, change: ProposalChange | None = None) -> Path:
    """A changed copy of a pack for trying simulate: by default every inpatient ratio +3 points (at most
    100 %), the employee inpatient deductible lowered by 20 %, and temporary-filer cuts halved."""
    from yidi.policies.loader import read_data

    c = change or ProposalChange()
    points, ded_factor, cut_factor = c.ratio_points / 100, c.deductible_pct / 100, c.cut_pct / 100

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(baseline_dir, target)
    for f in sorted((target / "policies").glob("*.yaml")):
        raw = read_data(f)
        for v in raw.get("versions", []):
            for sname, sp in (v.get("schemes") or {}).items():
                ip = (sp.get("benefits") or {}).get("INPATIENT")
                if not ip:
                    continue
                for row in (ip.get("tiers") or {}).values():
                    for tiers in row.values():
                        for t in tiers:
                            t["ratio"] = str(max(Decimal(0), min(Decimal(1), Decimal(str(t["ratio"])) + points)))
                ded = ip.get("deductible") or {}
                if sname == "EMPLOYEE":
                    for row in (ded.get("amounts") or {}).values():
                        for lv, amt in row.items():
                            row[lv] = str((Decimal(str(amt)) * ded_factor).quantize(Decimal("0.01")))
            cut = (v.get("cross_region") or {}).get("cut")
            if cut:
                for ft, pts in cut.items():
                    cut[ft] = str((Decimal(str(pts)) * cut_factor).quantize(Decimal("0.01")))
        f.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    meta = target / "pack.yaml"
    m = read_data(meta)
    m["version"] = f"{m.get('version', '')}-proposal"
    meta.write_text(yaml.safe_dump(m, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
