"""Who may file for whom (issue 13, item 1): family links, on SQLite and PostgreSQL.

A person files for themself; for a relative only with a family link the relative confirmed (online, or
agency staff recording the proof checked at the counter). A refused attempt answers the same whether the
person exists or not and stores nothing (row counts of every table, ledger and audit verify). The filer
follows the filing they made; the relative sees it too; a revoked link ends the filer's access at once.
Asking for a link never tells whether the ID number and name belong to anyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.db import TODAY, as_
from tests.support.unchanged import assert_unchanged, snapshot, verified
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.domain.family import MAX_PENDING_PER_REQUESTER, MAX_REQUESTS_PER_DAY
from yidi.domain.ids import mask_id
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.family_models import FamilyLinkRow

FILINGS, LINKS, COUNTER = "/api/v1/filings", "/api/v1/me/relatives", "/api/v1/family-links"
OTHER_TEMP = {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": True,
              "materials": ["credential", "filing_form", "commitment_letter"]}
NOBODY = demo_id("360102", "19600101", 995)  # a valid ID number that belongs to no insured person
REVIEWER = {**as_("agency", "369900"), "X-Yidi-Duties": "reviewer"}


def me(p: DemoPerson) -> dict[str, str]:
    return as_("person", p.id_number)


def err(r: httpx.Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    e: dict[str, Any] = r.json()["error"]
    assert e["code"] == code, e
    if field is not None:
        assert e["field"] == field, e
    return e


def ask(client: TestClient, who: DemoPerson, relative_id: str, name: str, relationship: str = "PARENT") -> httpx.Response:
    return client.post(LINKS, json={"id_number": relative_id, "name": name, "relationship": relationship},
                       headers=me(who))


def linked(client: TestClient, child: DemoPerson, elder: DemoPerson) -> str:
    """child asks, elder confirms: returns the link id (as the elder sees it awaiting them)."""
    assert ask(client, child, elder.id_number, elder.name).status_code == 202
    waiting = client.get(LINKS, headers=me(elder)).json()["awaiting_me"]
    assert len(waiting) == 1
    link_id: str = waiting[0]["link_id"]
    r = client.post(f"{LINKS}/{link_id}/confirm", headers=me(elder))
    assert r.status_code == 200 and r.json()["state"] == "CONFIRMED", r.text
    return link_id


def file_for(client: TestClient, actor: DemoPerson, person_id: str, **extra: Any) -> httpx.Response:
    return client.post(FILINGS, json={**OTHER_TEMP, "id_number": person_id, **extra}, headers=me(actor))


def test_stranger_cannot_file_and_learns_nothing(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    stranger, elder = demo["resident_worker"], demo["dibao"]
    own = client.post(FILINGS, json=OTHER_TEMP, headers=me(elder)).json()["filing_id"]
    before = snapshot(ctx)
    answers = []
    for target in (elder.id_number, NOBODY):
        for extra in ({}, {"consent": True}):  # ticking consent proves nothing
            r = file_for(client, stranger, target, **extra)
            err(r, 403, "MAY_NOT_ACT_FOR_PERSON", "id_number")
            answers.append(r.json())
    assert all(a == answers[0] for a in answers), "the same answer whether the person exists or not"
    # the elder's filing: not found for the stranger, like a filing number that does not exist
    ghost = "BA20260310ABCDEF0123"
    for fid in (own, ghost):
        err(client.get(f"{FILINGS}/{fid}", headers=me(stranger)), 404, "FILING_NOT_FOUND")
        err(client.post(f"{FILINGS}/{fid}/cancel", json={}, headers=me(stranger)), 404, "FILING_NOT_FOUND")
        err(client.post(f"{FILINGS}/{fid}/change", json=OTHER_TEMP, headers=me(stranger)), 404, "FILING_NOT_FOUND")
    assert own not in [i["filing_id"] for i in client.get(FILINGS, headers=me(stranger)).json()["items"]]
    r = client.post("/api/v1/eligibility", json={"id_number": elder.id_number, "name": elder.name,
                                                 "institution": "H44010000001", "visit_type": "INPATIENT"},
                    headers=me(stranger))
    err(r, 403, "MAY_NOT_ACT_FOR_PERSON")
    assert_unchanged(ctx, before)


def test_asking_for_a_link_reveals_nothing(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]
    before = snapshot(ctx)
    wrong_name = ask(client, child, elder.id_number, "吴某某")
    nobody = ask(client, child, NOBODY, "吴强")
    assert wrong_name.status_code == nobody.status_code == 202
    assert wrong_name.json() == nobody.json()
    assert_unchanged(ctx, before)  # nothing stored when the pair matches nobody
    right = ask(client, child, elder.id_number, f" {elder.name} ")  # spaces around a name are not a mismatch
    assert right.status_code == 202 and right.json() == nobody.json()
    after = snapshot(ctx)
    assert after["family_links"][0] == before["family_links"][0] + 1  # (rows, digest) per table
    assert after["family_link_events"][0] == before["family_link_events"][0] + 1
    # the requester cannot tell which of the three was stored: no unanswered request is shown to them
    assert client.get(LINKS, headers=me(child)).json() == {"relatives": [], "awaiting_me": [], "acting_for_me": []}
    waiting = client.get(LINKS, headers=me(elder)).json()["awaiting_me"]
    assert [(w["other_name"], w["other_id_number"], w["other_is_zh"]) for w in waiting] == [
        (child.name, mask_id(child.id_number), "子女")]  # the elder sees who asks, and as what
    verified(ctx)


def test_confirmed_relative_files_and_both_follow_it(client: TestClient, demo: dict[str, DemoPerson],
                                                       ctx: Context) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]
    linked(client, child, elder)
    r = file_for(client, child, elder.id_number)
    assert r.status_code == 201, r.text
    f = r.json()
    # the real filer is recorded by yidi, not by the request, and shows in the history
    assert f["filed_by"] == f"person:{mask_id(child.id_number)}" and f["consent"] is True
    assert f["person_id_number"] == mask_id(elder.id_number)
    assert [(e["action"], e["actor_role"], e["actor"]) for e in f["history"]] == [
        ("CREATED", "person", mask_id(child.id_number))]
    fid = f["filing_id"]
    for who in (child, elder):  # visible to both
        assert client.get(f"{FILINGS}/{fid}", headers=me(who)).status_code == 200
        assert fid in [i["filing_id"] for i in client.get(FILINGS, headers=me(who)).json()["items"]]
    ok = client.post("/api/v1/eligibility", json={"id_number": elder.id_number, "name": elder.name,
                                                  "institution": "H44010000001", "visit_type": "INPATIENT"},
                     headers=me(child))
    assert ok.status_code == 200 and ok.json()["eligible"] is True
    export = client.get("/api/v1/me/export", headers=me(elder)).json()  # the link is the elder's data too
    assert [(x["my_side"], x["state"]) for x in export["family_links"]] == [("RELATIVE", "CONFIRMED")]
    # a caller-supplied filer is refused, not stored
    err(file_for(client, child, elder.id_number, filed_by="agency:369900"), 422, "FIELD_UNKNOWN")
    r = client.post(f"{FILINGS}/{fid}/cancel", json={"reason": "行程取消"}, headers=me(child))
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    assert r.json()["history"][-1]["actor"] == mask_id(child.id_number)
    verified(ctx)


@pytest.mark.parametrize("side", ["relative", "requester"])
def test_revoked_link_ends_access(client: TestClient, demo: dict[str, DemoPerson], ctx: Context, side: str) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]
    link_id = linked(client, child, elder)
    fid = file_for(client, child, elder.id_number).json()["filing_id"]
    mine = client.get(LINKS, headers=me(child)).json()["relatives"]
    assert [(x["link_id"], x["state"], x["other_is_zh"]) for x in mine] == [(link_id, "CONFIRMED", "父母")]
    r = client.post(f"{LINKS}/{link_id}/revoke", json={"reason": "不再代办"},
                    headers=me(elder if side == "relative" else child))
    assert r.status_code == 200 and r.json()["state"] == "REVOKED" and r.json()["ended_on"] == TODAY.isoformat()
    assert [h["action"] for h in r.json()["history"]] == ["REQUEST", "CONFIRM", "REVOKE"]
    before = snapshot(ctx)
    err(client.get(f"{FILINGS}/{fid}", headers=me(child)), 404, "FILING_NOT_FOUND")
    err(client.post(f"{FILINGS}/{fid}/cancel", json={}, headers=me(child)), 404, "FILING_NOT_FOUND")
    err(file_for(client, child, elder.id_number, treatment_area="110100"), 403, "MAY_NOT_ACT_FOR_PERSON")
    assert fid not in [i["filing_id"] for i in client.get(FILINGS, headers=me(child)).json()["items"]]
    assert_unchanged(ctx, before)
    assert client.get(f"{FILINGS}/{fid}", headers=me(elder)).status_code == 200  # still the elder's filing
    err(client.post(f"{LINKS}/{link_id}/revoke", headers=me(elder)), 409, "FAMILY_LINK_STATE")


def test_agency_records_the_proof_checked_at_the_counter(client: TestClient, demo: dict[str, DemoPerson],
                                                         ctx: Context) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]  # the elder is insured in 369900
    body = {"requester_id_number": child.id_number, "relative_id_number": elder.id_number, "relationship": "PARENT",
            "proof_kind": "HOUSEHOLD_REGISTER", "proof_note": "户口簿 户号 360181-0042"}
    before = snapshot(ctx)
    err(client.post(COUNTER, json=body, headers={**as_("agency", "440300"), "X-Yidi-Duties": "reviewer"}), 404,
        "PERSON_NOT_FOUND", "relative_id_number")  # staff of another region
    err(client.post(COUNTER, json=body, headers={**as_("agency", "369900"), "X-Yidi-Duties": "payer"}), 403,
        "ROLE_NOT_ALLOWED")  # the reviewer duty
    err(client.post(COUNTER, json={**body, "requester_id_number": NOBODY}, headers=REVIEWER), 404,
        "PERSON_NOT_FOUND", "requester_id_number")
    err(file_for(client, child, elder.id_number), 403, "MAY_NOT_ACT_FOR_PERSON")
    assert_unchanged(ctx, before)
    r = client.post(COUNTER, json=body, headers=REVIEWER)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["state"] == "CONFIRMED" and link["confirmed_by"] == "AGENCY" and link["proof_kind"] == "HOUSEHOLD_REGISTER"
    assert [(h["action"], h["actor_role"], h["note"]) for h in link["history"]] == [
        ("COUNTER_PROOF", "agency", "户口簿")]
    err(client.post(COUNTER, json=body, headers=REVIEWER), 409, "FAMILY_LINK_EXISTS")
    assert file_for(client, child, elder.id_number).status_code == 201
    found = client.post(f"{COUNTER}/query", json={"id_number": elder.id_number}, headers=REVIEWER).json()
    assert [x["link_id"] for x in found] == [link["link_id"]]
    r = client.post(f"{COUNTER}/{link['link_id']}/revoke", json={"reason": "本人到窗口申请解除"}, headers=REVIEWER)
    assert r.status_code == 200 and r.json()["state"] == "REVOKED"
    err(file_for(client, child, elder.id_number, treatment_area="110100"), 403, "MAY_NOT_ACT_FOR_PERSON")
    verified(ctx)


def test_counter_proof_confirms_a_waiting_request(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]
    ask(client, child, elder.id_number, elder.name, "PARENT")
    body = {"requester_id_number": child.id_number, "relative_id_number": elder.id_number, "relationship": "PARENT",
            "proof_kind": "NOTARISED_AUTHORISATION", "proof_note": "公证书 (2026)赣洪证字第 12 号"}
    r = client.post(COUNTER, json=body, headers=REVIEWER)
    assert r.status_code == 201 and [h["action"] for h in r.json()["history"]] == ["REQUEST", "COUNTER_PROOF"]
    assert client.get(LINKS, headers=me(elder)).json()["awaiting_me"] == []


def test_who_may_answer_a_request(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    child, elder, other = demo["resident_worker"], demo["dibao"], demo["lapsed"]
    ask(client, child, elder.id_number, elder.name)
    with unit_of_work(ctx.sessions) as s:
        link_id = s.scalars(select(FamilyLinkRow.link_id)).one()
    before = snapshot(ctx)
    # the requester cannot confirm for the relative; nobody else sees the request at all
    err(client.post(f"{LINKS}/{link_id}/confirm", headers=me(child)), 404, "FAMILY_LINK_NOT_FOUND")
    err(client.post(f"{LINKS}/{link_id}/confirm", headers=me(other)), 404, "FAMILY_LINK_NOT_FOUND")
    err(client.post(f"{LINKS}/GL20260310FFFFFFFFFF/confirm", headers=me(elder)), 404, "FAMILY_LINK_NOT_FOUND")
    err(file_for(client, child, elder.id_number), 403, "MAY_NOT_ACT_FOR_PERSON")  # requested is not confirmed
    assert_unchanged(ctx, before)
    r = client.post(f"{LINKS}/{link_id}/decline", headers=me(elder))
    assert r.status_code == 200 and r.json()["state"] == "DECLINED"
    err(client.post(f"{LINKS}/{link_id}/confirm", headers=me(elder)), 409, "FAMILY_LINK_STATE")
    assert client.get(LINKS, headers=me(child)).json()["relatives"] == []  # a refusal is not shown either
    err(ask(client, elder, elder.id_number, elder.name), 422, "FAMILY_LINK_SELF")


def test_a_request_lapses_after_30_days(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]
    ask(client, child, elder.id_number, elder.name)
    link_id = client.get(LINKS, headers=me(elder)).json()["awaiting_me"][0]["link_id"]
    ctx.today = lambda: TODAY + dt.timedelta(days=31)  # 30 days valid: 2026-03-10 .. 2026-04-09
    assert client.get(LINKS, headers=me(elder)).json()["awaiting_me"] == []
    err(client.post(f"{LINKS}/{link_id}/confirm", headers=me(elder)), 409, "FAMILY_LINK_EXPIRED")
    ask(client, child, elder.id_number, elder.name)  # asked again: the same link waits again from today
    assert client.get(LINKS, headers=me(elder)).json()["awaiting_me"][0]["link_id"] == link_id
    assert client.post(f"{LINKS}/{link_id}/confirm", headers=me(elder)).status_code == 200


def test_requests_are_capped_and_rate_limited(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    child = demo["resident_worker"]
    others = [p for k, p in demo.items() if k != "resident_worker"][:MAX_PENDING_PER_REQUESTER + 1]
    for p in others:
        assert ask(client, child, p.id_number, p.name).status_code == 202
    with unit_of_work(ctx.sessions) as s:
        stored = len(s.scalars(select(FamilyLinkRow)).all())
    assert stored == MAX_PENDING_PER_REQUESTER, "beyond the cap, requests are answered alike but not stored"
    # every request counts against the day's limit, matched or not: 6 above, 4 more that match nobody
    for _ in range(MAX_REQUESTS_PER_DAY - len(others)):
        assert ask(client, child, NOBODY, "某人").status_code == 202
    before = snapshot(ctx)
    for target, name in ((NOBODY, "某人"), (others[0].id_number, others[0].name)):
        r = ask(client, child, target, name)
        err(r, 429, "FAMILY_LINK_RATE_LIMITED", "id_number")
        assert 0 < int(r.headers["Retry-After"]) <= 24 * 3600  # says when to come back
    assert_unchanged(ctx, before)


def test_a_link_does_not_open_manual_claims(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    child, elder = demo["resident_worker"], demo["dibao"]
    linked(client, child, elder)
    visit = {"institution": "H44010000002", "visit_type": "INPATIENT", "admitted_on": "2026-02-01",
             "discharged_on": "2026-02-05", "diagnosis_code": "J18.9", "diagnosis_name": "肺炎",
             "reason_not_direct": "出差广州突发疾病，未办理备案"}
    before = snapshot(ctx)
    for target in (elder.id_number, NOBODY):
        e = err(client.post("/api/v1/claims", json={"visit": visit, "id_number": target}, headers=me(child)), 403,
                "MAY_NOT_ACT_FOR_PERSON", "id_number")
        assert "委托书" in e["message_zh"]  # the way that exists: the counter, with a signed authorisation
    assert_unchanged(ctx, before)
