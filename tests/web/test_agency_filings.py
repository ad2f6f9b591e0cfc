"""The agency's filings pages (issue 19): found by full name or ID number, a filing's own page with its
history, and the list exported as CSV in words; another region's filing is not found."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import login, person
from yidi.domain.ids import mask_id
from yidi.services import accounts
from yidi.services.context import Context

ZHANG = person("retiree_resettled")  # 张建国, insured in 369900, long-term filing (retiree) in 深圳 440300


def _rows(html: str) -> list[str]:
    return re.findall(r'data-filing="(BA\w+)"', html)


def test_find_by_name_or_id_number_and_open_the_filing(as_agency: TestClient) -> None:
    # the demo region 369900 holds seven filings, one each for 张建国, 李秀英, 王磊, 赵敏, 刘洋, 陈静, 郑丽
    assert len(_rows(as_agency.get("/agency/filings").text)) == 7
    by_name = as_agency.get("/agency/filings", params={"q": "张建国"}).text
    by_id = as_agency.get("/agency/filings", params={"q": ZHANG}).text
    assert _rows(by_name) == _rows(by_id) and len(_rows(by_name)) == 1
    assert 'id="total">1<' in by_name and f"<small>{mask_id(ZHANG)}</small>" in by_id  # the list masks it
    assert not _rows(as_agency.get("/agency/filings", params={"q": "张建"}).text)  # a full name, not a part
    filing = _rows(by_name)[0]
    page = as_agency.get(f"/agency/filings/{filing}")
    assert page.status_code == 200
    assert "异地安置退休人员" in page.text and "深圳市 440300" in page.text and 'id="history"' in page.text
    assert internal_codes(visible_text(page.text)) == []


def test_a_bad_search_is_refused_in_words(as_agency: TestClient) -> None:
    r = as_agency.get("/agency/filings", params={"q": ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")})
    assert r.status_code == 422 and "data-code=" in r.text and not _rows(r.text)
    r = as_agency.get("/agency/filings", params={"q": "张3"})
    assert r.status_code == 422 and 'data-code="FILING_SEARCH_INVALID"' in r.text


def test_the_list_exports_as_csv_in_words(as_agency: TestClient) -> None:
    r = as_agency.get("/agency/filings.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["备案号", "姓名", "身份证号", "备案类型", "就医地", "开始", "结束", "状态", "办理日期"]
    assert len(rows) == 1 + 7 and r.headers["x-total-count"] == "7"
    assert all(ZHANG not in cell for row in rows for cell in row)
    mine = list(csv.reader(io.StringIO(as_agency.get("/agency/filings.csv", params={"q": "张建国"}).content
                                       .decode("utf-8-sig"))))
    assert len(mine) == 2 and mine[1][2] == mask_id(ZHANG) and mine[1][3] == "异地安置退休人员"
    assert mine[1][4] == "440300" and mine[1][7] == "有效"


def test_another_regions_agency_does_not_see_the_filing(web: TestClient, ctx: Context) -> None:
    login(web, "agency-369900")
    filing = _rows(web.get("/agency/filings", params={"q": "张建国"}).text)[0]
    accounts.create_user(ctx, "shenzhen-agency", "yidi-demo-2026", accounts.AccountRole.AGENCY, "440300",
                         duties=["reviewer"])
    login(web, "shenzhen-agency")
    assert web.get(f"/agency/filings/{filing}").status_code == 404
    assert not _rows(web.get("/agency/filings", params={"q": "张建国"}).text)
