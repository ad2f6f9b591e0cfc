"""Fixtures for the page tests: an app on its own SQLite file with the sample packs and the demo data.

Pages are the same on SQLite and PostgreSQL (the services underneath are tested on both), so the page
tests use the embedded default only; the day is pinned so dates in the pages are stable.
"""

from __future__ import annotations

import atexit
import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.apps import reuse
from tests.support.packs import sample_packs
from yidi.app import create_app
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.demo.dataset import PERSONS, load_demo
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.db import make_engine, session_factory

TODAY = dt.date(2026, 3, 10)


def person(key: str) -> str:
    return next(p.id_number for p in PERSONS if p.key == key)


@cache
def _template(today: dt.date) -> Path:
    """A SQLite file migrated and holding the sample packs' reference data and the demo as of `today`: made
    once per session (the migrations and the demo load take seconds), copied for each test."""
    folder = Path(tempfile.mkdtemp(prefix="yidi-web-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    engine = make_engine(f"sqlite:///{folder / 'web.db'}")
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), sample_packs(), lambda: today)
    load_reference(ctx)
    load_demo(ctx)
    engine.dispose()
    return folder / "web.db"


def make_context(folder: Path, today: dt.date = TODAY) -> Context:
    """A context on `folder`/web.db, a fresh copy of the template: this test's own database."""
    shutil.copyfile(_template(today), folder / "web.db")
    engine = make_engine(f"sqlite:///{folder / 'web.db'}")
    return Context(engine, session_factory(engine), sample_packs(), lambda: today)


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path / "data"))
    c = make_context(tmp_path)
    yield c
    c.close()


@pytest.fixture
def web(ctx: Context) -> Iterator[TestClient]:
    with TestClient(reuse(create_app(ctx=ctx), "web"), follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form (security.login): the client keeps the `yidi_session` cookie."""
    r = client.post("/login", data={"username": username, "password": password})
    assert r.status_code == 303, r.text[:2000]
    assert client.cookies.get("yidi_session")


def desk_visit(client: TestClient, id_number: str, name: str, lines: str) -> tuple[str, str]:
    """An inpatient admitted today through the hospital desk page, with fee lines typed in its box (one
    `code, quantity, price[, name]` per line): the visit page's address and the page's CSRF token."""
    token = csrf_of(client.get("/desk").text)
    r = client.post("/desk/admit", data={"csrf": token, "id_number": id_number, "name": name,
                                         "visit_type": "INPATIENT", "day": TODAY.isoformat()})
    assert r.status_code == 303, r.text[:2000]
    visit = r.headers["location"].split("?")[0]
    r = client.post(visit + "/lines", data={"csrf": token, "lines": lines})
    assert r.status_code == 303, r.text[:2000]
    return visit, token


@pytest.fixture
def as_person(web: TestClient) -> TestClient:
    login(web, person("post_hoc"))
    return web


@pytest.fixture
def as_hospital(web: TestClient) -> TestClient:
    login(web, "desk-H44010000001")
    return web


@pytest.fixture
def as_agency(web: TestClient) -> TestClient:
    login(web, "agency-369900")
    return web


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # keep each phase's report on the test item, so the browser fixture can screenshot failures
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
