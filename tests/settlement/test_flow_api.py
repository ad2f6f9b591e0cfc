"""The hospital flow over HTTP on SQLite and PostgreSQL: register, upload, pre-settle, settle, revoke, reverse,
accumulators, reconcile, and `yidi ledger verify` after each story."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi.testclient import TestClient

from tests.settlement.helpers import (
    API,
    GZ1,
    GZ2,
    add_filing,
    key_for,
    lines,
    register,
    seed_person,
    settle,
    upload,
    visit_with_lines,
)
from yidi.domain.enums import FilingType
from yidi.services import ledger
from yidi.services.context import Context


def verified(ctx: Context) -> None:
    rep = ledger.verify(ctx)
    assert rep.ok, rep.problems


def test_register_upload_presettle_settle(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 1)
    h = key_for(ctx, GZ1)
    v = register(client, h, p, "INPATIENT")
    assert v["eligible"] is True and v["status"] == "OPEN"
    mid = v["mdtrt_id"]
    up = upload(client, h, mid, lines(20))
    assert len(up["lines"]) == 20
    statuses = {ln["code"]: ln["item_status"] for ln in up["lines"]}
    assert statuses["ZZ-UNKNOWN"] == "OUT_OF_CATALOGUE" and statuses["XC01"] == "CLASS_C"  # kept, classified
    assert any(Decimal(ln["overlmt_amt"]) > 0 for ln in up["lines"] if ln["code"] == "S001")  # over the price cap
    q = client.post(f"{API}/visits/{mid}/pre-settle", json={}, headers=h)
    assert q.status_code == 200, q.text
    quote = q.json()
    assert quote["breakdown"]["steps"], "a pre-settlement explains itself"
    s = settle(client, h, mid, "key-0000001", expected=quote["quote"])
    assert s["status"] == "SETTLED" and s["changes"] == []
    for f in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "hifp_pay"):
        assert s["breakdown"][f] == quote["breakdown"][f]  # pre-settle and settle agree to the fen
    visit = client.get(f"{API}/visits/{mid}", headers=h).json()
    assert visit["status"] == "SETTLED" and visit["settlements"][0]["setl_id"] == s["setl_id"]
    # a settled visit takes no more lines
    r = client.post(f"{API}/visits/{mid}/lines", json={"lines": lines(1, prefix="X")}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "VISIT_SETTLED"
    acc = client.post(f"{API}/accumulators/query", json={"id_number": p.id_number}, headers=h).json()
    assert acc["admissions"] == 1 and Decimal(acc["fund_paid"]["basic"]) == Decimal(s["breakdown"]["hifp_pay"])
    assert Decimal(acc["cap_left"]["basic"]) == Decimal(acc["caps"]["basic"]) - Decimal(acc["fund_paid"]["basic"])
    verified(ctx)


def test_retry_same_key_pays_once_other_body_refused(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 2)
    h = key_for(ctx, GZ1)
    mid = visit_with_lines(client, h, p)
    a = settle(client, h, mid, "retry-key-1")
    b = settle(client, h, mid, "retry-key-1")
    assert a == b  # the first answer again (byte for byte: tests/api/test_limits_and_answers.py)
    r = client.post(f"{API}/visits/{mid}/settle", json={"idempotency_key": "retry-key-1", "use_account": False}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    r = client.post(f"{API}/visits/{mid}/settle", json={"idempotency_key": "another-key"}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "VISIT_ALREADY_SETTLED"
    verified(ctx)


def test_settle_says_what_changed(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 3)
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    m1 = visit_with_lines(client, h1, p)
    m2 = visit_with_lines(client, h2, p)
    quote = client.post(f"{API}/visits/{m1}/pre-settle", json={}, headers=h1).json()
    settle(client, h2, m2)  # another hospital settles in between: the annual deductible is used there
    upload(client, h1, m1, lines(1, prefix="NEW"))
    s = settle(client, h1, m1, expected=quote["quote"])
    whats = {c["what"] for c in s["changes"]}
    assert {"LINES", "ACCUMULATORS", "AMOUNTS", "ACCOUNT"} <= whats
    verified(ctx)


def test_revoke_restores_and_resettle_recomputes(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 4)
    h = key_for(ctx, GZ1)
    mid = visit_with_lines(client, h, p, visit_type="INPATIENT")
    before = client.post(f"{API}/accumulators/query", json={"id_number": p.id_number}, headers=h).json()
    s = settle(client, h, mid)
    r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={"reason": "退费"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "REVOKED"
    after = client.post(f"{API}/accumulators/query", json={"id_number": p.id_number}, headers=h).json()
    for f in ("admissions", "deductible_paid", "fund_paid", "cap_left"):
        assert {k: v for k, v in after[f].items() if Decimal(v)} == {k: v for k, v in before[f].items() if Decimal(v)} \
            if isinstance(after[f], dict) else after[f] == before[f]
    info = client.post(f"{API}/persons/query", json={"id_number": p.id_number, "name": p.name}, headers=h).json()
    assert Decimal(info["balc"]) == p.balance  # the account got its money back
    # revoking twice: refused, nothing changed
    r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "SETTLEMENT_ALREADY_REVOKED"
    # partial refund (退费): withdraw two lines, settle again from the restored state
    w = client.post(f"{API}/visits/{mid}/lines/withdraw", json={"line_ids": ["L1", "L2"]}, headers=h)
    assert w.status_code == 200 and w.json()["totals"]["lines"] == "18"
    s2 = settle(client, h, mid)
    assert Decimal(s2["breakdown"]["medfee_sumamt"]) < Decimal(s["breakdown"]["medfee_sumamt"])
    assert s2["breakdown"]["act_pay_dedc"] == s["breakdown"]["act_pay_dedc"]  # deductible charged afresh, once
    verified(ctx)


def test_revoke_only_by_settling_hospital_within_window(ctx: Context, client: TestClient, monkeypatch) -> None:
    p = seed_person(ctx, 5)
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    s = settle(client, h1, visit_with_lines(client, h1, p))
    r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={}, headers=h2)
    assert r.status_code == 404 and r.json()["error"]["code"] == "SETTLEMENT_NOT_FOUND"
    monkeypatch.setattr(ctx, "today", lambda: dt.date(2026, 3, 20))
    monkeypatch.setenv("YIDI_REVOKE_WINDOW_DAYS", "7")
    r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={}, headers=h1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "REVOKE_WINDOW_PASSED"
    monkeypatch.setenv("YIDI_REVOKE_WINDOW_DAYS", "30")
    r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={}, headers=h1)
    assert r.status_code == 200
    verified(ctx)


def test_reversal_of_settle_and_of_revoke_and_unseen(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 6)
    h = key_for(ctx, GZ1)
    mid = visit_with_lines(client, h, p)
    s = settle(client, h, mid, "k-settle-01", msgid="H44010000001202603100001")
    r = client.post(f"{API}/reversals", json={"omsgid": "H44010000001202603100001"}, headers=h).json()
    assert r["result"] == "REVERSED" and r["settlement_status"] == "REVOKED"
    again = client.post(f"{API}/reversals", json={"omsgid": "H44010000001202603100001"}, headers=h).json()
    assert again["result"] == "ALREADY_REVERSED"
    # a retry of the reversed settle returns the revoked settlement: it never pays twice
    assert settle(client, h, mid, "k-settle-01", msgid="H44010000001202603100001")["status"] == "REVOKED"
    # settle anew, revoke it, then reverse the revocation: the settlement stands again, exactly
    s2 = settle(client, h, mid, "k-settle-02")
    rv = client.post(f"{API}/settlements/{s2['setl_id']}/revoke", json={"msgid": "MSG-REVOKE-1"}, headers=h)
    assert rv.status_code == 200
    back = client.post(f"{API}/reversals", json={"omsgid": "MSG-REVOKE-1"}, headers=h).json()
    assert back["result"] == "REVERSED" and back["settlement_status"] == "SETTLED"
    # a message reversed before it arrived is refused when it arrives late
    blocked = client.post(f"{API}/reversals", json={"omsgid": "LATE-1"}, headers=h).json()
    assert blocked["result"] == "BLOCKED" and blocked["found"] is False
    m2 = visit_with_lines(client, h, seed_person(ctx, 7))
    r = client.post(f"{API}/visits/{m2}/settle", json={"idempotency_key": "late-key-1", "msgid": "LATE-1"}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "MSG_REVERSED"
    assert s["setl_id"] != s2["setl_id"]
    verified(ctx)


def test_post_hoc_filing_makes_unfiled_visit_settleable(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 8, filing=False)
    h = key_for(ctx, GZ1)
    v = register(client, h, p, "INPATIENT", admitted_on="2026-03-05")
    assert v["eligible"] is False and "NO_FILING" in [r["code"] for r in v["eligibility"]["reasons"]]
    upload(client, h, v["mdtrt_id"], lines(5, date="2026-03-06"))
    r = client.post(f"{API}/visits/{v['mdtrt_id']}/settle", json={"idempotency_key": "posthoc-1"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "SETTLE_NOT_ELIGIBLE"
    add_filing(ctx, p, "440100", dt.date(2026, 3, 8), FilingType.OTHER_TEMPORARY, admitted_on=dt.date(2026, 3, 5))
    s = settle(client, h, v["mdtrt_id"], "posthoc-1")
    assert s["breakdown"]["basis"] == "TEMPORARY"
    verified(ctx)


def test_reconcile_day(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    setls = [settle(client, h, visit_with_lines(client, h, seed_person(ctx, 10 + i), n=3)) for i in range(3)]
    client.post(f"{API}/settlements/{setls[0]['setl_id']}/revoke", json={}, headers=h)

    def total(f: str) -> str:
        return str(sum(Decimal(s["breakdown"][f]) for s in setls[1:]))

    body = {"day": "2026-03-10", "count": 2, "medfee_sumamt": total("medfee_sumamt"),
            "fund_pay_sumamt": total("fund_pay_sumamt"), "acct_pay": total("acct_pay"), "cash_payamt": total("psn_cash_pay")}
    r = client.post(f"{API}/reconciliation", json=body, headers=h).json()
    assert r["result"] == "match", r
    r = client.post(f"{API}/reconciliation", json={**body, "count": 3}, headers=h).json()
    assert r["result"] == "mismatch" and len(r["differences"]) == 4  # 3 settlements + 1 revocation listed
    detail = [{"setl_id": s["setl_id"], "medfee_sumamt": s["breakdown"]["medfee_sumamt"],
               "fund_pay_sumamt": s["breakdown"]["fund_pay_sumamt"], "acct_pay": s["breakdown"]["acct_pay"],
               "cash_payamt": s["breakdown"]["psn_cash_pay"]} for s in setls[1:]]
    detail[0]["medfee_sumamt"] = "1.00"
    r = client.post(f"{API}/reconciliation", json={**body, "settlements": detail}, headers=h).json()
    problems = sorted(d["problem"] for d in r["differences"])
    assert r["result"] == "mismatch" and problems == ["AMOUNT_DIFFERS", "MISSING_AT_HOSPITAL", "MISSING_AT_HOSPITAL"]
