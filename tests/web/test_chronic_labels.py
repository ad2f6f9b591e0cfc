"""门诊慢特病 pages speak from the one label table (issue 19): states, diseases and the filter's options in the
page's language, regions with their names, and no internal code in the visible text of the zh pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import login, person
from yidi.domain.chronic import CertState
from yidi.services import chronic
from yidi.services.access import Principal, Role
from yidi.services.context import Context


def _applied(ctx: Context) -> None:
    me = person("long_term_resident")  # 李秀英, insured in 369900
    chronic.apply(ctx, Principal(Role.PERSON, me), chronic.ApplyIn(disease="M03900", hospital="江西省人民医院",
                                                                   diagnosed_on="2025-11-02"))  # type: ignore[arg-type]


def test_the_chronic_pages_in_chinese_and_in_english(web: TestClient, ctx: Context) -> None:
    _applied(ctx)
    login(web, person("long_term_resident"))
    zh = web.get("/me/chronic").text
    assert "高血压病" in zh and "待审核" in zh and internal_codes(visible_text(zh)) == []
    assert ">糖尿病</option>" in zh  # the disease options from the label table
    web.cookies.set("lang", "en")
    en = web.get("/me/chronic").text
    assert "hypertension" in en and "awaiting review" in en and ">diabetes</option>" in en and "待审核" not in en

    web.cookies.clear()
    login(web, "reviewer-369900")
    zh = web.get("/agency/chronic").text
    assert "高血压病" in zh and internal_codes(visible_text(zh)) == []
    assert all(f'<option value="{s.value}"' in zh for s in CertState) and ">退回补充材料</option>" in zh
    web.cookies.set("lang", "en")
    en = web.get("/agency/chronic").text
    assert ">returned for papers</option>" in en and ">awaiting review</span>" in en and "hypertension" in en
