"""The `yidi` Typer app: every command group registered in one place (entry point `yidi = "yidi.cli:app"`)."""

from __future__ import annotations

import typer

from yidi.cli import (
    advise,
    audit,
    backup,
    claims,
    clearing,
    db,
    demo,
    hospital,
    imports,
    ledger,
    policy,
    quote,
    serve,
    simulate,
    users,
)

app = typer.Typer(help="yidi 异地就医 — cross-region medical insurance", no_args_is_help=True)


@app.callback()
def _every_command() -> None:
    # issue 8: every log line of every command masks ID numbers, names, phones and bank accounts
    from yidi.services.personal_data import install_log_masking

    install_log_masking()


app.command("quote")(quote.quote)
app.add_typer(policy.policy_app, name="policy")
app.command("serve")(serve.serve)
app.add_typer(db.db_app, name="db")
app.add_typer(demo.demo_app, name="demo")
app.add_typer(imports.import_app, name="import")
app.add_typer(ledger.ledger_app, name="ledger")
app.add_typer(hospital.hospital_app, name="hospital")
app.add_typer(claims.claims_app, name="claims")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(users.users_app, name="users")
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)
app.add_typer(clearing.clearing_app, name="clearing")
app.command("advise")(advise.advise_command)
app.command("simulate")(simulate.simulate_command)


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="yidi")
