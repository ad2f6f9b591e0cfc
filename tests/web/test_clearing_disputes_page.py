"""The clearing page lists a month's disputes; a dispute's page shows a page of its settlements and the count."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.clearing.test_clearing import NATIONAL, agency, worked_month
from tests.web.conftest import login
from yidi.services import clearing as service
from yidi.services.context import Context


def test_dispute_page_shows_a_page_and_the_count(web: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    service.close_month(ctx, NATIONAL, "2026-10")
    d = service.dispute(ctx, agency("440300"), "2026-10", ["S4"], "金额有误")  # 深圳 insured, 上海 hospital: 200.00
    login(web, "clearing-national")
    html = web.get("/agency/clearing?month=2026-10").text
    assert f'href="/agency/clearing/disputes/{d["dispute_id"]}"' in html and "待裁定" in html
    page = web.get(f"/agency/clearing/disputes/{d['dispute_id']}")
    assert page.status_code == 200 and 'id="n-settlements">1<' in page.text and "S4" in page.text
    assert "200.00" in page.text
    # 南昌's administrator is no party to it: the dispute is not found for them
    login(web, "admin-369900")
    r = web.get(f"/agency/clearing/disputes/{d['dispute_id']}")
    assert r.status_code == 404 and "<html" in r.text
    assert "S4" not in r.text
