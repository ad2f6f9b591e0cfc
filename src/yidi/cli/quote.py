"""`yidi quote`: a bill's breakdown by payer, with the lines and the explanation steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from yidi.cli.render import console, fail, print_json
from yidi.domain.bill import Bill
from yidi.domain.breakdown import Breakdown
from yidi.domain.engine import calculate
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.normalise import loads
from yidi.domain.validation import validate_model
from yidi.policies.loader import SAMPLE_DIR, load_packs


def read_json_file(path: Path) -> Any:
    try:
        return loads(path.read_text(encoding="utf-8"))  # numbers keep their literal: 1e3 is refused
    except FileNotFoundError:
        raise error("FILE_NOT_FOUND", path=path, field="bill") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error("JSON_SYNTAX", detail_zh=f"文件不是有效的 JSON：{exc}", detail_en=f"not valid JSON: {exc}",
                    field="bill") from None


def quote(
    bill: Annotated[Path, typer.Option("--bill", help="bill JSON file (docs/bill.md)")],
    packs: Annotated[Path, typer.Option("--packs", help="policy pack folder")] = SAMPLE_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="print the breakdown as JSON")] = False,
) -> None:
    """计算账单 Quote a bill: breakdown by payer with its explanation."""
    try:
        data = read_json_file(bill)
        parsed = validate_model(Bill, data)
        pack = load_packs(packs)
        result = calculate(parsed, pack)
    except YidiError as err:
        fail(err, as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        render(result, console())


def render(b: Breakdown, con: Console) -> None:
    """A readable breakdown: totals by payer, the lines, and the explanation steps."""
    t = Table(title=f"结算明细 Breakdown — {b.bill_id or '(no id)'}  {b.visit_type}  参保地 {b.insured_region} → 就医地 "
                    f"{b.treatment_region}  ({b.basis}{' ' + b.filing_type if b.filing_type else ''})")
    t.add_column("项目 item")
    t.add_column("字段 field", style="dim")
    t.add_column("金额 yuan", justify="right")
    rows = [
        ("医疗费总额 total", "medfee_sumamt"), ("全自费 fully self-funded", "fulamt_ownpay_amt"),
        ("超限价自费 over price cap", "overlmt_selfpay"), ("先行自付 B-class pay-first", "preselfpay_amt"),
        ("政策范围内 in scope", "inscp_scp_amt"), ("异地先行自付 cross-region pay-first", "cross_region_selfpay_amt"),
        ("起付线 deductible", "act_pay_dedc"), ("统筹基金 pooled fund", "hifp_pay"),
        ("超限额费用 above annual cap", "above_cap_amt"),
        ("限额少付 fund withheld by the cap", "above_cap_fund_amt"), ("大额补助 large-amount subsidy", "hifob_pay"),
        ("公务员补助 civil-servant subsidy", "cvlserv_pay"), ("大病保险 critical illness", "hifmi_pay"),
        ("医疗救助 medical assistance", "maf_pay"), ("基金合计 funds total", "fund_pay_sumamt"),
        ("个人负担 person's share", "psn_part_amt"), ("个人账户 personal account", "acct_pay"),
        ("现金 cash", "psn_cash_pay"), ("账户余额 account balance after", "balc"),
    ]
    for label, name in rows:
        t.add_row(label, name, str(getattr(b, name)))
    con.print(t)
    lt = Table(title="明细 lines")
    for col in ("id", "code", "name", "amount", "self-funded", "over cap", "pay-first", "in scope", "class"):
        lt.add_column(col)
    for ln in b.lines:
        lt.add_row(ln.line_id, ln.code, ln.name, str(ln.det_item_fee_sumamt), str(ln.fulamt_ownpay_amt),
                   str(ln.overlmt_amt), str(ln.preselfpay_amt), str(ln.inscp_scp_amt), ln.chrgitm_lv or "-")
    con.print(lt)
    con.print("[bold]计算过程 explanation[/]")
    for i, s in enumerate(b.steps, 1):
        cite = ""
        if s.clause:
            c = s.clause
            cite = f" [dim]〔{c.region} {c.version} {c.parameters}{' · ' + c.document if c.document else ''}" \
                   f"{' ' + c.article if c.article else ''}〕[/]"
        con.print(f"{i:>2}. {s.text_zh}{cite}")
    for w in b.warnings:
        con.print(f"[yellow]注意：{w}[/]")
