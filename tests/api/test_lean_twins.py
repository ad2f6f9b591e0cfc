"""The hot routes' hidden twins (yidi.api.routes.matched_first) answer without FastAPI's general dependency solver
(yidi.http.lean), and answer exactly what FastAPI's own handler answers: status, body and headers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from tests.settlement.helpers import API, GZ1, key_for, lines, seed_person, visit_with_lines
from tests.support.db import as_
from yidi.api.deps import get_context
from yidi.demo.dataset import DemoPerson
from yidi.services.context import Context

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
        *_settle_requests(p.id_number, hosp),
    ]


def _settle_requests(person_id: str, hosp: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """Settles answered before the use case changes anything: every way its key, path or caller can be wrong."""
    path, key = "/api/v1/hospital/visits/NOPE1/settle", {"idempotency_key": "key-0001"}
    return [
        ("POST", path, {"json": {}, "headers": hosp}),  # no idempotency key
        ("POST", path, {"json": key, "headers": hosp}),  # no such visit: 404
        ("POST", path, {"json": {}, "headers": {**hosp, "Idempotency-Key": "key-0001"}}),  # the key as a header
        ("POST", path, {"json": key, "headers": {**hosp, "Idempotency-Key": "key-0001"}}),  # both, agreeing
        ("POST", path, {"json": key, "headers": {**hosp, "Idempotency-Key": "key-0002"}}),  # header and body disagree
        ("POST", path, {"json": {}, "headers": {**hosp, "Idempotency-Key": "bad key!"}}),  # bad key in the header
        ("POST", path, {"json": {}, "headers": {**hosp, "Idempotency-Key": "k" * 65}}),  # header too long
        ("POST", path, {"json": {"idempotency_key": "short"}, "headers": hosp}),  # bad key in the body
        ("POST", path, {"json": {**key, "nope": 1, "msgid": "a b"}, "headers": hosp}),
        ("POST", "/api/v1/hospital/visits/no-pe/settle", {"json": key, "headers": hosp}),  # bad mdtrt_id
        ("POST", "/api/v1/hospital/visits/{}/settle".format("M" * 33), {"json": key, "headers": hosp}),
        ("POST", path, {"json": key}),  # no credentials: 401
        ("POST", path, {"json": key, "headers": {"Authorization": "Bearer yk_nope.nope"}}),  # 401
        ("POST", path, {"json": key, "headers": as_("person", person_id)}),  # not a hospital: 403
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
    assert not solver_calls  # no twin goes through FastAPI's solver
    # any dependency override sends a twin back to FastAPI's own handler (the override is the dependency itself)
    client.app.dependency_overrides[get_context] = get_context  # type: ignore[attr-defined]
    try:
        own = [_answer(client, m, p, kw) for m, p, kw in requests]
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert len(solver_calls) == len(requests) - 2  # two bodies are refused before a handler: 400, 415
    for (m, p, kw), a, b in zip(requests, lean, own, strict=True):
        assert a == b, (m, p, kw)


def test_a_settle_and_its_retries_answer_as_under_fastapis_own_handler(ctx: Context, client: TestClient,
                                                                        solver_calls: list[int]) -> None:
    person, h = seed_person(ctx, 1), key_for(ctx, GZ1)
    mdtrt_id = visit_with_lines(client, h, person)
    solver_calls.clear()  # only the settles count here
    path, body = f"{API}/visits/{mdtrt_id}/settle", {"idempotency_key": "twin-settle-1", "msgid": "twin-1"}
    ways = [{"json": body, "headers": h},
            {"json": {"msgid": "twin-1"}, "headers": {**h, "Idempotency-Key": "twin-settle-1"}}]  # key as header
    first = _answer(client, "POST", path, ways[0])
    lean = [_answer(client, "POST", path, kw) for kw in ways]
    assert not solver_calls
    client.app.dependency_overrides[get_context] = get_context  # type: ignore[attr-defined]
    try:
        own = [_answer(client, "POST", path, kw) for kw in ways]
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert len(solver_calls) == len(ways)
    assert lean == own
    # a retry answers the first answer byte for byte, marked as replayed
    assert first[0] == 200 and json.loads(first[1])["mdtrt_id"] == mdtrt_id
    assert ("idempotent-replayed", "true") not in first[2]
    assert all(a == (200, first[1], sorted([*first[2], ("idempotent-replayed", "true")])) for a in lean)


def _both(client: TestClient, requests: list[tuple[str, str, dict[str, Any]]],
          ) -> tuple[list[tuple[int, bytes, list[Any]]], list[tuple[int, bytes, list[Any]]]]:
    """The answers through the twins, then through FastAPI's own handler (a dependency override sends them there)."""
    lean = [_answer(client, m, p, kw) for m, p, kw in requests]
    client.app.dependency_overrides[get_context] = get_context  # type: ignore[attr-defined]
    try:
        own = [_answer(client, m, p, kw) for m, p, kw in requests]
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    return lean, own


def test_a_registration_and_an_upload_answer_as_under_fastapis_own_handler(ctx: Context, client: TestClient,
                                                                          solver_calls: list[int]) -> None:
    person, h = seed_person(ctx, 2), key_for(ctx, GZ1)
    reg = {"id_number": person.id_number, "name": person.name, "visit_type": "OUTPATIENT"}
    up = {"json": {"lines": lines(20)}, "headers": h}
    refused: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"{API}/visits", {"json": reg}),  # no credentials: 401
        ("POST", f"{API}/visits", {"json": reg, "headers": as_("person", person.id_number)}),  # not a hospital: 403
        ("POST", f"{API}/visits", {"json": {**reg, "visit_type": "NOPE"}, "headers": h}),  # 422
        ("POST", f"{API}/visits", {"json": {**reg, "id_number": "123"}, "headers": h}),  # a bad ID number: 422
        ("POST", f"{API}/visits/NOPE1/lines", {**up}),  # no such visit: 404
        ("POST", f"{API}/visits/no-pe/lines", {**up}),  # path pattern
        ("POST", f"{API}/visits/NOPE1/lines", {"json": {"lines": [{"line_id": "x"}]}, "headers": h}),  # bad lines
        ("POST", f"{API}/visits/NOPE1/lines", {"json": {"lines": lines(2)}}),  # 401
    ]
    solver_calls.clear()
    lean, own = _both(client, refused)
    assert {a[0] for a in lean} == {401, 403, 404, 422}
    assert lean == own
    assert len(solver_calls) == len(refused)  # FastAPI's own handler's only: no twin calls the solver
    # a registration answers 201 and its visit, the same both ways but for the visit's new number
    solver_calls.clear()
    (first,), (second,) = _both(client, [("POST", f"{API}/visits", {"json": reg, "headers": h})])
    assert len(solver_calls) == 1
    assert first[0] == second[0] == 201 and first[2] == second[2]
    a, b = json.loads(first[1]), json.loads(second[1])
    assert a["mdtrt_id"] != b["mdtrt_id"] and {**a, "mdtrt_id": ""} == {**b, "mdtrt_id": ""}
    # an upload of 20 lines, then the same lines again: the visit as it stands, the same both ways
    path = f"{API}/visits/{a['mdtrt_id']}/lines"
    solver_calls.clear()
    lean, own = _both(client, [("POST", path, up)])
    assert lean == own and lean[0][0] == 200 and json.loads(lean[0][1])["totals"]["lines"] == "20"
    assert len(solver_calls) == 1
