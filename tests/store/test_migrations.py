"""Migrations: upgrade from empty, downgrade to base, upgrade again — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tests.support.db import BACKENDS, drop_database, new_database
from yidi.store import migrate
from yidi.store.schema import metadata


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    _url, engine, schema = new_database(backend, tmp_path)
    try:
        assert migrate.is_empty(engine) and migrate.current(engine) is None
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine)
        assert migrate.current(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        # the migrations build exactly what the models declare: no drift for the next autogenerate
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diff == []
    finally:
        drop_database(engine, schema)
