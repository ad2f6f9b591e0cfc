"""The desk's daily reconciliation (issue 19): yidi's own totals fill the form, and a difference is shown total
by total, in words, with the settlements to check."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.web.codes import internal_codes, visible_text
from tests.web.conftest import TODAY, csrf_of
from yidi.demo.dataset import PERSONS
from yidi.domain.bill import FeeLine
from yidi.domain.enums import VisitType
from yidi.services import settlement
from yidi.services.access import Principal, Role
from yidi.services.context import Context

HOSPITAL = Principal(Role.HOSPITAL, "H44010000001")
FIELDS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "cash_payamt")


def _settled(ctx: Context) -> settlement.SettlementView:
    p = next(x for x in PERSONS if x.key == "chronic_retiree")  # long-term filing in Guangzhou
    visit = settlement.register_visit(ctx, HOSPITAL, settlement.RegisterVisitIn(
        id_number=p.id_number, name=p.name, visit_type=VisitType.INPATIENT, admitted_on=TODAY))
    lines = [FeeLine(line_id="L1", code="S001", quantity="3", unit_price="60"),  # type: ignore[arg-type]
             FeeLine(line_id="L2", code="XA01", quantity="2", unit_price="35.5")]  # type: ignore[arg-type]
    settlement.upload_lines(ctx, HOSPITAL, visit.mdtrt_id, settlement.UploadLinesIn(lines=lines))
    return settlement.settle(ctx, HOSPITAL, visit.mdtrt_id, settlement.SettleIn(idempotency_key="rec-0001"))


def _value(html: str, name: str) -> str:
    start = html.index(f'id="f-{name}" name="{name}"')
    return html[start:].split('value="', 1)[1].split('"', 1)[0]


def test_yidis_figures_fill_the_form_and_a_difference_is_named(ctx: Context, as_hospital: TestClient) -> None:
    done = _settled(ctx)
    b = done.breakdown
    page = as_hospital.get("/desk/reconcile", params={"day": TODAY.isoformat(), "fill": "ours"}).text
    assert 'id="filled"' in page
    # the day holds this one settlement: 1, and 3 × 60 + 2 × 35.50 = 251.00 of fees
    assert _value(page, "count") == "1" and _value(page, "medfee_sumamt") == "251.00"
    # the other totals are the settlement's own amounts (the breakdown names cash psn_cash_pay)
    assert [_value(page, k) for k in FIELDS] == [str(Decimal(b[k])) for k in
                                                 ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")]
    form = {"csrf": csrf_of(page), "day": TODAY.isoformat(), "count": "1", **{k: _value(page, k) for k in FIELDS}}
    r = as_hospital.post("/desk/reconcile", data=form)
    assert r.status_code == 200 and 'data-result="match"' in r.text and 'id="differences"' not in r.text

    # the HIS counted one yuan less of fees: only that row differs, by -1.00, and the settlement is listed
    r = as_hospital.post("/desk/reconcile", data={**form, "medfee_sumamt": "250.00"})
    assert 'data-result="mismatch"' in r.text
    assert '<tr data-total="medfee_sumamt" data-same="no"><th scope="row">医疗费总额</th>' in r.text
    assert r.text.count('data-same="yes"') == 4 and "-1.00" in r.text
    assert "医疗费总额：本院比医保系统少¥1.00" in r.text
    assert done.setl_id in r.text and "请与本院记录逐笔核对" in r.text
    assert internal_codes(visible_text(r.text)) == []

    r = as_hospital.post("/desk/reconcile", data={**form, "count": "3"})
    assert "笔数：本院比医保系统多2 笔" in r.text


def test_an_empty_day_fills_zeros_and_a_bad_day_is_refused(as_hospital: TestClient) -> None:
    page = as_hospital.get("/desk/reconcile", params={"day": "2026-01-02", "fill": "ours"}).text
    assert _value(page, "count") == "0" and _value(page, "medfee_sumamt") == "0.00"
    r = as_hospital.get("/desk/reconcile", params={"day": "2026-02-30", "fill": "ours"})
    assert r.status_code == 422 and "data-code=" in r.text and 'id="filled"' not in r.text
