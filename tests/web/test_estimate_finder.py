"""The estimate form finds catalogue items by name or pinyin and adds one to the fee lines (issue 19)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from tests.support.packs import sample_packs
from yidi.advisor.items import find_items

DAY = dt.date(2026, 3, 10)
FORM = {"insured_region": "369900", "scheme": "EMPLOYEE", "hospital": "H44010000001", "visit_type": "INPATIENT",
        "filed": "true", "filing_type": "OTHER_TEMPORARY"}


def test_find_by_name_code_pinyin_and_initials() -> None:
    gz = sample_packs().catalogue_for("440100")
    assert gz is not None
    by_name = [i.code for i in find_items(gz, "床位", DAY)]
    assert by_name[0] == "S001" and len(by_name) >= 2  # 床位费（三人间） starts with the words: first
    assert [i.code for i in find_items(gz, "cwf", DAY)] == by_name  # 床(c)位(w)费(f)
    assert [i.code for i in find_items(gz, "Chuang Wei", DAY)] == by_name  # case and spaces ignored
    assert [i.code for i in find_items(gz, "造影", DAY)] == ["S002"]
    assert [i.code for i in find_items(gz, "s00", DAY)] == ["S001", "S002"]
    assert find_items(gz, "   ", DAY) == [] and find_items(gz, "没有这种东西", DAY) == []


def test_the_form_finds_and_adds_a_line_without_javascript(web: TestClient) -> None:
    r = web.post("/estimate", data={**FORM, "lines": "XA01, 2, 35.5", "find": "造影", "op": "find"})
    assert r.status_code == 200 and 'data-code="S002"' in r.text and 'id="estimate"' not in r.text
    assert 'name="add" value="S002"' in r.text
    r = web.post("/estimate", data={**FORM, "lines": "XA01, 2, 35.5", "find": "造影", "add": "S002"})
    lines = re.search(r'<textarea id="f-lines"[^>]*>([^<]*)</textarea>', r.text).group(1)  # type: ignore[union-attr]
    assert lines.splitlines()[0] == "XA01, 2, 35.5" and lines.splitlines()[1].startswith("S002, 1, ")
    # and the lines so built estimate as any typed ones
    r = web.post("/estimate", data={**FORM, "lines": lines})
    assert r.status_code == 200 and 'id="estimate"' in r.text
    r = web.post("/estimate", data={**FORM, "lines": "", "find": "zzzz", "op": "find"})
    assert 'id="found-none"' in r.text
