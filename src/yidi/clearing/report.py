"""Clearing statements per agency (CSV, Excel) and the printable HTML report with inline SVG charts.

Amounts are shown in yuan with two decimals, converted from fen exactly (Decimal), never through float.
Charts are SVG drawn here as text: the labels are plain <text> elements, so the reader's browser renders
the Chinese with its own fonts — nothing needs a CJK font on the machine that makes the report.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]

from yidi.clearing.definition import REASONS
from yidi.domain.clearing import MonthView

FUNDS = (("hifp_fen", "统筹基金 pooled fund"), ("hifob_fen", "大额补助 large-amount subsidy"),
         ("cvlserv_fen", "公务员补助 civil-servant subsidy"), ("hifmi_fen", "大病保险 critical illness"),
         ("maf_fen", "医疗救助 medical assistance"))

PAIR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("treatment_region", "就医地 treatment region"), ("insured_region", "参保地 insured region"),
    ("n_settle", "结算笔数 settlements"), ("n_revoke", "撤销/调减笔数 taken back"),
    ("n_adjust", "调整笔数 adjustments"), ("medfee_fen", "医疗费总额 total cost"), *FUNDS,
    ("fund_fen", "基金支付合计 funds total"), ("acct_fen", "个人账户 personal account"),
    ("cash_fen", "现金 cash"), ("cleared_fen", "清算金额 cleared (funds + account)"),
    ("adjust_fen", "其中往月调整 of which adjustments"),
)
HOSPITAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("institution", "医疗机构 institution"), ("treatment_region", "就医地 treatment region"),
    ("n_settle", "结算笔数 settlements"), ("n_revoke", "撤销/调减笔数 taken back"),
    ("n_adjust", "调整笔数 adjustments"), ("medfee_fen", "医疗费总额 total cost"),
    ("fund_fen", "基金支付 funds"), ("acct_fen", "个人账户 personal account"), ("cash_fen", "现金 cash"),
    ("owed_fen", "应付医疗机构 owed to the institution"), ("adjust_fen", "其中往月调整 of which adjustments"),
)


def yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def _fmt(fen: int) -> str:
    return f"{yuan(fen):,}"


def statement_rows(view: MonthView, region: str) -> list[dict[str, Any]]:
    """One row per line of the agency: receivable (its hospitals treated others' insured), payable (its
    insured were treated elsewhere), and what it owes each of its hospitals."""
    mine = view.for_region(region)
    rows: list[dict[str, Any]] = []
    for p in mine.pairs:
        side = "应收 receivable" if _is_side(region, p["treatment_region"]) else "应付 payable"
        other = p["insured_region"] if side.startswith("应收") else p["treatment_region"]
        rows.append({"kind": side, "counterpart": other, "counterpart_name": view.name(other), **p})
    for h in mine.hospitals:
        rows.append({"kind": "应付医疗机构 owed to hospital", "counterpart": h["institution"],
                     "counterpart_name": "", "treatment_region": h["treatment_region"], "insured_region": "",
                     **{k: h.get(k, 0) for k in ("n_settle", "n_revoke", "n_adjust", "medfee_fen", "fund_fen",
                                                 "acct_fen", "cash_fen", "adjust_fen")},
                     "cleared_fen": h["owed_fen"]})
    return rows


def _is_side(region: str, code: str) -> bool:
    return region == code or (region.endswith("0000") and code[:2] == region[:2])


STATEMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", "类别 kind"), ("counterpart", "对方 counterpart"), ("counterpart_name", "名称 name"),
    *PAIR_COLUMNS,
)


def statement_csv(view: MonthView, region: str) -> str:
    """对账单 the agency's statement as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"清算月份 month {view.run['month']}", f"经办机构 agency {region} {view.name(region)}",
                f"状态 status {view.run['status']}"])
    w.writerow([label for _, label in STATEMENT_COLUMNS])
    for r in statement_rows(view, region):
        w.writerow([_cell(k, r.get(k, "")) for k, _ in STATEMENT_COLUMNS])
    return "\ufeff" + buf.getvalue()


def _cell(key: str, v: Any) -> Any:
    return str(yuan(v)) if key.endswith("_fen") and v != "" and v is not None else v


