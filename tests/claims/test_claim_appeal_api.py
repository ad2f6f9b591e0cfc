"""复核 (appeal of a rejected claim) over HTTP on SQLite and PostgreSQL: the person's reason and new scans within
the appeal period, a second reviewer (never the one who rejected) approves — then it is paid as any approved
claim — or upholds the rejection (final, invoices released), the history for the person and the agency, and
two reviewers deciding one appeal at the same moment."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from tests.claims.helpers import API, INVOICES, QIAN, VISIT, add_people, draft, error, me, ready, upload
from tests.claims.test_claim_checks_api import _race
from tests.claims.test_claim_flow_api import FULL_FUND
from tests.support.scans import image_bytes
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.domain.errors import YidiError
from yidi.services import claims
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context

FIRST, SECOND = "reviewer-369900", "agency-369900"  # two demo staff accounts of 369900 with the reviewer duty


def staff(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": username,
                                                "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def rejected(client: TestClient, by: dict[str, str]) -> str:
    no: str = ready(client)["claim_no"]
    assert client.post(f"{API}/{no}/submit", headers=me()).status_code == 200
    assert client.post(f"{API}/{no}/review", headers=by).status_code == 200
    r = client.post(f"{API}/{no}/reject", json={"reason": "缺少转诊证明，按未备案处理不予报销"}, headers=by)
    assert r.status_code == 200 and r.json()["state"] == "REJECTED", r.text
    return no


def appealed(client: TestClient, by: dict[str, str]) -> str:
    no = rejected(client, by)
    assert upload(client, no, "referral_certificate", image_bytes("PNG"), "referral.png",
                  media="image/png").status_code == 201
    r = client.post(f"{API}/{no}/appeal", json={"reason": "已补充江西省人民医院出具的转诊证明"}, headers=me())
    assert r.status_code == 200 and r.json()["state"] == "APPEALED", r.text
    return no


def test_appeal_approved_by_a_second_reviewer_and_paid(client: TestClient, ctx: Context,
                                                       demo: dict[str, Any]) -> None:
    add_people(ctx)
    first, second = staff(client, FIRST), staff(client, SECOND)
    no = rejected(client, first)
    seen = client.get(f"{API}/{no}", headers=me()).json()["appeal"]
    # rejected today; 369900 states no appeal period, so the default 60 days: today + 60
    assert seen["may_appeal"] and seen["appeal_days"] == 60
    assert seen["deadline"] == (ctx.today() + dt.timedelta(days=60)).isoformat()
    assert seen["rejection_reason"].startswith("缺少转诊证明") and "rejected_by" not in seen  # staff names: staff only
    # an appeal needs its reason and new material since the rejection
    error(client.post(f"{API}/{no}/appeal", json={"reason": "请重新审核"}, headers=me()), 422, "CLAIM_APPEAL_NO_MATERIAL")
    assert upload(client, no, "referral_certificate", image_bytes("PNG"), "referral.png",
                  media="image/png").status_code == 201
    error(client.post(f"{API}/{no}/appeal", json={"reason": "  "}, headers=me()), 422, "REASON_REQUIRED")
    r = client.post(f"{API}/{no}/appeal", json={"reason": "已补充转诊证明"}, headers=me())
    assert r.status_code == 200 and r.json()["state"] == "APPEALED", r.text
    assert r.json()["appeal"]["appeal_reason"] == "已补充转诊证明" and len(r.json()["appeal"]["new_documents"]) == 1
    assert no in [c["claim_no"] for c in client.get(f"{API}/queue", headers=second).json()["items"]]
    # the reviewer who rejected may not decide the appeal, either way
    error(client.post(f"{API}/{no}/approve", headers=first), 403, "CLAIM_APPEAL_SAME_REVIEWER")
    error(client.post(f"{API}/{no}/uphold", json={"reason": "维持"}, headers=first), 403, "CLAIM_APPEAL_SAME_REVIEWER")
    error(client.post(f"{API}/{no}/approve", headers=me()), 403, "ROLE_NOT_ALLOWED")
    assert client.get(f"{API}/{no}", headers=second).json()["appeal"]["rejected_by"] == FIRST
    r = client.post(f"{API}/{no}/approve", json={"reason": "转诊证明有效"}, headers=second)
    assert r.status_code == 200 and r.json()["state"] == "APPROVED", r.text
    # computed as any approval (tests/claims/test_claim_flow_api.py works the same four lines by hand: 2214.00)
    assert r.json()["amounts"]["payable"] == FULL_FUND
    batch = client.post(f"{API}/batches", headers=second).json()
    assert batch["count"] == 1 and batch["total"] == FULL_FUND
    assert client.post(f"{API}/batches/{batch['batch_no']}/paid", headers=second).status_code == 200
    mine = client.get(f"{API}/{no}", headers=me()).json()
    assert mine["state"] == "PAID" and mine["appeal"]["outcome"] == "APPROVED"
    steps = [h["action"] for h in mine["history"]]
    assert steps[-5:] == ["DOCUMENT_ADDED", "APPEAL", "APPEAL_APPROVE", "BATCHED", "PAY"]
    assert all("reviewer" not in h["detail"] for h in mine["history"])  # who decided is for staff
    theirs = client.get(f"{API}/{no}", headers=second).json()
    assert theirs["appeal"]["decided_by"] == SECOND
    assert [h["detail"].get("reviewer") for h in theirs["history"] if h["action"] in ("REJECT", "APPEAL_APPROVE")] \
        == [FIRST, SECOND]


def test_upheld_is_final_and_releases_the_invoices(client: TestClient, ctx: Context, demo: dict[str, Any]) -> None:
    add_people(ctx)
    first, second = staff(client, FIRST), staff(client, SECOND)
    no = appealed(client, first)
    # while appealed the claim holds its invoices again: no second claim for them
    error(client.post(API, json={"visit": VISIT, "invoices": INVOICES}, headers=me()), 409, "INVOICE_ALREADY_CLAIMED")
    error(client.post(f"{API}/{no}/uphold", json={"reason": ""}, headers=second), 422, "REASON_REQUIRED")
    r = client.post(f"{API}/{no}/uphold", json={"reason": "转诊证明开具于出院之后，维持原决定"}, headers=second)
    assert r.status_code == 200 and r.json()["state"] == "UPHELD", r.text
    assert r.json()["appeal"]["outcome"] == "UPHELD" and r.json()["appeal"]["outcome_reason"].startswith("转诊证明")
    # final: no second appeal, no more papers
    error(client.post(f"{API}/{no}/appeal", json={"reason": "再次申请"}, headers=me()), 409, "CLAIM_STATE")
    error(upload(client, no, "other"), 409, "CLAIM_NOT_EDITABLE")
    assert draft(client, invoices=INVOICES)["claim_no"] != no  # the invoices are free again


def test_appeal_period_and_who_may_appeal(client: TestClient, ctx: Context, demo: dict[str, Any]) -> None:
    add_people(ctx)
    no = rejected(client, staff(client, FIRST))
    error(client.post(f"{API}/{no}/appeal", json={"reason": "不服"}, headers=me(demo["post_hoc"].id_number)), 404,
          "CLAIM_NOT_FOUND")  # someone else's claim does not exist for them
    today = ctx.today()
    ctx.today = lambda: today + dt.timedelta(days=60)  # the last day: papers still taken
    assert upload(client, no, "other").status_code == 201
    ctx.today = lambda: today + dt.timedelta(days=61)
    e = error(client.post(f"{API}/{no}/appeal", json={"reason": "不服"}, headers=me()), 422,
              "CLAIM_APPEAL_DEADLINE_PASSED")
    assert (today + dt.timedelta(days=60)).isoformat() in e["message_zh"]
    error(upload(client, no, "other"), 409, "CLAIM_NOT_EDITABLE")
    assert client.get(f"{API}/{no}", headers=me()).json()["appeal"]["may_appeal"] is False


def test_two_reviewers_decide_one_appeal_at_once(client: TestClient, ctx: Context, demo: dict[str, Any]) -> None:
    add_people(ctx)
    no = appealed(client, staff(client, FIRST))
    b = Principal(Role.AGENCY, "369900", frozenset(Duty), SECOND)
    c = dataclasses.replace(b, user="admin-369900")
    out = _race([lambda: claims.approve(ctx, b, no), lambda: claims.uphold(ctx, c, no, "维持原决定")])
    won = [o for o in out if isinstance(o, dict)]
    assert len(won) == 1, out
    assert all(isinstance(o, YidiError) and o.code == "CLAIM_STATE" for o in out if not isinstance(o, dict))
    state = claims.show(ctx, b, no)
    assert state["state"] == won[0]["state"] and [h["action"] for h in state["history"]].count("APPEAL_APPROVE") \
        + [h["action"] for h in state["history"]].count("APPEAL_UPHOLD") == 1
    assert QIAN  # the claim's person throughout
