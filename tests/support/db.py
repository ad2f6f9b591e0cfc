"""Database fixtures shared by the store, service and API tests: every test runs on SQLite and PostgreSQL.

PostgreSQL: YIDI_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test
session works in a schema of its own (created, migrated, dropped at the end), so parallel sessions and
other projects' tables in the same database do not interfere. When PostgreSQL is unreachable the
PostgreSQL variants FAIL under CI=true and are skipped otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, delete, text

from tests.support.apps import reuse
from tests.support.packs import packs, sample_packs  # noqa: F401 - re-exported: the directories' conftests import it here
from yidi.app import create_app
from yidi.demo.dataset import PERSONS, DemoPerson, load_demo
from yidi.services.access import Role
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.db import make_engine, session_factory
from yidi.store.schema import metadata

PG_URL = os.environ.get("YIDI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = dt.date(2026, 3, 10)
BACKENDS = ["sqlite", "postgresql"]


def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        eng = make_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any driver or network error means: not reachable
        return f"{type(exc).__name__}: {exc}"


def require_pg() -> None:
    why = pg_available()
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable and CI=true: {why}")
    pytest.skip(f"PostgreSQL unreachable (set CI=true to make this a failure): {why}")


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def new_database(backend: str, tmp: Path) -> tuple[str, Engine, str | None]:
    """A fresh empty database: a SQLite file, or a new PostgreSQL schema. Returns (url, engine, schema)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'yidi-{secrets.token_hex(4)}.db'}"
        return url, make_engine(url), None
    require_pg()
    schema = f"yidi_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = pg_schema_url(schema)
    return url, make_engine(url), schema


def drop_database(engine: Engine, schema: str | None) -> None:
    engine.dispose()
    if schema is not None:
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """A migrated database per backend for the whole session."""
    url, engine, schema = new_database(request.param, tmp_path_factory.mktemp("db"))
    migrate.upgrade(engine)
    yield url, engine
    for template in _TEMPLATES.pop(url, {}).values():
        drop_database(engine, template.schema)
    drop_database(engine, schema)


# Per session database, its content captured once (by `capture`) and put back before each test (by
# `restore`): "reference" (the sample packs' regions and institutions) and "demo" (the demo loaded on top).
# Putting rows back costs milliseconds; loading them through the services a second or more. The copy is made
# inside the database (a file copy on SQLite, INSERT ... SELECT on PostgreSQL), so every value comes back
# byte for byte as yidi wrote it and the audit trail's row check holds.
_TEMPLATES: dict[str, dict[str, Template]] = {}


@dataclass(frozen=True)
class Template:
    """A captured content: a copy of the SQLite file, or a PostgreSQL schema holding the non-empty tables."""

    counts: dict[str, int]  # rows per table
    file: Path | None = None
    schema: str | None = None
    serials: tuple[tuple[str, str], ...] = ()  # PostgreSQL: (table, column) of the non-empty tables' id sequences

    @property
    def tables(self) -> list[str]:
        return [t for t, n in self.counts.items() if n]


def capture(engine: Engine, name: str) -> Template:
    """The database's content now, kept as template `name` (replacing an earlier one of that name)."""
    counts = _counts(engine)
    if engine.dialect.name == "sqlite":
        live = Path(str(engine.url.database))
        engine.dispose()  # nothing open on the file while it is copied
        copy = live.with_name(f"{live.stem}-{name}.template")
        shutil.copyfile(live, copy)
        return Template(counts, file=copy)
    with engine.begin() as conn:
        schema = f"{conn.execute(text('SELECT current_schema()')).scalar_one()}_{name}"
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        for t, n in counts.items():
            if n:
                conn.execute(text(f'CREATE TABLE "{schema}"."{t}" AS TABLE "{t}"'))
        serials = tuple((t, c) for t, c in conn.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'")) if counts.get(t))
    return Template(counts, schema=schema, serials=serials)


def restore(engine: Engine, template: Template | None) -> None:
    """Make the database hold exactly the template's rows (None: no rows at all). PostgreSQL's id sequences
    continue after the largest id put back."""
    if engine.dialect.name == "sqlite" and template is not None:
        assert template.file is not None
        engine.dispose()
        shutil.copyfile(template.file, str(engine.url.database))
        return
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
        if template is None:
            return
        for table in metadata.sorted_tables:
            if table.name in template.tables:
                cols = ", ".join(f'"{c.name}"' for c in table.columns)
                conn.execute(text(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} '
                                  f'FROM "{template.schema}"."{table.name}"'))
        for name, column in template.serials:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                              f'(SELECT max("{column}") FROM "{name}"))'), {"t": f'"{name}"', "c": column})


def wipe(engine: Engine) -> None:
    restore(engine, None)


def _count_rows(conn: Connection) -> list[tuple[str, int]]:
    """Rows per table, in one statement."""
    q = " UNION ALL ".join(f"SELECT '{t.name}', count(*) FROM \"{t.name}\"" for t in metadata.sorted_tables)
    return [(name, int(n)) for name, n in conn.execute(text(q))]


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(_count_rows(conn))


@pytest.fixture
def ctx(db: tuple[str, Engine], request: pytest.FixtureRequest) -> Iterator[Context]:
    """A service context on a clean database holding the sample packs' regions and institutions.

    After the test, the audit trail must hold (issue 13): the chain verifies and every row is as yidi last
    wrote it. A test that edits the database behind yidi's back on purpose is marked `edits_outside_yidi`.
    """
    url, engine = db
    context = Context(engine, session_factory(engine), sample_packs(), lambda: TODAY)
    templates = _TEMPLATES.setdefault(url, {})
    if "reference" in templates:
        restore(engine, templates["reference"])
    else:
        wipe(engine)
        load_reference(context)
        templates["reference"] = capture(engine, "reference")
    yield context
    if request.node.get_closest_marker("edits_outside_yidi") is None:
        from tests.support.rows import assert_trail_holds

        assert_trail_holds(context)


@pytest.fixture
def demo(ctx: Context, db: tuple[str, Engine]) -> dict[str, DemoPerson]:
    """The demo persons, their filings and admissions and the demo accounts, on top of `ctx`'s reference data.

    Put back from the captured template when the database still holds the reference data alone (the usual
    case); loaded through the services when a fixture wrote something first, or the context was changed."""
    url, _engine = db
    templates = _TEMPLATES[url]
    reference = templates["reference"].counts
    as_template = ctx.packs is sample_packs() and ctx.today() == TODAY and ctx.engine is _engine
    if as_template and "demo" in templates and _counts(ctx.engine) == reference:
        restore(ctx.engine, templates["demo"])
    else:
        fresh = as_template and _counts(ctx.engine) == reference
        load_demo(ctx)
        if fresh:
            templates["demo"] = capture(ctx.engine, "demo")
    return {p.key: p for p in PERSONS}


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    # The API never redirects. Redirects are not followed, so an API error turned into a page's 303 (the
    # web's "signed out -> login page" handler) fails as a 303 instead of passing off the login page as 200.
    with TestClient(reuse(create_app(ctx=ctx), "client"), follow_redirects=False) as c:
        yield c


def as_(role: Role | str, subject: str) -> dict[str, str]:
    """Headers of the placeholder principal (issue 8 replaces them with real authentication)."""
    return {"X-Yidi-Role": str(role), "X-Yidi-Subject": subject}
