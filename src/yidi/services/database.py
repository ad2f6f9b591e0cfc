"""The database's schema as the operator sees it: migrate up or down, the revision it is at, whether it is new."""

from __future__ import annotations

from yidi.services.context import Context
from yidi.store import migrate


def url(ctx: Context) -> str:
    """The database URL as shown to the operator (the password masked)."""
    return ctx.engine.url.render_as_string()


def upgrade(ctx: Context, revision: str = "head") -> None:
    migrate.upgrade(ctx.engine, revision)


def downgrade(ctx: Context, revision: str = "base") -> None:
    migrate.downgrade(ctx.engine, revision)


def current(ctx: Context) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return migrate.current(ctx.engine)


def head() -> str | None:
    """The newest revision the code knows."""
    return migrate.head()


def is_empty(ctx: Context) -> bool:
    """True when the database has none of yidi's tables (a fresh file or schema)."""
    return migrate.is_empty(ctx.engine)
