"""门诊慢特病 certification for a relative (issue 17), on SQLite and PostgreSQL: with a confirmed family link a
person applies for an elderly parent, adds the diagnosis papers and follows the application; the parent's
insured region approves it and the parent is certified. Without a confirmed link (asked but not confirmed, or
none) the application is refused with MAY_NOT_ACT_FOR_PERSON and nothing is stored; another's application stays
"not found".

王磊 (369900) acts for 李秀英 (369900, long-term filing to Beijing) in the test: relationship PARENT.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_chronic_certification import (
    CERTS,
    HYPERTENSION,
    MINE,
    REVIEWER,
    eligibility,
    err,
    me,
    scans_dir,  # noqa: F401
)
from tests.api.test_family_links import ask, linked
from tests.support.scans import pdf_bytes
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson
from yidi.services.context import Context


def test_a_confirmed_relative_applies_and_the_parent_is_certified(
        client: TestClient, demo: dict[str, DemoPerson]) -> None:
    child, parent = demo["resident_worker"], demo["long_term_resident"]
    linked(client, child, parent)
    r = client.post(MINE, json={**HYPERTENSION, "id_number": parent.id_number}, headers=me(child))
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["name"] == parent.name and cert["insured_region"] == "369900" and cert["state"] == "APPLIED"
    up = client.post(f"{CERTS}/{cert['cert_id']}/papers", headers=me(child),
                     files={"file": ("诊断证明.pdf", pdf_bytes(), "application/pdf")})
    assert up.status_code == 201, up.text
    # both follow it: the child by naming the parent, the parent as their own
    theirs = client.get(MINE, params={"id_number": parent.id_number}, headers=me(child)).json()
    assert [c["cert_id"] for c in theirs] == [cert["cert_id"]]
    assert [c["cert_id"] for c in client.get(MINE, headers=me(parent)).json()] == [cert["cert_id"]]
    assert client.get(MINE, headers=me(child)).json() == []  # not the child's own

    ok = client.post(f"{CERTS}/{cert['cert_id']}/review", headers=REVIEWER, json={"decision": "APPROVE"})
    assert ok.status_code == 200 and ok.json()["state"] == "APPROVED", ok.text
    assert [h["action"] for h in ok.json()["history"]] == ["APPLY", "ADD_PAPER", "APPROVE"]
    assert eligibility(client, parent)["eligible"]  # the parent's chronic visit in Beijing now passes


def test_without_a_confirmed_link_nothing_is_stored(
        client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    child, parent, stranger = demo["resident_worker"], demo["long_term_resident"], demo["emergency"]
    assert ask(client, child, parent.id_number, parent.name).status_code == 202  # asked, not yet confirmed
    mine = client.post(MINE, json=HYPERTENSION, headers=me(parent))  # the parent's own application
    assert mine.status_code == 201
    before = snapshot(ctx)
    for who in (child, stranger):
        err(client.post(MINE, json={**HYPERTENSION, "disease": "M01600", "id_number": parent.id_number},
                        headers=me(who)), 403, "MAY_NOT_ACT_FOR_PERSON")
        err(client.get(MINE, params={"id_number": parent.id_number}, headers=me(who)), 403, "MAY_NOT_ACT_FOR_PERSON")
        err(client.get(f"{CERTS}/{mine.json()['cert_id']}", headers=me(who)), 404, "CHRONIC_CERT_NOT_FOUND")
        err(client.post(f"{CERTS}/{mine.json()['cert_id']}/papers", headers=me(who),
                        files={"file": ("x.pdf", pdf_bytes(), "application/pdf")}), 404, "CHRONIC_CERT_NOT_FOUND")
    assert_unchanged(ctx, before)
