"""政策模拟 with the proposal edited on the page (issue 19): a proposal that changes nothing changes no total;
the example's raise of ratios and cut of the deductible spends more of the fund; a value out of its bound is
refused beside its field; the totals are named in words."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import csrf_of, login

FORM = {"from_month": "2026-01", "to_month": "2026-03", "settlements": "200", "seed": "7"}


def _change(html: str, amount: str) -> str:
    row = re.search(rf'<tr data-amount="{amount}">(.*?)</tr>', html, re.S)
    assert row, html[:3000]
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))[2]


def test_the_proposal_is_edited_on_the_page(web: TestClient) -> None:
    login(web, "admin-369900")
    page = web.get("/agency/simulate").text
    assert 'id="f-ratio_points"' in page and 'value="80"' in page  # the example's values to start from
    token = csrf_of(page)
    # +0 points, 100 % of the deductible and of the cuts: the proposal is the policy in force
    same = web.post("/agency/simulate", data={"csrf": token, **FORM, "ratio_points": "0", "deductible_pct": "100",
                                              "cut_pct": "100"})
    assert same.status_code == 200, same.text[:2000]
    assert _change(same.text, "fund_pay_sumamt") == "¥0.00" and _change(same.text, "psn_part_amt") == "¥0.00"
    assert "基金支付合计" in same.text and internal_codes(visible_text(same.text)) == []
    # ratios up 10 points and no deductible for employees: the fund pays more, people less
    more = web.post("/agency/simulate", data={"csrf": token, **FORM, "ratio_points": "10", "deductible_pct": "0",
                                              "cut_pct": "100"})
    assert not _change(more.text, "fund_pay_sumamt").startswith(("¥0.00", "¥-"))
    assert _change(more.text, "psn_part_amt").startswith("¥-")


def test_a_proposal_out_of_bounds_is_refused(web: TestClient) -> None:
    login(web, "admin-369900")
    token = csrf_of(web.get("/agency/simulate").text)
    r = web.post("/agency/simulate", data={"csrf": token, **FORM, "ratio_points": "50", "deductible_pct": "80",
                                           "cut_pct": "50"})
    assert r.status_code == 422 and 'data-code="SIMULATE_PROPOSAL_INVALID"' in r.text and 'value="50"' in r.text
    assert 'id="result"' not in r.text
    r = web.post("/agency/simulate", data={"csrf": token, **FORM, "ratio_points": "3", "deductible_pct": "abc",
                                           "cut_pct": "50"})
    assert r.status_code == 422 and "0 到 200" in r.text
