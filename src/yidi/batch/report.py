"""The simulation report: an HTML page with inline SVG charts, CSV detail and an Excel workbook.

Charts are hand-written SVG text inside the HTML, so Chinese labels render with the reader's browser
fonts: nothing needs a CJK font on the machine that makes the report.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl

from yidi.batch.simulate import DIMENSIONS, Result
from yidi.batch.svgtext import fit, text_width
from yidi.domain.money import from_fen

BASE_COLOUR, PROP_COLOUR, UP, DOWN = "#7b8fa6", "#d9822b", "#c0392b", "#2e8b57"


def yuan(f: int) -> str:
    return f"{from_fen(int(f)):,}"


def nice_step(span: int, parts: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `parts` intervals."""
    raw = max(1, -(-span // parts))
    mag = 10 ** (len(str(raw)) - 1)
    return int(next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw))


def tick_text(v: int, step: int, *, count: bool = False) -> str:
    """An axis tick: a count as it is; money (fen) in 万元 once the axis reaches 10,000 yuan, else in 元, with
    just the decimals that tell neighbouring ticks apart (0, 2.5万, 5万 …; never 0.0万 at every tick)."""
    if count:
        return f"{v:,}"
    wan = step >= 100_000  # steps of 1,000 yuan or more read in 万
    d, s = (Decimal(v) / 1_000_000, Decimal(step) / 1_000_000) if wan else (Decimal(v) / 100, Decimal(step) / 100)
    places = max(0, -s.normalize().as_tuple().exponent)  # type: ignore[operator]
    return f"{d:,.{places}f}" + ("万" if wan else "")


def bars(title: str, labels: list[str], series: list[tuple[str, str, list[int]]], width: int = 360,
         *, count: bool = False) -> str:
    """Grouped bar chart (one group per label) as an SVG string, drawn at a phone's width: round ticks on the
    left axis, group labels under the axis (upright when they do not fit across), the legend one line each."""
    n, k = max(1, len(labels)), max(1, len(series))
    values = [x for _, _, v in series for x in v]
    lo, hi = min([*values, 0]), max([*values, 0])
    step = nice_step(hi - lo or 1)
    vmin = lo // step * step
    vmax = max(-(-hi // step) * step, vmin + step)
    left, top = 10 + int(max(text_width(tick_text(t, step, count=count), 12) for t in (vmin, vmax))), 40
    gw = (width - left - 8) / n
    upright = any(text_width(lab, 12) > gw - 4 for lab in labels)
    below = (max([text_width(lab, 12) for lab in labels] + [0]) + 12) if upright else 30
    plot_h = 180
    h = top + plot_h + below + 18 * len(series) + 6
    bw = max(2.0, gw * 0.8 / k)

    def y(v: int) -> float:
        return top + (vmax - v) / (vmax - vmin) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {h}" width="100%" '
             f'font-size="12" font-family="sans-serif" role="img"><title>{html.escape(title)}</title>',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13">{html.escape(fit(title, 13, width))}</text>',
             f'<line x1="{left}" x2="{width - 8}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#333"/>']
    for t in range(vmin, vmax + 1, step):
        parts.append(f'<text class="tick" x="{left - 4}" y="{y(t) + 4:.1f}" text-anchor="end">{tick_text(t, step, count=count)}</text>')
    for i, lab in enumerate(labels):
        x0 = left + i * gw + gw * 0.1
        for j, (_name, colour, vals) in enumerate(series):
            v = vals[i]
            y0, y1 = sorted((y(0), y(v)))
            what = f"{v:,} 人" if count else f"{yuan(v)} 元"
            parts.append(f'<rect x="{x0 + j * bw:.1f}" y="{y0:.1f}" width="{bw - 1:.1f}" height="{max(0.5, y1 - y0):.1f}" '
                         f'fill="{colour}"><title>{html.escape(lab)}: {what}</title></rect>')
        cx, base = left + i * gw + gw / 2, top + plot_h + 6
        if upright:
            parts.append(f'<text transform="translate({cx + 4:.1f},{base:.1f}) rotate(-90)" text-anchor="end">'
                         f'{html.escape(lab)}</text>')
        else:
            parts.append(f'<text x="{cx:.1f}" y="{base + 11:.1f}" text-anchor="middle">{html.escape(lab)}</text>')
    for j, (name, colour, _v) in enumerate(series):
        ly = top + plot_h + below + j * 18
        parts.append(f'<rect x="{left}" y="{ly}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + 14}" y="{ly + 9}">{html.escape(fit(name, 12, width - left - 22))}</text>')
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


def report_charts(res: Result, dist: pl.DataFrame | None = None,
                  name: Callable[[str, str], str] | None = None, lang: str | None = None) -> list[str]:
    """The report's inline SVG charts: fund spend by each dimension, and people by change in what they pay;
    `name(dimension, value)` words a value (a page passes its labels; the report file shows them as stored);
    `lang` "zh" or "en" writes titles and legends in that language alone (the report file has both)."""
    dist = distribution(res.people) if dist is None else dist

    def say(zh: str, en: str) -> str:
        return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"

    charts = []
    for dim, both in DIMENSIONS.items():
        df = res.by[dim]
        dim_zh, _, dim_en = both.partition(" ")
        labels = [name(dim, str(v)) if name else str(v) for v in df[dim].to_list()]
        charts.append(bars(say(f"基金支出（按{dim_zh}）", f"fund spend by {dim_en}") if lang else f"基金支出 fund spend by {both}",
                           labels, [
            (f"{say('现行', 'baseline')} {res.baseline_name}", BASE_COLOUR, df["baseline_fund"].to_list()),
            (f"{say('方案', 'proposal')} {res.proposal_name}", PROP_COLOUR, df["proposal_fund"].to_list())]))
    charts.append(bars(say("个人负担变化的人数分布（元）", "people by change in what they pay (yuan)"), dist["band_yuan"].to_list(),
                       [(say("人数", "people"), UP, dist["people"].to_list())], count=True))
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
