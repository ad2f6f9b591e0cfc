"""The clearing page's actions (issue 19, agency): the month under way is refused, an agency confirms or
disputes its lines of a closed month on the page, and the advance-fund warning names its amount."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.clearing.test_clearing import BJ, H_BJ, H_SH, NATIONAL, SH, SZ, worked_month
from tests.web.conftest import csrf_of, login
from yidi.clearing import synth
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.services import accounts
from yidi.services import clearing as service
from yidi.services.context import Context


def _agency_of(ctx: Context, region: str) -> str:
    name = f"payer-{region}"
    accounts.create_user(ctx, name, DEMO_PASSWORD, accounts.AccountRole.AGENCY, region, duties=["payer"])
    return name


def test_the_month_under_way_is_not_cleared(web: TestClient, ctx: Context) -> None:
    login(web, "admin-369900")
    token = csrf_of(web.get("/agency/clearing").text)
    # today is 2026-03-10: March has not ended, February has
    r = web.post("/agency/clearing/run", data={"csrf": token, "month": "2026-03"})
    assert r.status_code == 409 and 'data-code="CLEARING_MONTH_UNFINISHED"' in r.text
    assert "2026-03 还没有结束，2026-04-01 起才能清算这个月" in r.text
    assert "2026-03" not in [m["month"] for m in service.months(ctx)]  # nothing was run
    r = web.post("/agency/clearing/run", data={"csrf": token, "month": "2026-02"})
    assert r.status_code == 303 and r.headers["location"] == "/agency/clearing?month=2026-02"


def test_an_agency_confirms_and_disputes_on_the_page(web: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    service.close_month(ctx, NATIONAL, "2026-10")
    login(web, _agency_of(ctx, SZ))  # 深圳: its insured were treated in 上海 (S4, 200.00) and 北京 (S5, 100.00)
    html = web.get("/agency/clearing?month=2026-10").text
    assert 'id="confirm-form"' in html and 'id="dispute-form"' in html
    token = csrf_of(html)
    r = web.post("/agency/clearing/dispute", data={"csrf": token, "month": "2026-10", "setl_ids": "S4", "reason": ""})
    assert r.status_code == 422 and 'value="S4"' not in r.text and ">S4</textarea>" in r.text
    r = web.post("/agency/clearing/dispute", data={"csrf": token, "month": "2026-10", "setl_ids": "S1",
                                                   "reason": "不是本区参保人"})
    assert r.status_code == 422 and 'data-code="CLEARING_SETTLEMENT_NOT_IN_LINES"' in r.text
    assert service.disputes(ctx, "2026-10") == []  # refused: nothing raised
    # both numbers are read (a Chinese comma separates too): one dispute is against one counterpart
    r = web.post("/agency/clearing/dispute", data={"csrf": token, "month": "2026-10", "setl_ids": "S4，S5",
                                                   "reason": "金额有误"})
    assert r.status_code == 422 and "这些结算涉及 110100、310100" in r.text
    r = web.post("/agency/clearing/dispute", data={"csrf": token, "month": "2026-10", "setl_ids": "S4\n",
                                                   "reason": "金额有误"})
    assert r.status_code == 303, r.text[:2000]
    page = web.get(r.headers["location"]).text
    assert "争议已提出" in page and 'id="n-settlements">1<' in page and "¥200.00" in page
    # an open dispute holds the confirmation back
    r = web.post("/agency/clearing/confirm", data={"csrf": token, "month": "2026-10"})
    assert r.status_code == 409 and 'data-code="CLEARING_DISPUTE_OPEN"' in r.text
    assert 'data-status="DISPUTED">本区已答复：有争议' in web.get("/agency/clearing?month=2026-10").text


def test_confirming_a_month_and_not_before_the_close(web: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    service.run_month(ctx, NATIONAL, "2026-10")
    login(web, _agency_of(ctx, SZ))
    html = web.get("/agency/clearing?month=2026-10").text
    assert "关账后才能确认或提出争议" in html and 'id="confirm-form"' not in html
    token = csrf_of(html)
    r = web.post("/agency/clearing/confirm", data={"csrf": token, "month": "2026-10"})
    assert r.status_code == 409 and 'data-code="CLEARING_NOT_CLOSED"' in r.text
    service.close_month(ctx, NATIONAL, "2026-10")
    r = web.post("/agency/clearing/confirm", data={"csrf": token, "month": "2026-10", "note": "已核对"})
    assert r.status_code == 303 and r.headers["location"].endswith("&done=confirmed")
    html = web.get(r.headers["location"]).text
    assert "已确认本区这个月的清算" in html and 'data-status="CONFIRMED">本区已答复：已确认 · 已核对' in html


def test_the_advance_fund_warning_names_the_top_up(web: TestClient, ctx: Context) -> None:
    oct1 = dt.date(2026, 10, 1)
    # as tests/clearing/test_clearing.py: 2025, 上海 hospitals treated 北京 insured for 12,000.00 -> a fund of
    # 2,000.00 (2 months); October 2026 uses 1,500.00 = 75 %, above the 70 % line;
    # top-up: ceil(1500 / 0.70) - 2000 = 2142.86 - 2000 = 142.86
    for mth in range(1, 13):
        synth.put_settlement(ctx.engine, f"P{mth:02d}", H_SH, BJ, dt.date(2025, mth, 15), hifp=100_000)
    synth.put_settlement(ctx.engine, "Q1", H_BJ, SH, dt.date(2025, 6, 1), hifp=2_400_000)
    synth.put_settlement(ctx.engine, "U1", H_SH, BJ, oct1, hifp=150_000)
    synth.put_settlement(ctx.engine, "U2", H_BJ, SH, oct1, hifp=100_000)
    service.run_month(ctx, NATIONAL, "2026-10")
    login(web, "clearing-national")
    html = web.get("/agency/clearing?month=2026-10").text
    assert html.count('data-alert="yes"') == 1 and html.count('data-alert="no"') == 1
    assert "¥2,000.00" in html and "¥1,500.00" in html and "（75.00%）" in html
    assert "应补足预付金 <b>¥142.86</b>" in html