def statement_xlsx(view: MonthView, region: str, items: Sequence[dict[str, Any]] = ()) -> bytes:
    """The agency's statement as an Excel workbook: summary, lines, hospitals, settlements, disputes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总 summary"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    rows = statement_rows(view, region)
    recv = sum(r["cleared_fen"] for r in rows if r["kind"].startswith("应收"))
    pay = sum(r["cleared_fen"] for r in rows if r["kind"].startswith("应付 "))
    conf = next((c["status"] for c in view.confirmations if c["region"] == region), "待确认 PENDING")
    for line in (("清算月份 month", view.run["month"]), ("经办机构 agency", f"{region} {view.name(region)}"),
                 ("清算状态 status", view.run["status"]), ("确认状态 confirmation", conf),
                 ("应收合计 receivable (yuan)", yuan(recv)), ("应付合计 payable (yuan)", yuan(pay)),
                 ("净额 net (yuan)", yuan(recv - pay)), ("计算引擎 engine", view.run["engine"]),
                 ("校验码 content hash", view.run["content_hash"])):
        ws.append(list(line))
        ws.cell(ws.max_row, 1).font = bold
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40
    for r in range(5, 8):
        ws.cell(r, 2).number_format = "#,##0.00"

    def sheet(title: str, cols: Sequence[tuple[str, str]], data: Sequence[dict[str, Any]]) -> None:
        s = wb.create_sheet(title)
        s.append([label for _, label in cols])
        for c in s[1]:
            c.font, c.fill = bold, head_fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for d in data:
            s.append([yuan(d.get(k) or 0) if k.endswith("_fen") else d.get(k, "") for k, _ in cols])
        for i, (k, _) in enumerate(cols, start=1):
            s.column_dimensions[s.cell(1, i).column_letter].width = 16
            if k.endswith("_fen"):
                for row in s.iter_rows(min_row=2, min_col=i, max_col=i):
                    row[0].number_format = "#,##0.00"
        s.freeze_panes = "A2"

    mine = view.for_region(region)
    sheet("明细 lines", STATEMENT_COLUMNS, [r for r in rows if not r["kind"].startswith("应付医疗机构")])
    sheet("医疗机构 hospitals", HOSPITAL_COLUMNS, mine.hospitals)
    sheet("结算 settlements", (("setl_id", "结算号 setl_id"), ("reason", "原因 reason"), ("delta", "方向 delta"),
                               ("adjustment", "调整 adjustment"), ("institution", "医疗机构 institution"),
                               ("treatment_region", "就医地"), ("insured_region", "参保地"),
                               ("settlement_date", "结算日期"), ("revoked_on", "撤销日期"),
                               ("cleared_fen", "清算金额 cleared")),
          [{**i, "reason": REASONS.get(i["reason"], i["reason"])} for i in items])
    sheet("争议 disputes", (("dispute_id", "编号 id"), ("region", "提出方 raised by"), ("reason", "理由 reason"),
                            ("status", "状态 status"), ("effective_month", "调整月份 lands in"),
                            ("amount_fen", "金额 amount")), mine.disputes)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- charts

def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def svg_positions(view: MonthView) -> str:
    """Horizontal diverging bars: each province's net position (green receives, red pays)."""
    rows = [(p["province"], int(p["net_fen"])) for p in view.provinces]
    if not rows:
        return "<p>无数据 no data</p>"
    w, bar_h, label_w = 720, 26, 150
    h = bar_h * len(rows) + 40
    mid = label_w + (w - label_w) // 2
    scale = max(abs(v) for _, v in rows) or 1
    half = (w - label_w) // 2 - 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
           f'aria-label="各省净头寸 net position by province">',
           f'<line x1="{mid}" y1="10" x2="{mid}" y2="{h - 20}" stroke="#888"/>']
    for i, (code, v) in enumerate(rows):
        y = 15 + i * bar_h
        length = round(abs(v) * half / scale)
        x = mid if v >= 0 else mid - length
        colour = "#2e7d32" if v >= 0 else "#c62828"
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">{_esc(view.name(code))}</text>')
        out.append(f'<rect x="{x}" y="{y + 3}" width="{max(length, 1)}" height="{bar_h - 8}" fill="{colour}"/>')
        tx, anchor = (mid + length + 4, "start") if v >= 0 else (mid - length - 4, "end")
        out.append(f'<text x="{tx}" y="{y + 16}" text-anchor="{anchor}" font-size="11">{_fmt(v)}</text>')
    out.append(f'<text x="{mid - 6}" y="{h - 5}" text-anchor="end" font-size="11" fill="#c62828">← 应付 pays</text>')
    out.append(f'<text x="{mid + 6}" y="{h - 5}" font-size="11" fill="#2e7d32">应收 receives →</text>')
    out.append("</svg>")
    return "\n".join(out)


