"""政策 as a readable table per region and scheme (issue 19): visit type, person, hospital grade, deductible and
the ratio bands in words, from the sample pack's numbers; no internal key on the zh page."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from yidi.domain.grids import Tier
from yidi.web.policy_table import bands


def test_bands_in_words() -> None:
    two = [Tier.model_validate({"from": "0", "to": "50000", "ratio": "0.85"}),
           Tier.model_validate({"from": "50000", "to": None, "ratio": "0.9"})]
    assert bands(two, "zh") == "0–50,000 元 85%；50,000 元以上 90%"
    assert bands(two, "en") == "0–50,000 yuan 85%; 50,000 yuan and above 90%"
    assert bands([Tier.model_validate({"from": "0", "to": None, "ratio": "0.7"})], "zh") == "70%"
    assert bands([Tier.model_validate({"from": "0", "to": "1234.5", "ratio": "0.5"}),
                  Tier.model_validate({"from": "1234.5", "to": None, "ratio": Decimal("0.6")})], "zh") \
        == "0–1,234.50 元 50%；1,234.50 元以上 60%"
    assert bands(None, "zh") == "—"


def test_the_policy_page_is_a_table_in_words(as_agency: TestClient) -> None:
    html = as_agency.get("/agency/policies", params={"region": "360100"}).text
    # 南昌 2026 (sample pack): employees, inpatient at a grade-3 hospital: ¥900 deductible, 85 % up to 50,000
    row = ('<tr><th scope="row">住院</th><td>在职</td><td>三级</td><td class="num">¥900.00</td>'
           "<td>0–50,000 元 85%；50,000 元以上 90%</td></tr>")
    assert row in html and "职工医保 · 起付线与支付比例" in html and "城乡居民医保" in html
    assert "统筹基金年度最高支付限额 ¥350,000.00" in html
    assert internal_codes(visible_text(html)) == []
    as_agency.cookies.set("lang", "en")
    en = as_agency.get("/agency/policies", params={"region": "360100"}).text
    assert "<td>grade 3</td>" in en and "employee insurance" in en and "0–50,000 yuan 85%" in en
