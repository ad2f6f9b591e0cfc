"""`yidi claims …`: the agency's operator commands for manual claims — the review queue, a claim, and
payment batches (create, export the bank file, mark paid). Each runs as agency staff of `--region`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yidi.cli.context import open_context
from yidi.cli.render import console, fail, print_json, table
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services import claims
from yidi.services.access import Principal, Role

claims_app = typer.Typer(help="手工报销 manual claims: queue, claims, payment batches", no_args_is_help=True)
batch_app = typer.Typer(help="支付批次 payment batches", no_args_is_help=True)
claims_app.add_typer(batch_app, name="batch")

Region = Annotated[str, typer.Option("--region", help="the agency's insured region (6 digits)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def _run(region: str, as_json: bool, fn: Any) -> Any:
    try:
        if len(region) != 6 or not region.isdigit():
            raise error("REGION_FORMAT", value=region[:20])
        ctx = open_context()
        try:
            return fn(ctx, Principal(Role.AGENCY, region))
        finally:
            ctx.close()
    except YidiError as err:
        fail(err, as_json)


@claims_app.command("queue")
def queue(region: Region, as_json: AsJson = False, limit: int = 100) -> None:
    """审核队列 The region's claims waiting for review, oldest first, with days waiting."""
    q = _run(region, as_json, lambda c, p: claims.queue(c, p, limit=limit))
    if as_json:
        print_json(q)
        return
    t = table("claim", "state", "person", "hospital", "submitted", "days", "due", "invoices",
              title=f"审核队列 review queue {region} — {q['count']} ({q['today']})")
    for i in q["items"]:
        t.add_row(i["claim_no"], i["state_zh"], f"{i['person_name']} {i['person_id_number']}", i["hospital_name"],
                  i["submitted_on"], str(i["days_waiting"]), ("[red]" if i["overdue"] else "") + i["due"],
                  i["invoice_total"])
    console().print(t)


@claims_app.command("show")
def show(claim_no: str, region: Region, as_json: AsJson = False) -> None:
    """查看报销申请 A claim with its checklist, amount explanation and history."""
    v = _run(region, as_json, lambda c, p: claims.show(c, p, claim_no))
    if as_json:
        print_json(v)
        return
    con = console()
    con.print(f"[bold]{v['claim_no']}[/] {v['state_zh']} · {v['person_name']} · {v['visit']['hospital_name']} "
              f"{v['visit']['admitted_on']} · 发票合计 {v['invoice_total']}")
    if v["missing"]:
        con.print("[yellow]缺少 missing:[/] " + "、".join(v["missing"]))
    if v["amounts"]:
        con.print(f"应报销 payable: [bold]{v['amounts']['payable']}[/]")
    for i, st in enumerate(v["explanation"]["steps"], 1):
        con.print(f"{i:>2}. {st['text_zh']}")
    for e in v["history"]:
        con.print(f"[dim]{e['on_day']} {e['actor_role']}:{e['actor']} {e['action']} → {e['to_state']} {e['reason']}[/]")


@batch_app.command("create")
def batch_create(region: Region, as_json: AsJson = False) -> None:
    """生成支付批次 Gather every approved, unbatched claim of the region into a batch."""
    b = _run(region, as_json, lambda c, p: claims.create_batch(c, p))
    if as_json:
        print_json(b)
        return
    console().print(f"[green]批次 {b['batch_no']}[/]: {b['count']} 笔，合计 {b['total']} 元，SHA-256 {b['checksum']}")


@batch_app.command("export")
def batch_export(batch_no: str, region: Region,
                 out: Annotated[Path, typer.Option("--out", help="where to write the bank CSV")],
                 encoding: Annotated[str, typer.Option(help="utf-8 or gb18030")] = "utf-8") -> None:
    """导出银行文件 Write the bank CSV (header, transfers, totals, SHA-256 line)."""
    data = _run(region, False, lambda c, p: claims.batch_file(c, p, batch_no, encoding))
    out.write_bytes(data)
    console(stderr=True).print(f"已写入 wrote {out} ({len(data)} bytes)")


@batch_app.command("paid")
def batch_paid(batch_no: str, region: Region, ref: Annotated[str, typer.Option("--ref", help="bank reference")] = "",
               as_json: AsJson = False) -> None:
    """标记已支付 The bank paid the batch: its claims become paid and the ledger is written (once)."""
    b = _run(region, as_json, lambda c, p: claims.mark_paid(c, p, batch_no, ref))
    if as_json:
        print_json(b)
        return
    console().print(f"[green]批次 {b['batch_no']} 已支付[/]: {b['count']} 笔，合计 {b['total']} 元")
