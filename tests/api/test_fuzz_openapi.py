"""Fuzzing (issue 8, proof): schemathesis over the whole OpenAPI document against the app on PostgreSQL.

Every operation is called with generated requests — valid ones (positive) and ones that break the
documented schema (negative) — as each role its rule allows (anonymous for public routes), with random
path ids and, for routes with ids, with ids of real records (a demo filing, a hospital visit with lines
and its settlement) so that the handlers run past "not found". Every response must be no 5xx, have a
documented status code and content type, and match its documented schema. All failures are collected
and reported together.

YIDI_FUZZ_EXAMPLES (default 6) bounds the examples per operation, role and mode; the CI run is ~1 minute.
Reproduce a failure with the curl command in the report; docs/reliability.md has the figures.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as st_checks
from sqlalchemy import select

from tests.settlement.helpers import GZ1, lines, register, seed_person, settle, upload
from tests.support.db import drop_database, new_database
from yidi.api.app import create_app
from yidi.api.authz import RULES
from yidi.demo.dataset import PERSONS, load_demo
from yidi.domain.packset import PackSet
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate, settlement_models  # noqa: F401 - tables known to the app
from yidi.store.db import session_factory, unit_of_work
from yidi.store.models import FilingRow

EXAMPLES = int(os.environ.get("YIDI_FUZZ_EXAMPLES", "6"))
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance]
TODAY = dt.date(2026, 3, 10)


def role_headers(person_id: str) -> dict[str, dict[str, str]]:
    return {"anonymous": {},
            "person": {"X-Yidi-Role": "person", "X-Yidi-Subject": person_id},
            "hospital": {"X-Yidi-Role": "hospital", "X-Yidi-Subject": GZ1},
            "agency": {"X-Yidi-Role": "agency", "X-Yidi-Subject": "369900"},  # every duty
            "clearing": {"X-Yidi-Role": "clearing", "X-Yidi-Subject": "000000"}}


class _ServerErrors(logging.Handler):
    """Counts what the last-resort handler logs (a 500 the response check would also see)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@pytest.fixture
def fuzz_app(tmp_path: Path, packs: PackSet) -> Iterator[tuple[Any, dict[str, str], str]]:
    _url, engine, schema = new_database("postgresql", tmp_path)  # fails under CI=true when PostgreSQL is down
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), packs, lambda: TODAY)
    load_reference(ctx)
    load_demo(ctx)
    app = create_app(ctx=ctx)
    # real records, so that operations with ids get past "not found"
    with unit_of_work(ctx.sessions) as s:
        filing_id = s.scalars(select(FilingRow.filing_id).limit(1)).one()
    p = seed_person(ctx, 900)
    h = {"X-Yidi-Role": "hospital", "X-Yidi-Subject": GZ1}
    with TestClient(app) as c:
        visit = register(c, h, p)["mdtrt_id"]
        upload(c, h, visit, lines(5))
        setl = settle(c, h, visit)["setl_id"]
        open_visit = register(c, h, seed_person(ctx, 901))["mdtrt_id"]
        upload(c, h, open_visit, lines(3))
    known = {"filing_id": filing_id, "mdtrt_id": open_visit, "setl_id": setl, "month": "2026-03"}
    yield app, known, PERSONS[0].id_number
    drop_database(engine, schema)


def _strategies(op: Any, known: dict[str, str]) -> list[tuple[str, Any]]:
    out = [(m.value, op.as_strategy(generation_mode=m)) for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    names = {p.name for p in op.path_parameters}
    if names and names <= known.keys():
        out.append(("known-ids", op.as_strategy(path_parameters={n: known[n] for n in names})))
    # running a month on Spark starts a JVM (tens of seconds): fuzz the clearing run on DuckDB only
    return [(label, s.filter(lambda c: not (isinstance(c.body, dict) and c.body.get("engine") == "spark")))
            for label, s in out]


def _fuzz(strategy: Any, hdr: dict[str, str], statuses: collections.Counter[int]) -> None:
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        response = case.call(headers=hdr, timeout=30)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=hdr)

    run()


def test_every_operation_answers_within_its_schema(fuzz_app: tuple[Any, dict[str, str], str]) -> None:
    app, known, person_id = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    roles = role_headers(person_id)
    failures: dict[str, list[str]] = collections.defaultdict(list)
    statuses: collections.Counter[int] = collections.Counter()
    errors = _ServerErrors()
    log = logging.getLogger("yidi.api")
    log.addHandler(errors)
    operations = 0
    try:
        for result in schema.get_all_operations():
            op = result.ok()
            operations += 1
            key = f"{op.method.upper()} {op.path}"
            rule = RULES[key]
            for role in ["anonymous"] if rule.public else sorted(r.value for r in rule.roles):
                hdr = roles[role]
                for label, strategy in _strategies(op, known):
                    try:
                        _fuzz(strategy, hdr, statuses)
                    except Unsatisfiable:
                        pass  # nothing to break (no parameters) in negative mode
                    except BaseException as exc:  # schemathesis' FailureGroup is an exception group
                        if isinstance(exc, KeyboardInterrupt):
                            raise
                        failures[f"{key} as {role} ({label})"].append(str(exc)[:3000])
    finally:
        log.removeHandler(errors)
    total = sum(statuses.values())
    print(f"\nfuzz: {operations} operations, {total} requests, statuses {dict(sorted(statuses.items()))}")
    api_rules = [k for k in RULES if k.split(" ", 1)[1].startswith("/api/")]
    assert operations == len(api_rules), "the OpenAPI document and the route rules disagree"
    assert not failures, "\n\n".join(f"== {k}\n" + "\n".join(v) for k, v in failures.items())
    assert not errors.seen, errors.seen
    assert total > operations * 10
