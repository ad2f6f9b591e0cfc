"""The simulation report: an HTML page with inline SVG charts, CSV detail and an Excel workbook.

Charts are hand-written SVG text inside the HTML, so Chinese labels render with the reader's browser
fonts: nothing needs a CJK font on the machine that makes the report.
"""

from __future__ import annotations

import html
from pathlib import Path

import polars as pl

from yidi.batch.simulate import DIMENSIONS, Result
from yidi.domain.money import from_fen

BASE_COLOUR, PROP_COLOUR, UP, DOWN = "#7b8fa6", "#d9822b", "#c0392b", "#2e8b57"


def yuan(f: int) -> str:
    return f"{from_fen(int(f)):,}"


def _wan(f: float) -> str:
    return f"{f / 1_000_000:,.1f}万"  # fen -> 10,000 yuan


def bars(title: str, labels: list[str], series: list[tuple[str, str, list[int]]], width: int = 760) -> str:
    """Grouped bar chart (one group per label) as an SVG string."""
    h, top, left, bottom = 300, 36, 70, 70
    n, k = max(1, len(labels)), max(1, len(series))
    vmax = max([max(v) for _, _, v in series if v] + [1])
    vmin = min([min(v) for _, _, v in series if v] + [0])
    span = (vmax - vmin) or 1
    plot_h = h - top - bottom
    gw = (width - left - 10) / n
    bw = max(2.0, gw * 0.8 / k)

    def y(v: float) -> float:
        return top + (vmax - v) / span * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" font-size="11" font-family="sans-serif">',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{html.escape(title)}</text>',
             f'<line x1="{left}" x2="{width - 10}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#333"/>']
    for frac in (0, 0.5, 1):
        v = vmin + span * frac
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{_wan(v)}</text>')
    for i, lab in enumerate(labels):
        x0 = left + i * gw + gw * 0.1
        for j, (_name, colour, vals) in enumerate(series):
            v = vals[i]
            y0, y1 = sorted((y(0), y(v)))
            parts.append(f'<rect x="{x0 + j * bw:.1f}" y="{y0:.1f}" width="{bw - 1:.1f}" height="{max(0.5, y1 - y0):.1f}" '
                         f'fill="{colour}"><title>{html.escape(lab)}: {yuan(v)} 元</title></rect>')
        parts.append(f'<text transform="translate({x0 + gw * 0.4:.1f},{h - bottom + 14}) rotate(35)">{html.escape(lab)}</text>')
    for j, (name, colour, _v) in enumerate(series):
        parts.append(f'<rect x="{left + j * 150}" y="{h - 18}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + j * 150 + 14}" y="{h - 9}">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def distribution(people: pl.DataFrame) -> pl.DataFrame:
    """People by the change in what they bear, in yuan bands (lower bound excluded, upper included)."""
    bands = [(None, -100_000, "≤ -1000"), (-100_000, -10_000, "-1000…-100"), (-10_000, -1_000, "-100…-10"),
             (-1_000, -1, "-10…0"), (-1, 0, "0"), (0, 1_000, "0…10"), (1_000, 10_000, "10…100"),
             (10_000, 100_000, "100…1000"), (100_000, None, "> 1000")]
    x = people["person_change"]
    counts = []
    for lo, hi, _name in bands:
        m = pl.Series([True] * len(x))
        if lo is not None:
            m = m & (x > lo)
        if hi is not None:
            m = m & (x <= hi)
        counts.append(int(m.sum()))
    return pl.DataFrame({"band_yuan": [b[2] for b in bands], "people": counts})


def report_charts(res: Result, dist: pl.DataFrame | None = None) -> list[str]:
    """The report's inline SVG charts: fund spend by each dimension, and people by change in what they pay."""
    dist = distribution(res.people) if dist is None else dist
    charts = []
    for dim, zh in DIMENSIONS.items():
        df = res.by[dim]
        labels = [str(v) for v in df[dim].to_list()]
        charts.append(bars(f"基金支出 fund spend by {zh}", labels, [
            (f"现行 baseline {res.baseline_name}", BASE_COLOUR, df["baseline_fund"].to_list()),
            (f"方案 proposal {res.proposal_name}", PROP_COLOUR, df["proposal_fund"].to_list())]))
    charts.append(bars("个人负担变化的人数分布 people by change in what they pay (yuan)", dist["band_yuan"].to_list(),
                       [("人数 people (×100 to read as count)", UP, [c * 100 for c in dist["people"].to_list()])]))
    return charts


def write_report(res: Result, out: Path) -> dict[str, Path]:
    """Write report.html, detail.csv, by_<dimension>.csv, people.csv and simulate.xlsx into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["detail"] = out / "detail.csv"
    res.detail.write_csv(files["detail"])
    for dim, df in res.by.items():
        files[f"by_{dim}"] = out / f"by_{dim}.csv"
        df.write_csv(files[f"by_{dim}"])
    files["people"] = out / "people.csv"
    res.people.sort("person_change", descending=True).write_csv(files["people"])
    dist = distribution(res.people)

    t = res.totals
    charts = report_charts(res, dist)
    rows = "".join(
        f"<tr><td>{e.sid}</td><td>{html.escape(e.person[:6])}********{html.escape(e.person[-4:])}</td>"
        f"<td>{yuan(e.fund_change)}</td><td>{yuan(e.person_change)}</td>"
        f"<td><ol>{''.join(f'<li>{html.escape(s.text_zh)}</li>' for s in e.baseline.steps)}</ol></td>"
        f"<td><ol>{''.join(f'<li>{html.escape(s.text_zh)}</li>' for s in e.proposal.steps)}</ol></td></tr>"
        for e in res.explained)
    summary = "".join(
        f"<tr><td>{a}</td><td>{yuan(t['baseline_' + a])}</td><td>{yuan(t['proposal_' + a])}</td>"
        f"<td>{yuan(t['proposal_' + a] - t['baseline_' + a])}</td></tr>"
        for a in ("fund_pay_sumamt", "hifp_pay", "hifob_pay", "hifmi_pay", "maf_pay", "psn_part_amt", "act_pay_dedc"))
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>政策模拟 policy simulation</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}
table{{border-collapse:collapse;margin:1em 0}}ol{{margin:0;padding-left:1.2em;font-size:12px}}</style></head><body>
<h1>政策模拟 Policy simulation</h1>
<p>期间 period {res.period[0]} – {res.period[1]}；现行 baseline <b>{html.escape(res.baseline_name)}</b>，
方案 proposal <b>{html.escape(res.proposal_name)}</b>；结算 {t['settlements']:,} 笔，参保人 {t['people']:,} 人；
个人负担增加 {t['people_pay_more']:,} 人，减少 {t['people_pay_less']:,} 人。</p>
<table><tr><th>amount</th><th>现行 baseline (元)</th><th>方案 proposal (元)</th><th>变化 change (元)</th></tr>{summary}</table>
{''.join(f'<div>{c}</div>' for c in charts)}
<h2>个人负担变化分布 people by change in what they pay</h2>
<table><tr><th>change (yuan)</th><th>people</th></tr>{''.join(f'<tr><td>{b}</td><td>{n:,}</td></tr>' for b, n in dist.rows())}</table>
<h2>变化最大的结算 biggest changes (per-bill engine explanation)</h2>
<table><tr><th>settlement</th><th>person</th><th>fund change</th><th>person change</th><th>现行 baseline</th><th>方案 proposal</th></tr>{rows}</table>
</body></html>"""
    files["html"] = out / "report.html"
    files["html"].write_text(page, encoding="utf-8")

    from openpyxl import Workbook  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "summary"
    ws.append(["amount", "baseline_fen", "proposal_fen", "change_fen"])
    for a in ("fund_pay_sumamt", "hifp_pay", "hifob_pay", "hifmi_pay", "maf_pay", "psn_part_amt", "act_pay_dedc"):
        ws.append([a, t["baseline_" + a], t["proposal_" + a], t["proposal_" + a] - t["baseline_" + a]])
    for dim, df in res.by.items():
        sh = wb.create_sheet(f"by_{dim}")
        sh.append(df.columns)
        for r in df.rows():
            sh.append(list(r))
    sh = wb.create_sheet("people_bands")
    sh.append(dist.columns)
    for r in dist.rows():
        sh.append(list(r))
    sh = wb.create_sheet("biggest")
    sh.append(["sid", "fund_change_fen", "person_change_fen"])
    for e in res.explained:
        sh.append([e.sid, e.fund_change, e.person_change])
    files["xlsx"] = out / "simulate.xlsx"
    wb.save(files["xlsx"])
    return files
