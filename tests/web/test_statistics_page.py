"""统计月报 page: an agency's own insured region in plain Chinese, with charts and the CSV link."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.clearing.test_clearing import worked_month
from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import login
from yidi.services.context import Context
from yidi.web.common import LANG_COOKIE


def test_shenzhen_staff_see_their_insured_month(web: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    login(web, "reviewer-440300")
    r = web.get("/agency/statistics?month=2026-10")
    assert r.status_code == 200
    # 深圳 insured in October: S4 (上海, 200.00), S5 (北京, 100.00), S7 (广州, 80.00) -> 3 settlements, 380.00
    assert 'id="st-count">3<' in r.text and "380.00" in r.text
    text = visible_text(r.text)
    assert "深圳市 440300" in text and "广东省" in text and "上海市" in text  # names beside codes, provinces named
    assert r.text.count("<svg") >= 3  # settlements and fund by visit type, the province pairs
    assert ">3</text>" in r.text and ">3.00</text>" not in r.text  # a count is shown as a whole number
    assert 'href="/api/v1/statistics.csv?month=2026-10"' in r.text
    assert internal_codes(text) == []
    bad = web.get("/agency/statistics?month=2026-13")
    assert bad.status_code == 422 and "统计月份" in bad.text


def test_the_english_page_names_the_same_figures(web: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    login(web, "clearing-national")
    web.cookies.set(LANG_COOKIE, "en")
    r = web.get("/agency/statistics?month=2026-10")
    # nationally: 6 settlements (S6 revoked, S8 in September); inpatient 5 of them
    assert r.status_code == 200 and 'id="st-count">6<' in r.text and "Nationwide" in r.text
    assert "Settlements by visit type" in r.text and ">inpatient</text>" in r.text
