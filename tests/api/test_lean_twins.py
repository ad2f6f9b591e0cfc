"""The hot routes' hidden twins (yidi.api.routes.matched_first) answer without FastAPI's general dependency solver
(yidi.http.lean), and answer exactly what FastAPI's own handler answers: status, body and headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from tests.support.db import as_
from yidi.api.deps import get_context
from yidi.demo.dataset import DemoPerson

H = "H44030000001"


def _requests(demo: dict[str, DemoPerson]) -> list[tuple[str, str, dict[str, Any]]]:
    p = demo["retiree_resettled"]
    ok = {"id_number": p.id_number, "name": p.name, "institution": H, "visit_type": "INPATIENT"}
    hosp, json = as_("hospital", H), {"Content-Type": "application/json"}
    return [
        ("GET", "/api/v1/health", {}),
        ("GET", "/api/v1/health", {"headers": {"Authorization": "Bearer yk_nope.nope"}}),  # public: bad key ignored
        ("POST", "/api/v1/eligibility", {"json": ok, "headers": hosp}),
        ("POST", "/api/v1/eligibility", {"json": {**ok, "institution": "H44010000001"}, "headers": hosp}),  # 403
        ("POST", "/api/v1/eligibility", {"json": {**ok, "visit_type": "NOPE", "name": ""}, "headers": hosp}),
        ("POST", "/api/v1/eligibility", {"json": {**ok, "id_number": "440301199001011235"}, "headers": hosp}),
        ("POST", "/api/v1/eligibility", {"json": {**ok, "extra": 1}, "headers": hosp}),
        ("POST", "/api/v1/eligibility", {"json": [ok], "headers": hosp}),
        ("POST", "/api/v1/eligibility", {"json": None, "headers": hosp}),
        ("POST", "/api/v1/eligibility", {"headers": hosp}),  # no body
        ("POST", "/api/v1/eligibility", {"content": b'{"id_number": ', "headers": {**hosp, **json}}),
        ("POST", "/api/v1/eligibility", {"content": b"id=1", "headers": {**hosp, "Content-Type": "text/plain"}}),
        ("POST", "/api/v1/eligibility", {"json": ok}),  # no credentials: 401
        ("POST", "/api/v1/eligibility", {"json": ok, "headers": {"Authorization": "Bearer yk_nope.nope"}}),
        ("POST", "/api/v1/eligibility", {"json": ok, "headers": {"Authorization": "Basic abc"}}),
        ("POST", "/api/v1/eligibility", {"json": ok, "headers": as_("clearing", "440300")}),  # role not allowed
        ("POST", "/api/v1/eligibility", {"json": ok, "headers": as_("agency", "110100")}),  # another region
        ("POST", "/api/v1/eligibility", {"json": ok, "headers": as_("person", p.id_number)}),
        ("POST", "/api/v1/hospital/persons/query", {"json": {"id_number": p.id_number, "name": p.name},
                                                     "headers": hosp}),
        ("POST", "/api/v1/hospital/persons/query", {"json": {"id_number": p.id_number}, "headers": hosp}),
        ("POST", "/api/v1/hospital/persons/query", {"json": {"id_number": p.id_number, "name": p.name},
                                                     "headers": as_("person", p.id_number)}),  # 403
        ("POST", "/api/v1/hospital/visits/NOPE1/pre-settle", {"json": {}, "headers": hosp}),  # 404
        ("POST", "/api/v1/hospital/visits/no-pe/pre-settle", {"json": {}, "headers": hosp}),  # path pattern
        ("POST", "/api/v1/hospital/visits/NOPE1/pre-settle", {"json": {"nope": 1}, "headers": hosp}),
        ("POST", "/api/v1/hospital/visits/NOPE1/settle", {"json": {}, "headers": hosp}),
    ]


@pytest.fixture
def solver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    calls: list[int] = []
    solve = fastapi.routing.solve_dependencies

    async def counted(**kwargs: Any) -> Any:
        calls.append(1)
        return await solve(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    yield calls


def _answer(client: TestClient, method: str, path: str, kw: dict[str, Any]) -> tuple[int, bytes, list[Any]]:
    r = client.request(method, path, **kw)
    return r.status_code, r.content, sorted(r.headers.multi_items())


def test_twins_answer_as_fastapis_own_handler(client: TestClient, demo: dict[str, DemoPerson],
                                              solver_calls: list[int]) -> None:
    requests = _requests(demo)
    lean = [_answer(client, m, p, kw) for m, p, kw in requests]
    assert {a[0] for a in lean} >= {200, 400, 401, 403, 404, 415, 422}
    assert len(solver_calls) == 1  # settle (a sync route) alone is left to FastAPI's solver
    # any dependency override sends a twin back to FastAPI's own handler (the override is the dependency itself)
    client.app.dependency_overrides[get_context] = get_context  # type: ignore[attr-defined]
    try:
        own = [_answer(client, m, p, kw) for m, p, kw in requests]
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert len(solver_calls) == 1 + len(requests) - 2  # two bodies are refused before a handler: 400, 415
    for (m, p, kw), a, b in zip(requests, lean, own, strict=True):
        assert a == b, (m, p, kw)
