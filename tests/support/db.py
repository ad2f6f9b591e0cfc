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
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, text

from yidi.api.app import create_app
from yidi.demo.dataset import PERSONS, DemoPerson, load_demo
from yidi.domain.packset import PackSet
from yidi.policies.loader import SAMPLE_DIR, load_packs
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


@pytest.fixture(scope="session")
def packs() -> PackSet:
    return load_packs(SAMPLE_DIR)


@pytest.fixture(scope="session", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """A migrated database per backend for the whole session."""
    url, engine, schema = new_database(request.param, tmp_path_factory.mktemp("db"))
    migrate.upgrade(engine)
    yield url, engine
    drop_database(engine, schema)


def wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def ctx(db: tuple[str, Engine], packs: PackSet, request: pytest.FixtureRequest) -> Iterator[Context]:
    """A service context on a clean database holding the sample packs' regions and institutions.

    After the test, the audit trail must hold (issue 13): the chain verifies and every row is as yidi last
    wrote it. A test that edits the database behind yidi's back on purpose is marked `edits_outside_yidi`.
    """
    _url, engine = db
    wipe(engine)
    context = Context(engine, session_factory(engine), packs, lambda: TODAY)
    load_reference(context)
    yield context
    if request.node.get_closest_marker("edits_outside_yidi") is None:
        from tests.support.rows import assert_trail_holds

        assert_trail_holds(context)


@pytest.fixture
def demo(ctx: Context) -> dict[str, DemoPerson]:
    load_demo(ctx)
    return {p.key: p for p in PERSONS}


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    # The API never redirects. Redirects are not followed, so an API error turned into a page's 303 (the
    # web's "signed out -> login page" handler) fails as a 303 instead of passing off the login page as 200.
    with TestClient(create_app(ctx=ctx), follow_redirects=False) as c:
        yield c


def as_(role: Role | str, subject: str) -> dict[str, str]:
    """Headers of the placeholder principal (issue 8 replaces them with real authentication)."""
    return {"X-Yidi-Role": str(role), "X-Yidi-Subject": subject}
