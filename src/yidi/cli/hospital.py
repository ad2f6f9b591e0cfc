"""`yidi hospital key create|list|revoke`: hospitals' API keys for the settlement API (only hashes are stored)."""

from __future__ import annotations

from typing import Annotated

import typer

from yidi.cli.context import open_context
from yidi.cli.render import console, fail, table
from yidi.domain.errors import YidiError
from yidi.services import hospital_keys

hospital_app = typer.Typer(help="医疗机构 hospitals' access to the settlement API", no_args_is_help=True)
key_app = typer.Typer(help="API 密钥 hospital API keys", no_args_is_help=True)
hospital_app.add_typer(key_app, name="key")


@key_app.command("create")
def key_create(institution: Annotated[str, typer.Argument(help="institution code, e.g. H44010000001")]) -> None:
    """新建密钥 Print a new API key for an institution, once; only its scrypt hash is stored."""
    ctx = open_context()
    try:
        new = hospital_keys.create_key(ctx, institution)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    console(stderr=True).print(f"[green]已为 {new.institution} 创建密钥 {new.key_id}[/]；请妥善保存，之后无法再次查看 "
                               "(shown once; store it now)")
    print(new.key)


@key_app.command("list")
def key_list(institution: Annotated[str | None, typer.Argument()] = None) -> None:
    """列出密钥 Key ids, institutions and state (never secrets)."""
    ctx = open_context()
    try:
        rows = hospital_keys.list_keys(ctx, institution)
    finally:
        ctx.close()
    t = table("key_id", "institution", "created_at", "revoked_at")
    for r in rows:
        t.add_row(r.key_id, r.institution, str(r.created_at), str(r.revoked_at or ""))
    console().print(t)


@key_app.command("revoke")
def key_revoke(key_id: Annotated[str, typer.Argument()]) -> None:
    """停用密钥 Revoke a key (running servers stop accepting it within a minute)."""
    ctx = open_context()
    try:
        hospital_keys.revoke_key(ctx, key_id)
    except YidiError as err:
        fail(err)
    finally:
        ctx.close()
    console().print(f"已停用 revoked {key_id}")
