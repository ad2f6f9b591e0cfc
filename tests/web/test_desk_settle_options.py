"""The desk's settle form carries what the API's does: a family member's account (家庭共济) and a mid-stay part."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import TODAY, desk_visit
from yidi.demo.dataset import PERSONS
from yidi.domain.family import Relationship
from yidi.services import family
from yidi.services.access import Principal, Role
from yidi.services.context import Context

PATIENT = next(x for x in PERSONS if x.key == "other_temporary")  # 陈静: resident (no account), filed for 广东
PAYER = next(x for x in PERSONS if x.key == "resident_worker")  # 王磊: employee of 369900, balance 1,580.75


def _visit_with_class_c(client: TestClient) -> tuple[str, str]:
    # XC01 is a class-C (全自费) drug: 2 × 100.00 = 200.00, all of it the person's share
    return desk_visit(client, PATIENT.id_number, PATIENT.name, "XC01, 2, 100")


def _link(ctx: Context) -> None:
    """The payer asks to act for the patient, who confirms."""
    family.request_link(ctx, Principal(Role.PERSON, PAYER.id_number), PATIENT.id_number, PATIENT.name,
                        Relationship.PARENT)
    mine = family.my_family(ctx, Principal(Role.PERSON, PATIENT.id_number)).awaiting_me
    family.confirm(ctx, Principal(Role.PERSON, PATIENT.id_number), mine[0].link.link_id)


def test_a_relative_without_a_confirmed_link_is_refused_on_the_page(as_hospital: TestClient) -> None:
    visit, token = _visit_with_class_c(as_hospital)
    page = as_hospital.get(visit).text
    assert 'name="mulaid_payer"' in page and 'name="mid_setl"' in page  # an inpatient still in house
    r = as_hospital.post(visit + "/pre-settle", data={"csrf": token, "discharge_date": TODAY.isoformat(),
                                                      "mulaid_payer": PAYER.id_number})
    assert r.status_code == 422 and 'data-code="MUTUAL_AID_NO_LINK"' in r.text
    assert f'value="{PAYER.id_number}"' in r.text  # what was typed stays in the form


def test_a_confirmed_relative_pays_the_share_through_the_page(ctx: Context, as_hospital: TestClient) -> None:
    _link(ctx)
    visit, token = _visit_with_class_c(as_hospital)
    form = {"csrf": token, "discharge_date": TODAY.isoformat(), "use_account": "on", "mulaid_payer": PAYER.id_number}
    r = as_hospital.post(visit + "/pre-settle", data=form)
    assert r.status_code == 200, r.text[:3000]
    # share 200.00; the patient, a resident, has no account: the relative's account pays all 200.00
    assert re.search(r'id="quote-mulaid">¥200.00<', r.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', r.text)
    assert key and f'name="mulaid_payer" value="{PAYER.id_number}"' in r.text
    r = as_hospital.post(visit + "/settle", data={**form, "idempotency_key": key.group(1)})
    assert r.status_code == 303, r.text[:3000]
    slip = as_hospital.get(r.headers["location"]).text
    assert "家庭共济支付" in slip and "¥200.00" in slip
