"""Generated bodies on every write route (issue 13, proof 1): only 2xx or a documented 4xx, never a 5xx, and a
4xx changes nothing — no table's row count or content differs before and after (the audit trail included).

Every POST / PUT / PATCH / DELETE operation of the OpenAPI document is called, on PostgreSQL, with requests
generated from its schema (schemathesis): valid ones (positive), ones that break the schema (negative),
valid ones on real records (known ids: a demo filing, an open and a settled hospital visit, the person's
own draft claim), as each role its rule allows, plus a few as a role it does not allow. Each answer must be
below 500, documented with its content type, and match its schema; after each 4xx the fingerprint of
every table (tests/support/fingerprint.py: row count and md5 of the sorted rows) must equal the one before.

YIDI_FUZZ_WRITE_EXAMPLES (default 8) bounds the examples per operation, role and mode (hypothesis,
derandomised: the same requests on every run). docs/reliability.md has the figures.
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
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from tests.api.fuzzing import FuzzTarget, ServerErrors, fuzz_target, role_headers, strategies
from tests.support.fingerprint import Fingerprint, changed, fingerprint
from yidi.domain.packset import PackSet
from yidi.http.authz import RULES

EXAMPLES = int(os.environ.get("YIDI_FUZZ_WRITE_EXAMPLES", "8"))
WRONG_ROLE_EXAMPLES = 2
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance]
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def target(tmp_path: Path, packs: PackSet) -> Iterator[FuzzTarget]:
    with fuzz_target(tmp_path, packs, with_claim=True) as t:
        yield t


class Tally:
    def __init__(self, t: FuzzTarget) -> None:
        self.t = t
        self.last: Fingerprint = fingerprint(t.ctx.engine)
        self.statuses: collections.Counter[int] = collections.Counter()
        self.refused_unchanged = 0


def _fuzz(strategy: Any, hdr: dict[str, str], tally: Tally, examples: int) -> None:
    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        before = tally.last
        response = case.call(headers=hdr, timeout=30)
        tally.statuses[response.status_code] += 1
        tally.last = fingerprint(tally.t.ctx.engine)
        case.validate_response(response, checks=CHECKS, headers=hdr)
        if 400 <= response.status_code < 500:
            diff = changed(before, tally.last)
            assert not diff, f"{response.status_code} {response.text[:300]} changed {diff}"
            tally.refused_unchanged += 1

    run()


def test_write_routes_answer_2xx_or_a_documented_4xx_and_4xx_changes_nothing(target: FuzzTarget) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
    roles = role_headers(target.person_id)
    tally = Tally(target)
    failures: dict[str, list[str]] = collections.defaultdict(list)
    errors = ServerErrors()
    log = logging.getLogger("yidi.api")
    log.addHandler(errors)
    operations = 0
    try:
        for result in schema.get_all_operations():
            op = result.ok()
            if op.method.upper() not in WRITES:
                continue
            operations += 1
            key = f"{op.method.upper()} {op.path}"
            rule = RULES[key]
            allowed = ["anonymous"] if rule.public else sorted(r.value for r in rule.roles)
            runs = [(role, label, s, EXAMPLES) for role in allowed for label, s in strategies(op, target.known)]
            wrong = [r for r in ("anonymous", "person", "hospital", "clearing") if r not in allowed and not rule.public]
            if wrong:  # a caller the rule refuses: refused, and nothing stored
                runs.append((wrong[0], "wrong role", op.as_strategy(generation_mode=GenerationMode.POSITIVE),
                             WRONG_ROLE_EXAMPLES))
            for role, label, strategy, n in runs:
                try:
                    _fuzz(strategy, roles[role], tally, n)
                except Unsatisfiable:
                    pass  # nothing to break (no parameters) in negative mode
                except BaseException as exc:  # schemathesis' FailureGroup is an exception group
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    failures[f"{key} as {role} ({label})"].append(str(exc)[:3000])
    finally:
        log.removeHandler(errors)
    total = sum(tally.statuses.values())
    print(f"\nwrite fuzz: {operations} operations, {total} requests, {tally.refused_unchanged} refusals checked "
          f"unchanged, statuses {dict(sorted(tally.statuses.items()))}")
    writes = [k for k in RULES if k.split(" ", 1)[0] in WRITES and k.split(" ", 1)[1].startswith("/api/")]
    assert operations == len(writes), "the OpenAPI document and the route rules disagree"
    assert not failures, "\n\n".join(f"== {k}\n" + "\n".join(v) for k, v in failures.items())
    assert not errors.seen, errors.seen
    assert tally.refused_unchanged > operations * 5 and sum(n for s, n in tally.statuses.items() if s < 300) >= 20