def svg_flow(view: MonthView) -> str:
    """The month's flow between provinces: payers (insured) on the left, payees (treatment) on the right,
    band width in proportion to the gross amount."""
    flows = [(n["payer_province"], n["payee_province"], int(n["gross_fen"])) for n in view.netting
             if int(n["gross_fen"]) > 0]
    if not flows:
        return "<p>无跨省流量 no cross-province flow</p>"
    provs = sorted({p for f in flows for p in f[:2]})
    w, row_h, top = 720, 44, 20
    h = top * 2 + row_h * len(provs)
    lx, rx = 170, 550
    y = {p: top + i * row_h + row_h // 2 for i, p in enumerate(provs)}
    biggest = max(v for *_, v in flows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
           f'aria-label="省际资金流向 flow between provinces">']
    palette = ["#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#558b2f", "#ad1457", "#4e342e", "#283593"]
    for i, (a, b, v) in enumerate(sorted(flows, key=lambda f: -f[2])):
        sw = max(1.0, 18 * v / biggest)
        c = palette[provs.index(a) % len(palette)]
        out.append(f'<path d="M{lx},{y[a]} C{(lx + rx) // 2},{y[a]} {(lx + rx) // 2},{y[b]} {rx},{y[b]}" '
                   f'stroke="{c}" stroke-opacity="0.55" stroke-width="{sw:.1f}" fill="none">'
                   f'<title>{_esc(view.name(a))} → {_esc(view.name(b))}: {_fmt(v)}</title></path>')
        if i < 12:  # label the largest flows only, or the middle becomes unreadable
            out.append(f'<text x="{(lx + rx) // 2}" y="{(y[a] + y[b]) // 2 - 3}" text-anchor="middle" '
                       f'font-size="10" fill="#333">{_fmt(v)}</text>')
    for p in provs:
        out.append(f'<text x="{lx - 8}" y="{y[p] + 4}" text-anchor="end" font-size="13">{_esc(view.name(p))}</text>')
        out.append(f'<text x="{rx + 8}" y="{y[p] + 4}" font-size="13">{_esc(view.name(p))}</text>')
    out.append(f'<text x="{lx}" y="14" text-anchor="middle" font-size="11" fill="#555">参保地 pays</text>')
    out.append(f'<text x="{rx}" y="14" text-anchor="middle" font-size="11" fill="#555">就医地 receives</text>')
    out.append("</svg>")
    return "\n".join(out)


# -------------------------------------------------------------------------------------------- report

CSS = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 2em;
       color: #222; max-width: 1100px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; } th { background: #eef3f8; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.alert { color: #b71c1c; font-weight: bold; } .ok { color: #2e7d32; } .muted { color: #666; font-size: 12px; }
.figure { page-break-inside: avoid; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } table { page-break-inside: auto; }
               tr { page-break-inside: avoid; } }
