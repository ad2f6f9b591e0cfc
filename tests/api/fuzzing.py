"""What the fuzz tests share: the app on a fresh PostgreSQL schema with real records, the roles' headers, and
the generated requests per operation (schemathesis strategies from the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from schemathesis import GenerationMode
from sqlalchemy import select

from tests.settlement.helpers import GZ1, lines, register, seed_person, settle, upload
from tests.support.db import drop_database, new_database
from yidi.app import create_app
from yidi.demo.dataset import PERSONS, load_demo
from yidi.domain.packset import PackSet
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate, settlement_models  # noqa: F401 - tables known to the app
from yidi.store.db import session_factory, unit_of_work
from yidi.store.models import FilingRow

TODAY = dt.date(2026, 3, 10)


def role_headers(person_id: str) -> dict[str, dict[str, str]]:
    return {"anonymous": {},
            "person": {"X-Yidi-Role": "person", "X-Yidi-Subject": person_id},
            "hospital": {"X-Yidi-Role": "hospital", "X-Yidi-Subject": GZ1},
            "agency": {"X-Yidi-Role": "agency", "X-Yidi-Subject": "369900"},  # every duty
            "clearing": {"X-Yidi-Role": "clearing", "X-Yidi-Subject": "000000"}}


class ServerErrors(logging.Handler):
    """Counts what the last-resort handler logs (a 500 the response check would also see)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@dataclass
class FuzzTarget:
    app: Any
    ctx: Context
    known: dict[str, str]  # real ids for path parameters, so that handlers run past "not found"
    person_id: str  # the person role's citizen ID


@contextmanager
def fuzz_target(tmp_path: Path, packs: PackSet, *, with_claim: bool = False) -> Iterator[FuzzTarget]:
    """The app over a fresh PostgreSQL schema (fails under CI=true when PostgreSQL is down) holding the
    sample packs, the demo persons, a settled and an open hospital visit and (with_claim) a draft claim of
    the person role's own."""
    _url, engine, schema = new_database("postgresql", tmp_path)
    try:
        migrate.upgrade(engine)
        ctx = Context(engine, session_factory(engine), packs, lambda: TODAY)
        load_reference(ctx)
        load_demo(ctx)
        app = create_app(ctx=ctx)
        with unit_of_work(ctx.sessions) as s:
            filing_id = s.scalars(select(FilingRow.filing_id).limit(1)).one()
        p = seed_person(ctx, 900)
        h = {"X-Yidi-Role": "hospital", "X-Yidi-Subject": GZ1}
        person_id = PERSONS[0].id_number
        with TestClient(app) as c:
            visit = register(c, h, p)["mdtrt_id"]
            upload(c, h, visit, lines(5))
            setl = settle(c, h, visit)["setl_id"]
            open_visit = register(c, h, seed_person(ctx, 901))["mdtrt_id"]
            upload(c, h, open_visit, lines(3))
            known = {"filing_id": filing_id, "mdtrt_id": open_visit, "setl_id": setl, "month": "2026-03"}
            if with_claim:
                from tests.claims.helpers import QIAN, add_people, draft

                add_people(ctx)
                known.update(claim_no=draft(c)["claim_no"], line_id="1")
                person_id = QIAN
        yield FuzzTarget(app, ctx, known, person_id)
    finally:
        drop_database(engine, schema)


def strategies(op: Any, known: dict[str, str]) -> list[tuple[str, Any]]:
    """Valid requests (positive), requests that break the schema (negative), and valid ones whose path ids
    are real records (known-ids)."""
    out = [(m.value, op.as_strategy(generation_mode=m)) for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    names = {p.name for p in op.path_parameters}
    if names and names <= known.keys():
        out.append(("known-ids", op.as_strategy(path_parameters={n: known[n] for n in names})))
    # running a month on Spark starts a JVM (tens of seconds): fuzz the clearing run on DuckDB only
    return [(label, s.filter(lambda c: not (isinstance(c.body, dict) and c.body.get("engine") == "spark")))
            for label, s in out]
