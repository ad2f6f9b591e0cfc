"""A visit the hospital could not settle directly becomes a manual claim filled from the visit (issue 19)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import TODAY, csrf_of, login, person
from yidi.domain.bill import FeeLine
from yidi.services import settlement
from yidi.services.access import Principal, Role
from yidi.services.context import Context

HOSPITAL = Principal(Role.HOSPITAL, "H44010000001")


def _discharged_without_settling(ctx: Context, id_number: str) -> str:
    """The demo's 黄勇 was admitted two days ago; the hospital lists his fees and discharges him unsettled."""
    visit = next(v for v in [settlement.show_visit(ctx, HOSPITAL, m) for m in _mdtrt_ids(ctx, id_number)])
    lines = [FeeLine(line_id="L1", code="S001", quantity="2", unit_price="60", name="床位费"),  # type: ignore[arg-type]
             FeeLine(line_id="L2", code="XA01", quantity="1", unit_price="35.5")]  # type: ignore[arg-type]
    settlement.upload_lines(ctx, HOSPITAL, visit.mdtrt_id, settlement.UploadLinesIn(lines=lines))
    settlement.discharge(ctx, HOSPITAL, visit.mdtrt_id, settlement.DischargeIn(discharge_date=TODAY))
    return visit.mdtrt_id


def _mdtrt_ids(ctx: Context, id_number: str) -> list[str]:
    with ctx.uow() as uow:
        key, _p = uow.persons.keyed(id_number) or (None, None)
        assert key is not None
        return [v.mdtrt_id for v in uow.visits.unsettled_of(key, 10)]


def test_unsettled_visit_offers_a_claim_filled_from_it(web: TestClient, ctx: Context) -> None:
    me = person("post_hoc")
    mdtrt_id = _discharged_without_settling(ctx, me)
    login(web, me)
    html = web.get("/me/settlements").text
    assert html.count(f'data-visit="{mdtrt_id}"') == 1 and f'href="/me/claims/new?visit={mdtrt_id}"' in html
    assert re.search(r"<title>结算记录 · yidi</title>", html)
    # 2 x 60.00 + 1 x 35.50 = 155.50
    assert "¥155.50" in html.split(f'data-visit="{mdtrt_id}"')[1]
    form = web.get(f"/me/claims/new?visit={mdtrt_id}").text
    assert 'id="from-visit"' in form and '<option value="H44010000001" selected>' in form
    two_days_ago = TODAY.toordinal() - 2
    assert f'value="{TODAY.fromordinal(two_days_ago).isoformat()}"' in form  # admitted on
    assert f'value="{TODAY.isoformat()}"' in form  # discharged on
    lines = re.search(r'<textarea id="f-lines" name="lines"[^>]*>([^<]*)</textarea>', form).group(1)  # type: ignore[union-attr]
    assert lines.splitlines() == ["S001, 2, 60.00, 床位费", "XA01, 1, 35.50"]
    # saved as a draft claim with those lines
    data = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', form))
    data |= {"csrf": csrf_of(form), "institution": "H44010000001", "visit_type": "INPATIENT", "lines": lines,
             "diagnosis_name": "肺炎"}
    r = web.post("/me/claims", data=data)
    assert r.status_code == 303, r.text[:2000]
    claim_no = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    saved = web.get(f"/api/v1/claims/{claim_no}").json()
    assert saved["line_total"] == "155.50"  # the hospital's lines, carried over
    assert saved["visit"]["institution"] == "H44010000001" and saved["visit"]["reason_not_direct"]


def test_only_ones_own_unsettled_visit(web: TestClient, ctx: Context) -> None:
    mdtrt_id = _discharged_without_settling(ctx, person("post_hoc"))
    login(web, person("retiree_resettled"))  # someone else
    assert f'data-visit="{mdtrt_id}"' not in web.get("/me/settlements").text
    r = web.get(f"/me/claims/new?visit={mdtrt_id}")
    assert r.status_code == 404 and "MY_VISIT_NOT_FOUND" in r.text and "黄勇" not in r.text


def test_filed_care_left_unsettled_asks_for_the_hospitals_note(web: TestClient, ctx: Context) -> None:
    """郑丽 holds a long-term filing for Guangzhou and H44010000001 is networked for inpatient care: the visit should
    have settled directly, so the claim filled from it asks for 医院出具的未能直接结算说明 (R-9.15), and says why."""
    from yidi.demo.dataset import PERSONS

    me = next(x for x in PERSONS if x.key == "chronic_retiree").id_number
    login(web, "desk-H44010000001")
    token = csrf_of(web.get("/desk").text)
    r = web.post("/desk/admit", data={"csrf": token, "id_number": me, "name": "郑丽", "visit_type": "INPATIENT",
                                      "day": TODAY.isoformat()})
    assert r.status_code == 303, r.text[:2000]
    mdtrt_id = next(m for m in _mdtrt_ids(ctx, me))
    settlement.upload_lines(ctx, HOSPITAL, mdtrt_id, settlement.UploadLinesIn(
        lines=[FeeLine(line_id="L1", code="S001", quantity="1", unit_price="60")]))  # type: ignore[arg-type]
    settlement.discharge(ctx, HOSPITAL, mdtrt_id, settlement.DischargeIn(discharge_date=TODAY))
    login(web, me)
    form = web.get(f"/me/claims/new?visit={mdtrt_id}").text
    reason = re.search(r'id="f-reason_not_direct" name="reason_not_direct" type="\w+" value="([^"]*)"', form)
    assert reason is not None and reason.group(1) == "已出院，医院未办理直接结算"  # why, carried into the form
    data = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', form))
    data |= {"csrf": csrf_of(form), "institution": "H44010000001", "visit_type": "INPATIENT",
             "lines": "S001, 1, 60", "diagnosis_name": "高血压"}
    r = web.post("/me/claims", data=data)
    assert r.status_code == 303, r.text[:2000]
    claim_no = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    saved = web.get(f"/api/v1/claims/{claim_no}").json()
    assert saved["situations"] == ["INPATIENT", "DIRECT_FAILED"]
    note = next(i for i in saved["checklist"] if i["code"] == "failure_note")
    assert note["required"] and not note["satisfied"] and note["why_zh"] == "联网医院未能直接结算需要"
    page = web.get(f"/me/claims/{claim_no}").text
    assert '<li data-material="failure_note">○ 扫描件：医院出具的未能直接结算说明' in page
    assert "DIRECT_FAILED" not in page


def test_unfiled_care_asks_for_no_hospital_note(web: TestClient, ctx: Context) -> None:
    """黄勇 has no filing: the unfiled statement explains, not the hospital (no failure_note on his checklist)."""
    mdtrt_id = _discharged_without_settling(ctx, person("post_hoc"))
    login(web, person("post_hoc"))
    form = web.get(f"/me/claims/new?visit={mdtrt_id}").text
    data = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', form))
    data |= {"csrf": csrf_of(form), "institution": "H44010000001", "visit_type": "INPATIENT",
             "lines": "S001, 2, 60", "diagnosis_name": "肺炎"}
    r = web.post("/me/claims", data=data)
    saved = web.get(r.headers["location"].split("?")[0].replace("/me/claims", "/api/v1/claims")).json()
    assert "UNFILED" in saved["situations"] and "DIRECT_FAILED" not in saved["situations"]
    assert "failure_note" not in {i["code"] for i in saved["checklist"]}
