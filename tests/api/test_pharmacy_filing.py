"""A purchase at a pharmacy elsewhere needs a filing where the insured region's pack says so (issue 17,
`pharmacy.filing_required`, default true): 2101 refuses it with the reason and its fix, and changes nothing
(unlike a hospital admission, a purchase is not registered to be filed for later: it has no discharge).
On SQLite and PostgreSQL.

马超 is insured in 深圳 (440300, employee) and has no filing; Shenzhen's sample pack keeps the default, so a
purchase at the Beijing pharmacy P11010000001 is refused with NO_FILING (file first, then settle).
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_chronic_settlement import AMLODIPINE
from tests.settlement.helpers import key_for
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson
from yidi.services.context import Context


def test_a_purchase_without_the_filing_the_region_requires_is_refused(
        client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["shenzhen_insured"]
    shop = key_for(ctx, "P11010000001")
    found = ctx.packs.policy_for(p.insured_region, ctx.today())
    assert found is not None and found[1].pharmacy.filing_required  # the default
    body = {"id_number": p.id_number, "name": p.name, "msgid": "PH-NOFILE-1",
            "lines": [{"line_id": "1", "code": AMLODIPINE, "quantity": "1", "unit_price": "30.00"}]}
    before = snapshot(ctx)
    r = client.post("/api/v1/pharmacy/purchases", headers=shop, json=body)
    assert r.status_code == 422, r.text
    e = r.json()["error"]
    assert e["code"] == "VISIT_NOT_ELIGIBLE"
    [reason] = [x for x in e["problems"] if x["code"] == "NO_FILING"]
    # what happened and what to do (the fix), with where: file for the treatment region, then settle
    assert "没有覆盖本次就医" in reason["message_zh"] and "办理备案" in reason["message_zh"] and "药店" in reason["message_zh"]
    assert "pharmac" in reason["message_en"]
    assert_unchanged(ctx, before)
