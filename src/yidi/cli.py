"""The `yidi` command line: quote a bill, check a policy pack (more doors join as the system grows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from yidi.advisor.cli import advise_command
from yidi.claims.cli import register as register_claims
from yidi.clearing.cli import register as register_clearing
from yidi.cli_ops import register as register_ops
from yidi.cli_settlement import register as register_settlement
from yidi.domain.bill import Bill
from yidi.domain.breakdown import Breakdown
from yidi.domain.engine import calculate
from yidi.domain.errors import YidiError
from yidi.domain.normalise import loads
from yidi.domain.validation import validate_model
from yidi.policies.loader import SAMPLE_DIR, check_packs, load_packs

app = typer.Typer(help="yidi 异地就医 — cross-region medical insurance", no_args_is_help=True)
policy_app = typer.Typer(help="政策包 policy packs", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@app.callback()
def _every_command() -> None:
    # issue 8: every log line of every command masks ID numbers, names, phones and bank accounts
    __import__("yidi.services.personal_data", fromlist=["install_log_masking"]).install_log_masking()


register_ops(app)  # serve, db, demo, import (yidi.cli_ops)
register_settlement(app)  # ledger verify, hospital keys (yidi.cli_settlement)
register_claims(app)  # yidi claims … (yidi.claims.cli, issue 5)
__import__("yidi.cli_trust", fromlist=["register"]).register(app)  # audit verify, backup, restore, users (issue 8)
register_clearing(app)  # yidi clearing … (yidi.clearing.cli, issue 6)
app.command("advise")(advise_command)  # 异地就医助手 (yidi.advisor.cli)
app.command("simulate")(__import__("yidi.batch.cli", fromlist=["simulate_command"]).simulate_command)  # issue 7

# Exit codes: 0 done; 1 unexpected failure; 2 bad input (the error says which field and why).
EXIT_BAD_INPUT = 2


def _fail(err: YidiError, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": err.as_dict()}, ensure_ascii=False, indent=2))
    else:
        console = Console(stderr=True)
        console.print(f"[bold red]错误 {err.code}[/]：{err.message_zh}")
        console.print(f"[dim]error {err.code}: {err.message_en}[/]")
        for p in err.problems:
            console.print(f"  • [{p.code}] {p.field}: {p.message_zh}\n    [dim]{p.message_en}[/]")
    raise typer.Exit(EXIT_BAD_INPUT)


def read_json_file(path: Path) -> Any:
    try:
        return loads(path.read_text(encoding="utf-8"))  # numbers keep their literal: 1e3 is refused
    except FileNotFoundError:
        raise YidiError("FILE_NOT_FOUND", f"找不到文件：{path}", f"file not found: {path}", "bill", 404) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise YidiError("JSON_SYNTAX", f"文件不是有效的 JSON：{exc}", f"not valid JSON: {exc}", "bill", 400) from None


@app.command()
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
        _fail(err, as_json)
        return
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        render(result, Console())


def render(b: Breakdown, console: Console) -> None:
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
        ("超限额费用 above annual cap", "above_cap_amt"), ("大额补助 large-amount subsidy", "hifob_pay"),
        ("公务员补助 civil-servant subsidy", "cvlserv_pay"), ("大病保险 critical illness", "hifmi_pay"),
        ("医疗救助 medical assistance", "maf_pay"), ("基金合计 funds total", "fund_pay_sumamt"),
        ("个人负担 person's share", "psn_part_amt"), ("个人账户 personal account", "acct_pay"),
        ("现金 cash", "psn_cash_pay"), ("账户余额 account balance after", "balc"),
    ]
    for label, name in rows:
        t.add_row(label, name, str(getattr(b, name)))
    console.print(t)
    lt = Table(title="明细 lines")
    for col in ("id", "code", "name", "amount", "self-funded", "over cap", "pay-first", "in scope", "class"):
        lt.add_column(col)
    for ln in b.lines:
        lt.add_row(ln.line_id, ln.code, ln.name, str(ln.det_item_fee_sumamt), str(ln.fulamt_ownpay_amt),
                   str(ln.overlmt_amt), str(ln.preselfpay_amt), str(ln.inscp_scp_amt), ln.chrgitm_lv or "-")
    console.print(lt)
    console.print("[bold]计算过程 explanation[/]")
    for i, s in enumerate(b.steps, 1):
        cite = ""
        if s.clause:
            c = s.clause
            cite = f" [dim]〔{c.region} {c.version} {c.parameter}{' · ' + c.document if c.document else ''}" \
                   f"{' ' + c.article if c.article else ''}〕[/]"
        console.print(f"{i:>2}. {s.text_zh}{cite}")
    for w in b.warnings:
        console.print(f"[yellow]注意：{w}[/]")


@policy_app.command("check")
def policy_check(
    folder: Annotated[Path, typer.Argument(help="policy pack folder")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """校验政策包 Validate a pack: every problem with file, field and reason."""
    problems = check_packs(folder)
    if as_json:
        print(json.dumps({"ok": not problems, "problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2))
    elif not problems:
        pack = load_packs(folder)
        Console().print(f"[green]政策包有效 pack OK[/]: {pack.name}@{pack.version} — {len(pack.regions)} regions, "
                        f"{len(pack.institutions)} institutions, {len(pack.catalogues)} catalogues "
                        f"({sum(len(c.items) for c in pack.catalogues.values())} items), {len(pack.policies)} policies")
    else:
        console = Console()
        console.print(f"[red]政策包有 {len(problems)} 处问题 pack has {len(problems)} problem(s)[/]")
        for p in problems:
            console.print(f"  • [{p.code}] {p.field}\n    {p.message_zh}\n    [dim]{p.message_en}[/]")
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="yidi")


if __name__ == "__main__":  # pragma: no cover
    main()
