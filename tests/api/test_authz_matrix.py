"""The allowed/denied matrix: every route of the app, every role, against yidi.api.authz.RULES.

A route without a rule fails here (and answers 403 ROUTE_WITHOUT_RULE in the running app). For each
OpenAPI operation and each kind of caller a request is sent (placeholder ids, an empty body): an allowed
caller must get past authorisation (anything but 401 and an authorisation 403), a denied one must get 401
(nobody signed in) or 403 ROLE_NOT_ALLOWED, and never a 5xx either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from yidi.api.app import create_app
from yidi.api.authz import RULES, app_routes
from yidi.api.security import AuthConfig
from yidi.demo.dataset import DemoPerson
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context

CALLERS: dict[str, Principal | None] = {
    "anonymous": None,
    "person": Principal(Role.PERSON, "PLACEHOLDER"),  # the demo person's ID number is filled in below
    "hospital": Principal(Role.HOSPITAL, "H44010000001"),
    "agency-all": Principal(Role.AGENCY, "369900", frozenset(Duty)),
    "agency-reviewer": Principal(Role.AGENCY, "369900", frozenset({Duty.REVIEWER})),
    "agency-payer": Principal(Role.AGENCY, "369900", frozenset({Duty.PAYER})),
    "agency-admin": Principal(Role.AGENCY, "369900", frozenset({Duty.ADMINISTRATOR})),
    "clearing": Principal(Role.CLEARING, "000000"),
}


def headers(p: Principal | None, person_id: str) -> dict[str, str]:
    if p is None:
        return {}
    subject = person_id if p.role is Role.PERSON else p.subject
    h = {"X-Yidi-Role": p.role.value, "X-Yidi-Subject": subject}
    if p.role is Role.AGENCY:
        h["X-Yidi-Duties"] = ",".join(sorted(p.duties))
    return h


@pytest.fixture
def matrix_client(ctx: Context, demo: dict[str, DemoPerson]) -> Iterator[TestClient]:
    cfg = AuthConfig(b"matrix-secret-0123456789", dev_headers=True)
    with TestClient(create_app(ctx=ctx, auth=cfg), raise_server_exceptions=False) as c:
        yield c


def test_every_route_has_a_rule(ctx: Context) -> None:
    app = create_app(ctx=ctx, auth=AuthConfig(b"x" * 20))
    routes = app_routes(app)
    missing = sorted(routes - RULES.keys())
    assert not missing, f"routes without an access rule (add them to yidi.api.authz.RULES): {missing}"
    spec = app.openapi()
    ops = {f"{m.upper()} {path}" for path, item in spec["paths"].items() for m in item}
    assert ops <= routes  # the OpenAPI document shows nothing that escapes the check


def test_stale_rules_are_reported(ctx: Context) -> None:
    app = create_app(ctx=ctx, auth=AuthConfig(b"x" * 20))
    stale = sorted(RULES.keys() - app_routes(app))
    # not a failure (a router may be mounted elsewhere), but say it so the registry stays tidy
    if stale:
        print("rules for routes this app does not have:", stale)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_matrix(matrix_client: TestClient, demo: dict[str, DemoPerson]) -> None:
    person_id = demo["post_hoc"].id_number
    spec = matrix_client.app.openapi()  # type: ignore[attr-defined]
    checked = 0
    wrong: list[str] = []
    for path, item in spec["paths"].items():
        for method in item:
            key = f"{method.upper()} {path}"
            rule = RULES[key]
            for name, p in CALLERS.items():
                r = matrix_client.request(method.upper(), _fill(path), headers=headers(p, person_id),
                                          json={} if method in ("post", "put", "patch") else None)
                checked += 1
                body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
                err = body.get("error", {}) if isinstance(body, dict) else {}
                authz_denied = r.status_code == 401 or (r.status_code == 403 and err.get("code") == "ROLE_NOT_ALLOWED")
                if r.status_code >= 500:
                    wrong.append(f"{key} as {name}: {r.status_code}")
                elif rule.allows(p) and authz_denied:
                    wrong.append(f"{key} as {name}: allowed by the rule, got {r.status_code} {err.get('code')}")
                elif not rule.allows(p) and not authz_denied:
                    wrong.append(f"{key} as {name}: denied by the rule, got {r.status_code} {err.get('code')}")
    assert not wrong, "\n".join(wrong)
    assert checked >= len(spec["paths"]) * len(CALLERS)
