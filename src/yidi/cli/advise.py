"""`yidi advise`: the advisor in the terminal — flags or a free-text question, interactive questions on a TTY.

On a terminal the command asks its questions one by one (each with numbered choices) and prints the plan
with Rich. Without a terminal (a pipe, CI, a script) it never waits for input: it prints the plan for
what it was given, with the open questions listed, or JSON with --json.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.prompt import IntPrompt

from yidi.advisor.models import Plan, Question, Situation
from yidi.advisor.plan import advise
from yidi.advisor.search import search
from yidi.cli.render import console as make_console
from yidi.cli.render import fail, print_json, table
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Level, Scheme, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.normalise import loads
from yidi.domain.validation import validate_model
from yidi.policies.loader import SAMPLE_DIR, load_packs

_STATUS_ZH = {
    "DIRECT": "可以直接结算", "EMERGENCY_AS_FILED": "急诊视同备案，可以直接结算", "POSSIBLE_AFTER": "做到以下几点后可以直接结算",
    "MANUAL_CLAIM": "不能直接结算：回参保地手工报销", "BLOCKED": "暂不能享受待遇", "LOCAL": "本地就医",
    "INTRA_PROVINCE": "省内异地就医", "UNKNOWN": "还需要回答几个问题",
}


def advise_command(
    q: Annotated[str | None, typer.Option("--q", help="用一句话描述您的情况 a free-text question")] = None,
    insured_region: Annotated[str | None, typer.Option(help="参保地统筹区编码 insured region code")] = None,
    current_region: Annotated[str | None, typer.Option(help="就医地统筹区编码 treatment region code")] = None,
    scheme: Annotated[Scheme | None, typer.Option(help="EMPLOYEE 职工 / RESIDENT 居民")] = None,
    category: Annotated[Category | None, typer.Option(help="ACTIVE 在职 / RETIRED 退休")] = None,
    reason: Annotated[str | None, typer.Option(help="lives/works/retired/referred/emergency/travelling")] = None,
    visit_type: Annotated[VisitType | None, typer.Option(help="INPATIENT/OUTPATIENT/CHRONIC_OUTPATIENT")] = None,
    filed: Annotated[bool | None, typer.Option("--filed/--not-filed", help="已备案 / 未备案")] = None,
    filing_type: Annotated[FilingType | None, typer.Option(help="备案类型 filing type")] = None,
    filing_area: Annotated[str | None, typer.Option(help="备案就医地 filing area code")] = None,
    filing_start: Annotated[str | None, typer.Option(help="备案开始日期 YYYY-MM-DD")] = None,
    treated: Annotated[bool | None, typer.Option("--treated/--not-treated", help="已在就医 / 尚未就医")] = None,
    admitted_on: Annotated[str | None, typer.Option(help="入院日期 YYYY-MM-DD")] = None,
    paid_in_full: Annotated[bool | None, typer.Option("--paid-in-full/--not-paid", help="已出院并全额自付")] = None,
    paid_on: Annotated[str | None, typer.Option(help="付款（结算）日期 YYYY-MM-DD")] = None,
    hospital: Annotated[str | None, typer.Option(help="定点医疗机构编码 institution code")] = None,
    hospital_level: Annotated[Level | None, typer.Option(help="L1/L2/L3/UNRATED")] = None,
    insurance_status: Annotated[InsuranceStatus | None, typer.Option(help="参保状态")] = None,
    chronic_disease: Annotated[str | None, typer.Option(help="慢特病病种编码")] = None,
    chronic_certified: Annotated[bool | None, typer.Option("--chronic-certified/--chronic-not-certified")] = None,
    referral_certificate: Annotated[bool | None, typer.Option("--referral-certificate/--no-referral-certificate")] = None,
    bill_total: Annotated[str | None, typer.Option(help="大约的费用总额（元）approximate bill total")] = None,
    situation_file: Annotated[Path | None, typer.Option("--situation", help="situation JSON file")] = None,
    today: Annotated[str | None, typer.Option(help="按哪一天的政策（默认今天）YYYY-MM-DD")] = None,
    packs: Annotated[Path, typer.Option("--packs", help="policy pack folder")] = SAMPLE_DIR,
    interactive: Annotated[bool | None, typer.Option("--interactive/--no-interactive",
                                                     help="逐条提问（默认：在终端上时）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """异地就医助手 The advisor: what to do in your situation — steps, papers, deadlines, money."""
    try:
        pack = load_packs(packs)
        data: dict[str, Any] = {}
        if situation_file is not None:
            data.update(loads(situation_file.read_text(encoding="utf-8")))
        found: dict[str, Any] | None = None
        if q:
            found = search(q, pack)
            data = {**found["situation"], **data}
        flags = {
            "insured_region": insured_region, "current_region": current_region, "scheme": scheme, "category": category,
            "reason": reason, "visit_type": visit_type, "filed": filed, "filing_type": filing_type,
            "filing_area": filing_area, "filing_start": filing_start, "treated": treated, "admitted_on": admitted_on,
            "paid_in_full": paid_in_full, "paid_on": paid_on, "hospital": hospital, "hospital_level": hospital_level,
            "insurance_status": insurance_status, "chronic_disease": chronic_disease,
            "chronic_certified": chronic_certified, "referral_certificate": referral_certificate, "bill_total": bill_total,
        }
        data.update({k: (v.value if hasattr(v, "value") else v) for k, v in flags.items() if v is not None})
        day = _date(today) if today else dt.date.today()
        situation = validate_model(Situation, data)
        plan = advise(situation, pack, day)
        # never wait for input unless a person is at a terminal (CI, pipes and scripts must not block)
        ask = (sys.stdin.isatty() and sys.stdout.isatty()) if interactive is None else (interactive and sys.stdin.isatty())
        console = make_console()
        if ask and not as_json and found:
            _render_topics(found, console)
        skipped: set[str] = set()  # "不清楚": not asked again; the plan keeps it as an open question
        while ask and not as_json:
            open_q = [qn for qn in plan.questions if qn.field not in skipped]
            if not open_q:
                break
            answer = _ask(open_q[0], console)
            if answer is None:
                skipped.add(open_q[0].field)
                continue
            data[open_q[0].field] = answer
            situation = validate_model(Situation, data)
            plan = advise(situation, pack, day)
    except YidiError as err:
        fail(err, as_json)
    except (OSError, json.JSONDecodeError) as exc:
        fail(error("ADVICE_SITUATION_FILE", reason=exc), as_json)
    if as_json:
        out = plan.model_dump(mode="json")
        if found:
            out["search"] = found
        print_json(out)
        return
    if found and not ask:
        _render_topics(found, console)
    render_plan(plan, console)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise error("DATE_FORMAT", field="today") from None


def _ask(question: Question, console: Console) -> str | None:
    console.print(f"\n[bold cyan]{question.text_zh}[/] [dim]{question.text_en}[/]")
    console.print(f"[dim]（{question.why_zh}）[/]")
    for i, ch in enumerate(question.choices, 1):
        console.print(f"  {i}. {ch.label_zh} [dim]{ch.label_en}[/]")
    console.print("  0. 跳过（不清楚）[dim]skip[/]")
    n = IntPrompt.ask("请选择", console=console, choices=[str(i) for i in range(len(question.choices) + 1)])
    return None if n == 0 else question.choices[n - 1].value


def _cites(cites: list[Any]) -> str:
    return "[dim]〔" + "；".join(c.ref + (f" {c.article}" if c.article else "") for c in cites) + "〕[/]"


def _render_topics(found: dict[str, Any], console: Console) -> None:
    if not found["topics"]:
        return
    top = found["topics"][0]
    console.print(Panel(f"{top['answer_zh']}\n[dim]{top['answer_en']}[/]", title=f"您问的是：{top['title_zh']}",
                        subtitle=" ".join(top["sections"])))
    others = "、".join(t["title_zh"] for t in found["topics"][1:])
    if others:
        console.print(f"[dim]相关问题：{others}[/]")


def _pct(r: Decimal) -> str:
    return f"{(r * 100).normalize():f}%"


def render_plan(plan: Plan, console: Console) -> None:
    """A readable plan: settlement, warnings, questions, steps, papers, deadlines, money."""
    st = plan.settlement
    colour = {True: "green", False: "yellow", None: "white"}[st.direct_possible]
    body = f"[bold {colour}]{_STATUS_ZH[st.status]}[/]\n{st.text_zh}\n[dim]{st.text_en}[/]"
    for r in st.requires:
        body += f"\n  → {r.text_zh} {_cites(r.cites)}"
    if st.by_when_zh:
        body += f"\n[bold]期限：{st.by_when_zh}[/]"
    console.print(Panel(body, title="能否直接结算 Direct settlement", subtitle=_cites(st.cites)))
    for w in plan.warnings:
        console.print(f"[bold red]注意[/] {w.text_zh} {w.action_zh} {_cites(w.cites)}")
    if plan.questions:
        console.print("[bold]还需要知道 Open questions[/]")
        for qn in plan.questions:
            console.print(f"  ? {qn.text_zh}（{' / '.join(c.label_zh for c in qn.choices[:8])}）[dim]--{qn.field.replace('_', '-')}[/]")
    if plan.steps:
        console.print("[bold]怎么做 Steps[/]")
        for s in plan.steps:
            where = "、".join(w.name_zh for w in s.where)
            console.print(f" {s.order:>2}. {s.text_zh}\n     [cyan]在哪办：{where}[/] {_cites(s.cites)}")
    for g in plan.materials:
        console.print(f"[bold]{g.title_zh}[/] {_cites(g.cites)}")
        if g.note_zh:
            console.print(f"  [yellow]{g.note_zh}[/]")
        for item in g.items:
            mark = "•" if item.required else "○"
            console.print(f"  {mark} {item.name_zh}" + (f" [dim]（{item.note_zh}）[/]" if item.note_zh else ""))
    if plan.deadlines:
        console.print("[bold]期限 Deadlines[/]")
        for d in plan.deadlines:
            console.print(f"  ⏰ {d.text_zh}" + (" [red]已过期[/]" if d.passed else "") + f" {_cites(d.cites)}")
    m = plan.money
    if m is not None:
        console.print(f"[bold]钱 Money[/] {m.text_zh} {_cites(m.cites)}")
        t = table("医院等级", "起付线", "在参保地", "本次情况", "异地先自付", "不备案时")
        for row in m.rows:
            unfiled = "-" if row.unfiled_ratio is None else \
                f"{_pct(row.unfiled_ratio)} 先自付{_pct(row.unfiled_first_selfpay or Decimal(0))}"
            t.add_row(row.level_zh, str(row.deductible), _pct(row.home_ratio), _pct(row.away_ratio),
                      _pct(row.away_first_selfpay), unfiled)
        console.print(t)
        if m.estimate is not None:
            e = m.estimate
            console.print(f"[bold]估算[/] 总费用 {e.medfee_sumamt} 元：医保基金支付 [green]{e.fund_pay_sumamt}[/] 元，个人负担 "
                          f"[yellow]{e.psn_part_amt}[/] 元。[dim]{e.assumption_zh}[/]")
            for i, line in enumerate(e.explanation_zh, 1):
                console.print(f"   {i}. {line}")
        elif m.estimate_note_zh:
            console.print(f"[dim]{m.estimate_note_zh}[/]")
    for a in plan.assumptions_zh:
        console.print(f"[dim]* {a}[/]")
    console.print(f"[dim]政策包 {plan.pack}；日期 {plan.today}[/]")

