"""FHIR R4 export (issue 18): a filing as a Coverage that fhir.resources validates, scoped as GET
/api/v1/filings/{filing_id}: the person and the insured region's staff see it, anyone else finds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.coverage import Coverage

from tests.support.db import TODAY, as_
from yidi.demo.dataset import DemoPerson

OTHER_TEMP: dict[str, Any] = {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "commitment": True,
                              "materials": ["credential", "filing_form"]}


def test_a_filing_as_a_coverage(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["dibao"]  # 吴强, a resident (城乡居民医保, insutype 390) insured in 369900
    me = as_("person", p.id_number)
    r = client.post("/api/v1/filings", json=OTHER_TEMP, headers=me)
    assert r.status_code == 201, r.text
    fid = r.json()["filing_id"]
    for who in (me, as_("agency", "369900")):
        r = client.get(f"/api/v1/fhir/Coverage/{fid}", headers=who)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json"), r.text
        cov = Coverage.model_validate_json(r.text)  # the library's validation
        assert cov.id == fid and cov.status == "active"
        assert cov.type.coding[0].code == "390" and cov.type.text == "城乡居民医保"
        assert cov.payor[0].identifier.value == "369900" and "江西省省本级 369900" in cov.payor[0].display
        assert cov.class_fhir[0].value == "OTHER_TEMPORARY" and "广州市 440100" in cov.network
        # the region's temporary filing lasts six months: 2026-03-10 .. 2026-09-09 (as test_filings_api)
        assert cov.period.start == TODAY and cov.period.end == dt.date(2026, 9, 9)
        assert p.id_number not in r.text and p.id_number[-4:] in cov.beneficiary.display, "the ID number is masked"
    # another region's staff, another person: not found, as the JSON API answers
    assert client.get(f"/api/v1/fhir/Coverage/{fid}", headers=as_("agency", "440300")).status_code == 404
    other = as_("person", demo["referral"].id_number)
    assert client.get(f"/api/v1/fhir/Coverage/{fid}", headers=other).status_code == 404
    assert client.post(f"/api/v1/filings/{fid}/cancel", json={"reason": "行程取消"}, headers=me).status_code == 200
    cov = Coverage.model_validate_json(client.get(f"/api/v1/fhir/Coverage/{fid}", headers=me).text)
    assert cov.status == "cancelled"