"""


def _table(cols: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]], view: MonthView) -> str:
    head = "".join(f"<th>{_esc(label)}</th>" for _, label in cols)
    body = []
    for r in rows:
        cells = []
        for k, _ in cols:
            v = r.get(k, "")
            if k.endswith("_fen"):
                cells.append(f'<td class="n">{_fmt(v or 0)}</td>')
            elif isinstance(v, int) and not isinstance(v, bool):
                cells.append(f'<td class="n">{v:,}</td>')
            elif k.endswith(("region", "province")) and v:
                cells.append(f"<td>{_esc(v)} {_esc(view.name(v))}</td>")
            else:
                cells.append(f"<td>{_esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_report(view: MonthView, region: str | None = None) -> str:
    """The month's report (or an agency's part of it) as one self-contained, printable HTML page."""
    v = view.for_region(region) if region else view
    run = view.run
    who = f"{region} {view.name(region)}" if region else "全国 national"
    total = sum(p["cleared_fen"] for p in v.pairs)
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>异地就医清算 {run['month']} clearing — {_esc(who)}</title><style>{CSS}</style></head><body>",
        f"<h1>异地就医费用清算报告 Cross-region clearing report — {run['month']}</h1>",
        f'<p>{_esc(who)} · 状态 status <b>{_esc(run["status"])}</b> · 引擎 engine {_esc(run["engine"])} · '
        f'清算结算 {run["items"]:,} settlements moved · 清算金额 cleared <b>{_fmt(total)}</b> 元 yuan · '
        f'其中往月调整 of which adjustments {_fmt(sum(p["adjust_fen"] for p in v.pairs))} 元</p>',
        f'<p class="muted">运行 run {run["runs"]} 次 times, 最近 last {_esc(run["run_at"])}'
        f'{", 关账 closed " + _esc(run["closed_at"]) if run.get("closed_at") else ""} · '
        f'校验码 hash {_esc(run["content_hash"][:16])}… · 金额单位：元 amounts in yuan</p>',
        '<h2>各省净头寸 Net position by province (after netting)</h2>',
        f'<div class="figure">{svg_positions(view)}</div>',
        _table((("province", "省 province"), ("receivable_fen", "应收 receivable"), ("payable_fen", "应付 payable"),
                ("net_fen", "净额 net"), ("intra_fen", "省内跨统筹区 within province")), view.provinces, view),
        '<h2>本月资金流向 Flow of the month (insured province → treatment province)</h2>',
        f'<div class="figure">{svg_flow(view)}</div>',
        _table((("payer_province", "付方 payer (参保地)"), ("payee_province", "收方 payee (就医地)"),
                ("gross_fen", "总额 gross"), ("bilateral_net_fen", "双边轧差后 after bilateral netting")),
               view.netting, view),
        '<h2>预付金 Advance funds</h2>',
        _advance_table(view),
        '<h2>统筹区对明细 Lines per (treatment region, insured region)</h2>',
        _table(PAIR_COLUMNS, v.pairs, view),
        '<h2>应付医疗机构 Owed to hospitals</h2>',
        _table(HOSPITAL_COLUMNS, v.hospitals, view),
        '<h2>确认与争议 Confirmations and disputes</h2>',
        _table((("region", "经办机构 agency"), ("status", "状态 status"), ("at", "时间 at"), ("note", "备注 note")),
               v.confirmations, view) if v.confirmations else "<p>尚无确认 none yet</p>",
        _table((("dispute_id", "编号 id"), ("region", "提出方 raised by"), ("reason", "理由 reason"),
                ("status", "状态 status"), ("effective_month", "调整月份 lands in"), ("amount_fen", "金额 amount")),
               v.disputes, view) if v.disputes else "<p>无争议 no disputes</p>",
        '<p class="muted">示例数据时为合成数据 (synthetic data in the demo). 由 yidi 生成 made by yidi.</p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def _advance_table(view: MonthView) -> str:
    rows = []
    for a in view.advance:
        flag = '<span class="alert">预警 ALERT</span>' if a["alert"] else '<span class="ok">正常 ok</span>'
        rows.append(
            f"<tr><td>{_esc(view.name(a['holder_province']))}</td><td>{_esc(view.name(a['payer_province']))}</td>"
            f'<td class="n">{_fmt(a["base_year_fen"])}</td><td class="n">{a["months"]}</td>'
            f'<td class="n">{_fmt(a["sized_fen"])}</td><td class="n">{_fmt(a["review_delta_fen"])}</td>'
            f'<td class="n">{_fmt(a["used_fen"])}</td><td class="n">{_esc(a["used_pct"] or "—")} %</td>'
            f"<td>{flag}</td><td class=\"n\">{_fmt(a['topup_request_fen'])}</td></tr>")
    head = ("<tr><th>持有方 holder (就医省)</th><th>缴付方 payer (参保省)</th><th>上年合计 previous year</th>"
            "<th>月数 months</th><th>核定额 sized</th><th>补缴(+)/退还(-) top-up/refund</th><th>本月使用 used</th>"
            "<th>使用率 used %</th><th>预警线 warning " + _esc(view.advance[0]["warning_pct"] if view.advance else "")
            + " %</th><th>申请追加 top-up request</th></tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
