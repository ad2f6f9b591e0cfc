"""`yidi policy check`: validate a policy pack folder, every problem with file, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yidi.cli.render import EXIT_BAD_INPUT, console, print_json
from yidi.policies.loader import check_packs, load_packs

policy_app = typer.Typer(help="政策包 policy packs", no_args_is_help=True)


@policy_app.command("check")
def policy_check(
    folder: Annotated[Path, typer.Argument(help="policy pack folder")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """校验政策包 Validate a pack: every problem with file, field and reason."""
    problems = check_packs(folder)
    if as_json:
        print_json({"ok": not problems, "problems": [p.as_dict() for p in problems]})
    elif not problems:
        pack = load_packs(folder)
        console().print(f"[green]政策包有效 pack OK[/]: {pack.name}@{pack.version} — {len(pack.regions)} regions, "
                        f"{len(pack.institutions)} institutions, {len(pack.catalogues)} catalogues "
                        f"({sum(len(c.items) for c in pack.catalogues.values())} items), {len(pack.policies)} policies")
    else:
        con = console()
        con.print(f"[red]政策包有 {len(problems)} 处问题 pack has {len(problems)} problem(s)[/]")
        for p in problems:
            con.print(f"  • [{p.code}] {p.field}\n    {p.message_zh}\n    [dim]{p.message_en}[/]")
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)
