"""Every error a hospital can cause: a stable code, zh + en messages, a 4xx status, and nothing changed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.settlement.helpers import (
    API,
    GZ1,
    GZ2,
    key_for,
    lines,
    register,
    seed_person,
    settle,
    visit_with_lines,
)
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.models import Base, PersonRow
from yidi.store.settlement_models import YearAccumulatorRow


def digest(ctx: Context) -> dict[str, Any]:
    """Row counts of every table, account balances and accumulators: what "nothing changed" means."""
    with unit_of_work(ctx.sessions) as s:
        out: dict[str, Any] = {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                               if t.name != "audit_records"}
        out["balances"] = sorted(s.execute(select(PersonRow.id, PersonRow.account_balance_fen)).all())
        out["acc"] = sorted((r.person_id, r.version, json.dumps(r.content, sort_keys=True))
                            for r in s.scalars(select(YearAccumulatorRow)))
        out["audit"] = s.scalar(select(func.count()).select_from(Base.metadata.tables["audit_records"]))
    return out


def refused(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code, err
    assert err["message_zh"] and err["message_en"]


@pytest.fixture
def setup(ctx: Context, client: TestClient) -> dict[str, Any]:
    p = seed_person(ctx, 201)
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    mid = visit_with_lines(client, h1, p, n=3)
    done = settle(client, h1, visit_with_lines(client, h1, seed_person(ctx, 202), n=3))
    client.post(f"{API}/settlements/{done['setl_id']}/revoke", json={}, headers=h1)
    settled = settle(client, h1, visit_with_lines(client, h1, seed_person(ctx, 203), n=3))
    return {"p": p, "h1": h1, "h2": h2, "mid": mid, "revoked": done["setl_id"], "settled": settled}


def test_bad_requests_change_nothing(ctx: Context, client: TestClient, setup: dict[str, Any]) -> None:
    h1, h2, mid, p = setup["h1"], setup["h2"], setup["mid"], setup["p"]
    hb = key_for(ctx, "H44010000008")  # not networked for cross-province settlement
    before = digest(ctx)
    raw = {**h1, "Content-Type": "application/json"}
    cases: list[tuple[str, str, Any, dict[str, str], int, str]] = [
        # (method, path, body, headers, status, code)
        ("post", f"/visits/{mid}/lines", '{"lines": [', raw, 400, "JSON_SYNTAX"),
        ("post", f"/visits/{mid}/settle", "not json at all", raw, 400, "JSON_SYNTAX"),
        ("post", f"/visits/{mid}/lines", {"lines": [{"line_id": "a", "code": "XA01", "quantity": "abc",
                                                     "unit_price": "1.00"}]}, h1, 422, "NOT_A_NUMBER"),
        ("post", f"/visits/{mid}/lines", {"lines": [{"line_id": "a", "code": "XA01", "quantity": 1,
                                                     "unit_price": "-5.00"}]}, h1, 422, "MONEY_NEGATIVE"),
        ("post", f"/visits/{mid}/lines", {"lines": [{"line_id": "a", "code": "XA01", "quantity": "-2",
                                                     "unit_price": "5.00"}]}, h1, 422, "QUANTITY_NOT_POSITIVE"),
        ("post", f"/visits/{mid}/lines", {"lines": [{"line_id": "a", "code": "XA01", "quantity": 1,
                                                     "unit_price": "5.001"}]}, h1, 422, "MONEY_PRECISION"),
        ("post", f"/visits/{mid}/lines", {"lines": [{"line_id": "a", "code": "XA01", "quantity": 2,
                                                     "unit_price": "5.00", "amount": "11.00"}]}, h1, 422,
         "LINE_AMOUNT_MISMATCH"),
        ("post", f"/visits/{mid}/lines", {"lines": lines(1001)}, h1, 422, "BATCH_TOO_LARGE"),
        ("post", f"/visits/{mid}/lines", {"lines": []}, h1, 422, "BATCH_EMPTY"),
        ("post", f"/visits/{mid}/lines", {"lines": lines(2) + lines(1)}, h1, 422, "LINE_DUPLICATE"),
        ("post", f"/visits/{mid}/lines", {"lines": [{**lines(1)[0], "unit_price": "999.00"}]}, h1, 409, "LINE_CONFLICT"),
        ("post", f"/visits/{mid}/lines", {"lines": lines(1), "surprise": 1}, h1, 422, "FIELD_UNKNOWN"),
        ("post", f"/visits/{mid}/lines", {"lines": lines(1, date="2020-01-01")}, h1, 422, "LINE_DATE_OUTSIDE"),
        ("post", f"/visits/{mid}/lines/withdraw", {"line_ids": ["nope"]}, h1, 404, "LINE_NOT_FOUND"),
        ("post", "/visits", {"id_number": p.id_number, "name": p.name, "visit_type": "SPA"}, h1, 422, "FIELD_CHOICE"),
        ("post", "/visits", {"id_number": "360426199101010072", "name": "x", "visit_type": "OUTPATIENT"}, h1, 422,
         "ID_CHECKSUM"),
        ("post", "/visits", {"id_number": p.id_number, "name": p.name, "visit_type": "OUTPATIENT"},
         hb, 422, "VISIT_NOT_ELIGIBLE"),
        # another hospital's visit does not exist for it
        ("post", f"/visits/{mid}/settle", {"idempotency_key": "other-hosp-1"}, h2, 404, "VISIT_NOT_FOUND"),
        ("post", f"/visits/{mid}/lines", {"lines": lines(1, prefix="Z")}, h2, 404, "VISIT_NOT_FOUND"),
        ("get", f"/visits/{mid}", None, h2, 404, "VISIT_NOT_FOUND"),
        ("get", f"/settlements/{setup['settled']['setl_id']}", None, h2, 404, "SETTLEMENT_NOT_FOUND"),
        ("post", f"/settlements/{setup['settled']['setl_id']}/revoke", {}, h2, 404, "SETTLEMENT_NOT_FOUND"),
        ("post", "/accumulators/query", {"id_number": p.id_number}, h2, 404, "PERSON_NOT_FOUND"),
        # settling twice, revoking a revoked settlement
        ("post", f"/visits/{setup['settled']['mdtrt_id']}/settle", {"idempotency_key": "second-time"}, h1, 409,
         "VISIT_ALREADY_SETTLED"),
        ("post", f"/settlements/{setup['revoked']}/revoke", {}, h1, 409, "SETTLEMENT_ALREADY_REVOKED"),
        ("post", f"/visits/{mid}/settle", {}, h1, 422, "IDEMPOTENCY_KEY_REQUIRED"),
        ("post", f"/visits/{mid}/settle", {"idempotency_key": "short"}, h1, 422, "FIELD_INVALID"),
        ("post", f"/visits/{mid}/settle", {"idempotency_key": "good-key-1", "use_account": "maybe"}, h1, 422,
         "FIELD_INVALID"),
        ("post", f"/visits/{mid}/settle", {"idempotency_key": "good-key-2", "discharge_date": "2020-01-01"}, h1, 422,
         "DATE_ORDER"),
        ("post", "/reversals", {"omsgid": "bad id with spaces"}, h1, 422, "FIELD_INVALID"),
        ("post", "/reconciliation", {"day": "2026-03-10", "count": 0, "medfee_sumamt": "1.001",
                                     "fund_pay_sumamt": 0, "acct_pay": 0, "cash_payamt": 0}, h1, 422, "MONEY_PRECISION"),
        # authentication
        ("get", f"/visits/{mid}", None, {}, 401, "AUTH_REQUIRED"),
        ("get", f"/visits/{mid}", None, {"Authorization": "Bearer yk_nope.nope"}, 401, "AUTH_INVALID"),
        ("get", "/visits/abc-def", None, h1, 422, "FIELD_INVALID"),
    ]
    for method, path, body, headers, status, code in cases:
        if isinstance(body, str):
            r = client.request(method.upper(), API + path, content=body, headers=headers)
        else:
            r = client.request(method.upper(), API + path, json=body, headers=headers)
        refused(r, status, code)
        assert digest(ctx) == before, f"{method} {path} -> {code} changed something"


def test_huge_body_refused(ctx: Context, client: TestClient, setup: dict[str, Any]) -> None:
    before = digest(ctx)
    body = json.dumps({"lines": lines(1000, price="1.00"), "pad": "x" * (5 * 1024 * 1024)})
    r = client.post(f"{API}/visits/{setup['mid']}/lines", content=body, headers={**setup["h1"], "Content-Type": "application/json"})
    refused(r, 413, "PAYLOAD_TOO_LARGE")
    assert digest(ctx) == before


def test_same_line_twice_is_idempotent_and_replace_corrects(ctx: Context, client: TestClient, setup: dict[str, Any]) -> None:
    h1, mid = setup["h1"], setup["mid"]
    before = digest(ctx)
    again = client.post(f"{API}/visits/{mid}/lines", json={"lines": lines(3)}, headers=h1)
    assert again.status_code == 200 and again.json()["revision"] == 1
    assert digest(ctx) == before
    fixed = client.post(f"{API}/visits/{mid}/lines", json={"lines": [{**lines(1)[0], "unit_price": "50.00"}],
                                                           "replace": True}, headers=h1).json()
    assert fixed["revision"] == 2 and fixed["lines"][0]["unit_price"] == "50.00"


def test_register_unknown_person(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    r = client.post(f"{API}/visits", json={"id_number": "110101202311012176", "name": "无此人", "visit_type": "OUTPATIENT"},
                    headers=h)
    refused(r, 404, "PERSON_NOT_FOUND")
    assert register  # the helper stays importable for the other tests
