"""The finder page by 门诊慢特病 (issue 17): the chronic_disease filter narrows hospitals and pharmacies to those
that opened the disease, pharmacies are shown as such (双通道 named), and the options speak the page's language.

Sample institutions in Beijing (110100) with hypertension (M03900) opened: H11010000001, H11010000004,
H11010000005 and the 双通道 pharmacy P11010000001; H11010000002 has not opened it, nor has the ordinary pharmacy
P11010000002.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text

CODE_RE = re.compile(r'data-code="(\w+)"')


def test_finder_filters_by_disease_and_shows_pharmacies(web: TestClient) -> None:
    html = web.get("/hospitals", params={"region": "110100", "chronic_disease": "M03900"}).text
    assert CODE_RE.findall(html) == ["H11010000001", "H11010000004", "H11010000005", "P11010000001"]
    shop = html.split('data-code="P11010000001"')[1].split("</li>")[0]
    assert "定点零售药店" in shop and "双通道" in shop
    assert internal_codes(visible_text(html)) == []
    pharmacies = web.get("/hospitals", params={"region": "110100", "kind": "PHARMACY"}).text
    assert CODE_RE.findall(pharmacies) == ["P11010000001", "P11010000002"]
    both = web.get("/hospitals", params={"region": "110100", "kind": "PHARMACY", "chronic_disease": "M03900"}).text
    assert CODE_RE.findall(both) == ["P11010000001"]
    api = web.get("/api/v1/institutions", params={"region": "110100", "chronic_disease": "M03900"}).json()
    assert [i["code"] for i in api["items"]] == CODE_RE.findall(html)


def test_finder_options_in_english(web: TestClient) -> None:
    web.get("/prefs?lang=en&next=/")
    html = web.get("/hospitals").text
    assert '<option value="M03900"' in html and ">hypertension</option>" in html and "高血压" not in html
    assert ">retail pharmacy</option>" in html and "定点零售药店" not in html
