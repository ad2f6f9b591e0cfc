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
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks as st_checks

from tests.api.fuzzing import ServerErrors, fuzz_target, role_headers, strategies
from yidi.domain.packset import PackSet
from yidi.http.authz import RULES

EXAMPLES = int(os.environ.get("YIDI_FUZZ_EXAMPLES", "6"))
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance]


@pytest.fixture
def fuzz_app(tmp_path: Path, packs: PackSet) -> Iterator[tuple[Any, dict[str, str], str]]:
    with fuzz_target(tmp_path, packs) as t:
        yield t.app, t.known, t.person_id


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
    errors = ServerErrors()
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
                for label, strategy in strategies(op, known):
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
