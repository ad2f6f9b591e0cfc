"""Filings over HTTP on SQLite and PostgreSQL: the flows, the scoping by role, and bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.db import TODAY, as_
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.repositories import Filings

API = "/api/v1/filings"
OTHER_TEMP: dict[str, Any] = {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": True,
                              "materials": ["credential", "filing_form"]}


def count(ctx: Context) -> int:
    with unit_of_work(ctx.sessions) as s:
        return Filings(s).count()


def me(p: DemoPerson) -> dict[str, str]:
    return as_("person", p.id_number)


def error(r: Any) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"}, body
    e = body["error"]
    assert {"code", "message_zh", "message_en", "field", "problems"} <= set(e)
    assert e["message_zh"] and e["message_en"]
    return e  # type: ignore[no-any-return]


def test_file_list_show_cancel(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    p = demo["dibao"]
    r = client.post(API, json=OTHER_TEMP, headers=me(p))
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["status"] == "ACTIVE" and f["start"] == TODAY.isoformat()
    assert f["end"] == "2026-09-09"  # six months, the region's temporary validity
    assert f["person_id_number"] == p.id_number[:6] + "********" + p.id_number[-4:]
    assert [e["action"] for e in f["history"]] == ["CREATED"]

    mine = client.get(API, headers=me(p)).json()
    assert mine["total"] == 1 and mine["items"][0]["filing_id"] == f["filing_id"]
    assert p.id_number not in client.get(API, headers=me(p)).text  # lists show masked IDs only

    shown = client.get(f"{API}/{f['filing_id']}", headers=me(p)).json()
    assert shown["filing_id"] == f["filing_id"]

    r = client.post(f"{API}/{f['filing_id']}/cancel", json={"reason": "行程取消"}, headers=me(p))
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    assert [e["action"] for e in r.json()["history"]] == ["CREATED", "CANCELLED"]
    # nothing is deleted: the cancelled record is still there, and cannot be cancelled twice
    assert count(ctx) == 8
    again = client.post(f"{API}/{f['filing_id']}/cancel", headers=me(p))
    assert again.status_code == 409 and error(again)["code"] == "FILING_NOT_ACTIVE"


def test_change_keeps_history(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["retiree_resettled"]  # filed 400 days ago: past the 6-month lock
    old = client.get(API, headers=me(p)).json()["items"][0]
    body = {"type": "RETIREE_RESETTLED", "treatment_area": "440100", "commitment": True,
            "materials": ["credential", "filing_form"]}
    r = client.post(f"{API}/{old['filing_id']}/change", json=body, headers=me(p))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["previous"]["status"] == "SUPERSEDED" and out["filing"]["supersedes"] == old["filing_id"]
    listed = client.get(API, headers=me(p)).json()
    assert listed["total"] == 2
    assert {i["status"] for i in listed["items"]} == {"ACTIVE", "SUPERSEDED"}


def test_long_term_lock(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    p = demo["long_term_resident"]  # filed 30 days ago
    fid = client.get(API, headers=me(p)).json()["items"][0]["filing_id"]
    r = client.post(f"{API}/{fid}/cancel", headers=me(p))
    assert r.status_code == 409 and error(r)["code"] == "FILING_LOCKED"
    assert client.get(f"{API}/{fid}", headers=me(p)).json()["status"] == "ACTIVE"


def test_person_cannot_see_or_touch_another_persons_filing(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    owner, stranger = demo["resident_worker"], demo["dibao"]
    fid = client.get(API, headers=me(owner)).json()["items"][0]["filing_id"]
    for method, path in (("get", f"{API}/{fid}"), ("post", f"{API}/{fid}/cancel"), ("post", f"{API}/{fid}/change")):
        kwargs: dict[str, Any] = {"headers": me(stranger)}
        if path.endswith("change"):
            kwargs["json"] = OTHER_TEMP
        r = getattr(client, method)(path, **kwargs)
        assert r.status_code == 404 and error(r)["code"] == "FILING_NOT_FOUND"  # existence does not leak
    assert client.get(API, headers=me(stranger)).json()["total"] == 0
    assert client.get(f"{API}/{fid}", headers=me(owner)).json()["status"] == "ACTIVE"


def test_agency_sees_only_its_region(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    jx = client.get(API, headers=as_("agency", "369900")).json()
    assert jx["total"] == 7 and all(i["insured_region"] == "369900" for i in jx["items"])
    # Shenzhen requires chosen hospitals (sample pack)
    r = client.post(API, json={**OTHER_TEMP, "treatment_area": "110100", "institutions": ["H11010000001"]},
                    headers=me(demo["shenzhen_insured"]))
    assert r.status_code == 201, r.text
    assert client.get(API, headers=as_("agency", "440300")).json()["total"] == 1
    fid = jx["items"][0]["filing_id"]
    r = client.get(f"{API}/{fid}", headers=as_("agency", "440300"))
    assert r.status_code == 404
    r = client.get(API, headers=as_("hospital", "H44010000001"))
    assert r.status_code == 403 and error(r)["code"] == "ROLE_NOT_ALLOWED"


def test_agency_files_on_behalf_with_consent(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["dibao"]
    body = {**OTHER_TEMP, "id_number": p.id_number, "consent": True}
    r = client.post(API, json=body, headers=as_("agency", "369900"))
    assert r.status_code == 201, r.text
    assert r.json()["filed_by"] == "agency:369900" and r.json()["consent"] is True
    r = client.post(API, json={**body, "treatment_area": "110100"}, headers=as_("agency", "440300"))
    assert r.status_code == 404 and error(r)["code"] == "PERSON_NOT_FOUND"  # not insured in that region


def test_relative_needs_a_confirmed_family_link(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    # ticking consent proves nothing: without a link the elder confirmed, nothing is filed for them
    # (tests/api/test_family_links.py covers the links themselves)
    before = count(ctx)
    elder, child = demo["dibao"], demo["resident_worker"]
    for extra in ({}, {"consent": True}):
        r = client.post(API, json={**OTHER_TEMP, "id_number": elder.id_number, **extra}, headers=me(child))
        assert r.status_code == 403 and error(r)["code"] == "MAY_NOT_ACT_FOR_PERSON"
    assert count(ctx) == before


def test_review_of_a_region_that_reviews(client: TestClient, demo: dict[str, DemoPerson], ctx: Context) -> None:
    pol = ctx.packs.policies["369900"]
    versions = [v.model_copy(update={"filing": v.filing.model_copy(update={"review_required": True})})
                for v in pol.versions]
    # a changed copy for this test's context: the sample packs are shared by the whole session
    ctx.packs = dataclasses.replace(ctx.packs, policies={**ctx.packs.policies,
                                                        "369900": pol.model_copy(update={"versions": versions})})
    p = demo["dibao"]
    f = client.post(API, json=OTHER_TEMP, headers=me(p)).json()
    assert f["status"] == "PENDING_REVIEW"
    r = client.post(f"{API}/{f['filing_id']}/review", json={"approve": True}, headers=me(p))
    assert r.status_code == 403 and error(r)["code"] == "ROLE_NOT_ALLOWED"
    r = client.post(f"{API}/{f['filing_id']}/review", json={"approve": False}, headers=as_("agency", "369900"))
    assert r.status_code == 422 and error(r)["code"] == "FILING_REASON_REQUIRED"
    r = client.post(f"{API}/{f['filing_id']}/review", json={"approve": True, "reason": "材料齐全"},
                    headers=as_("agency", "369900"))
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    assert [e["action"] for e in r.json()["history"]] == ["CREATED", "APPROVED"]
    r = client.post(f"{API}/{f['filing_id']}/review", json={"approve": True}, headers=as_("agency", "369900"))
    assert r.status_code == 409 and error(r)["code"] == "FILING_NOT_PENDING"


def test_post_hoc_filing_needs_the_open_admission(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["post_hoc"]  # admitted two days ago in Guangzhou
    admitted = (TODAY - dt.timedelta(days=2)).isoformat()
    body = {**OTHER_TEMP, "start": admitted, "admitted_on": admitted}
    r = client.post(API, json={**body, "treatment_area": "110100"}, headers=me(p))
    assert r.status_code == 422 and error(r)["code"] == "FILING_NO_OPEN_ADMISSION"
    r = client.post(API, json=body, headers=me(p))
    assert r.status_code == 201 and r.json()["start"] == admitted and r.json()["admitted_on"] == admitted


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("own region", {**OTHER_TEMP, "treatment_area": "369900"}, 422, "FILING_OWN_REGION"),
    ("unknown region", {**OTHER_TEMP, "treatment_area": "990100"}, 422, "REGION_UNKNOWN"),
    ("region format", {**OTHER_TEMP, "treatment_area": "44A"}, 422, "REGION_FORMAT"),
    ("dates reversed", {**OTHER_TEMP, "start": "2026-04-01", "end": "2026-03-20"}, 422, "DATE_ORDER"),
    ("backdated", {**OTHER_TEMP, "start": "2026-01-01"}, 422, "FILING_BACKDATED"),
    ("bad type", {**OTHER_TEMP, "type": "HOLIDAY"}, 422, "FIELD_CHOICE"),
    ("unknown field", {**OTHER_TEMP, "colour": "red"}, 422, "FIELD_UNKNOWN"),
    ("missing field", {"treatment_area": "440100"}, 422, "FIELD_MISSING"),
    ("no such date", {**OTHER_TEMP, "start": "2026-02-30"}, 422, "DATE_NOT_EXIST"),
    ("unknown hospital", {**OTHER_TEMP, "institutions": ["H99999999999"]}, 422, "INSTITUTION_UNKNOWN"),
    ("bad ID checksum", {**OTHER_TEMP, "id_number": "360426199101010072"}, 422, "ID_CHECKSUM"),
    ("unknown person", {**OTHER_TEMP, "id_number": demo_id("360102", "19990101", 11)}, 404, "PERSON_NOT_FOUND"),
    ("second long-term", {"type": "LONG_TERM_RESIDENT", "treatment_area": "510100", "commitment": True,
                          "materials": ["credential", "filing_form"]}, 409, "FILING_DUPLICATE_LONG_TERM"),
    ("overlapping temporary", {**OTHER_TEMP, "treatment_area": "440300"}, 409, "FILING_OVERLAP"),
]


@pytest.mark.parametrize(("case", "body", "status", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_changes_nothing(client: TestClient, demo: dict[str, DemoPerson], ctx: Context,
                                   case: str, body: dict[str, Any], status: int, code: str) -> None:
    # 郑丽 holds a long-term filing (Guangzhou); 陈静 a temporary one for all of Guangdong
    who = demo["other_temporary"] if case == "overlapping temporary" else demo["chronic_retiree"]
    headers = as_("agency", "369900") if "id_number" in body else me(who)
    before = count(ctx)
    r = client.post(API, json=body, headers=headers)
    assert r.status_code == status, r.text
    e = error(r)
    assert code in [p["code"] for p in e["problems"]]
    assert count(ctx) == before


def test_auth_placeholder_errors(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = client.get(API)
    assert r.status_code == 401 and error(r)["code"] == "AUTH_REQUIRED"
    r = client.get(API, headers=as_("admin", "x"))
    assert r.status_code == 401 and error(r)["code"] == "AUTH_INVALID"
    r = client.get(API, headers=as_("person", "360426199101010072"))
    assert r.status_code == 401 and error(r)["code"] == "AUTH_INVALID"


def test_malformed_json_and_unknown_routes(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = client.post(API, content=b"{not json", headers={**me(demo["dibao"]), "content-type": "application/json"})
    assert r.status_code == 400 and error(r)["code"] == "JSON_SYNTAX"
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and error(r)["code"] == "NOT_FOUND"
    r = client.get(f"{API}/BA1/../../x", headers=me(demo["dibao"]))
    assert r.status_code in (404, 422)


def test_materials(client: TestClient) -> None:
    r = client.get(f"{API}/materials", params={"type": "RETIREE_RESETTLED", "commitment": "true"})
    assert r.status_code == 200
    req = {m["code"]: m["required"] for m in r.json()["materials"]}
    assert req == {"credential": True, "filing_form": True, "household_register": False, "commitment_letter": True}
    r = client.get(f"{API}/materials", params={"type": "NOPE"})
    assert r.status_code == 422 and error(r)["code"] == "FIELD_CHOICE"
