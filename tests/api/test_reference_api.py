"""Institutions, quotes, health and the OpenAPI document over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_find_networked_hospitals(client: TestClient) -> None:
    r = client.get("/api/v1/institutions", params={"region": "440100", "level": "L3", "visit_type": "INPATIENT",
                                                   "networked": "true"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and all(i["region"] == "440100" and i["level"] == "L3" and "INPATIENT" in i["networked"]
                         for i in items)
    off = client.get("/api/v1/institutions", params={"region": "440000", "networked": "false"}).json()
    assert off["total"] >= 1 and all(i["networked"] == [] for i in off["items"])
    page = client.get("/api/v1/institutions", params={"limit": 5, "offset": 5}).json()
    assert len(page["items"]) == 5 and page["total"] > 10


def test_institution_filters_are_validated(client: TestClient) -> None:
    for params, code in (({"region": "99"}, "REGION_FORMAT"), ({"region": "990100"}, "REGION_UNKNOWN"),
                         ({"level": "L9"}, "FIELD_CHOICE"), ({"limit": "0"}, "FIELD_INVALID")):
        r = client.get("/api/v1/institutions", params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text


def test_quote_uses_the_engine(client: TestClient) -> None:
    bill = json.loads((EXAMPLES / "inpatient-referral.json").read_text(encoding="utf-8"))
    r = client.post("/api/v1/quote", json=bill)
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["medfee_sumamt"] and b["steps"]
    bill["lines"][0]["unit_price"] = "-1"
    r = client.post("/api/v1/quote", json=bill)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["code"] == "MONEY_NEGATIVE"


def test_health_and_openapi(client: TestClient) -> None:
    h = client.get("/api/v1/health").json()
    assert h["status"] == "ok" and h["database"] in ("sqlite", "postgresql")
    doc = client.get("/openapi.json").json()
    paths = set(doc["paths"])
    assert {"/api/v1/filings", "/api/v1/filings/{filing_id}", "/api/v1/filings/{filing_id}/cancel",
            "/api/v1/filings/{filing_id}/change", "/api/v1/filings/{filing_id}/review", "/api/v1/filings/materials",
            "/api/v1/eligibility", "/api/v1/institutions", "/api/v1/quote", "/api/v1/health"} <= paths


def test_routes_matched_first_keep_their_place_in_the_schema(client: TestClient) -> None:
    # health and eligibility have hidden twins included before every router (yidi.api.routes.matched_first);
    # the schema documents each route once, where its own router puts it, after the routers included earlier
    doc = client.get("/openapi.json").json()
    paths = list(doc["paths"])
    assert paths.index("/api/v1/auth/token") < paths.index("/api/v1/eligibility") < paths.index("/api/v1/health")
    ops = [op["operationId"] for p in doc["paths"].values() for op in p.values()]
    assert len(ops) == len(set(ops))
    assert client.post("/api/v1/health").status_code == 405  # the twin answers as the route: GET only


def test_no_other_route_answers_what_a_twin_matched_first_answers(client: TestClient) -> None:
    # a twin included before every router (yidi.api.routes.matched_first) changes which route answers only if
    # an earlier route also matches its path and method: for each twin's path (placeholders filled), every
    # route of the app that matches it with that method is the twin's own route (the same endpoint)
    import re

    from fastapi.routing import APIRoute, iter_route_contexts

    routes = list(iter_route_contexts(client.app.routes))  # type: ignore[attr-defined]
    twins = [rc for rc in routes if isinstance(rc.original_route, APIRoute)
             and not rc.original_route.include_in_schema and rc.path_format.startswith("/api/v1/")]
    assert {t.path_format for t in twins} >= {"/api/v1/health", "/api/v1/eligibility",
                                              "/api/v1/hospital/persons/query",
                                              "/api/v1/hospital/visits/{mdtrt_id}/settle",
                                              "/api/v1/hospital/visits/{mdtrt_id}/pre-settle"}
    for t in twins:
        path = re.sub(r"\{[^}]+\}", "X1", t.path_format)
        answering = 0
        for rc in routes:
            if rc.path_format is None or not rc.methods or not (rc.methods & t.methods):
                continue
            pattern = "^" + re.sub(r"\{[^}:]+(:path)?\}", lambda m: ".*" if m.group(1) else "[^/]+",
                                   rc.path_format) + "$"
            if re.match(pattern, path):
                assert rc.endpoint is t.endpoint, (t.path_format, rc.path_format)
                answering += 1
        assert answering == 2, t.path_format  # the twin and its documented route
