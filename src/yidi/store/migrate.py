"""Run Alembic migrations from code (the CLI, `yidi serve` on an empty database, and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        # pass the URL unrendered through attributes: configparser would choke on '%' in passwords
        cfg.attributes["engine"] = engine
    return cfg


def _run(engine: Engine, fn: str, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, fn)(cfg, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate up; on reaching head, adopt into the row log the rows of tables the upgrade created or
    reshaped (yidi.store.row_baseline), in the same transaction."""
    from yidi.store import row_baseline  # imports every model: only when migrating

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        was = MigrationContext.configure(conn).get_current_revision()
        columns = row_baseline.table_columns(conn)
        command.upgrade(cfg, revision)
        now = MigrationContext.configure(conn).get_current_revision()
        if now is not None and now != was and now == head():
            row_baseline.after_upgrade(conn, columns, was, now)


def downgrade(engine: Engine, revision: str = "base") -> None:
    _run(engine, "downgrade", revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_empty(engine: Engine) -> bool:
    """True when the database has none of yidi's tables (a fresh file or schema)."""
    return not inspect(engine).has_table("regions")
