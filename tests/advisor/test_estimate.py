"""The estimate page's case, decided in the advisor: a person treated at a hospital with fee lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.advisor.packs import GUANGZHOU, H_GZ, INSURED, make_packs
from yidi.advisor.estimate import estimate, situation_for
from yidi.domain.bill import FeeLine
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> PackSet:
    return make_packs(tmp_path_factory.mktemp("estimate-pack"))


def line(n: int, code: str, quantity: str, price: str) -> FeeLine:
    return FeeLine(line_id=str(n), code=code, quantity=Decimal(quantity), unit_price=Decimal(price))


def test_unfiled_care_is_estimated_as_paid_in_full_where_the_hospital_is(packs: PackSet) -> None:
    sit = situation_for(packs, insured_region=INSURED, scheme="EMPLOYEE", category=None, hospital=H_GZ,
                        visit_type="INPATIENT", filed=False, filing_type="OTHER_TEMPORARY",
                        lines=[line(1, "A01", "1", "100")])
    # unfiled: a manual claim after paying in full, judged as unfiled; the stay reason does not change it
    assert sit.current_region == GUANGZHOU and sit.treated is True
    assert sit.filed is False and sit.paid_in_full is True and sit.reason == "travelling"
    assert sit.filing_type is None and sit.filing_area is None  # a filing type without a filing is dropped


def test_filed_care_is_filed_for_the_hospital_region(packs: PackSet) -> None:
    sit = situation_for(packs, insured_region=INSURED, scheme="EMPLOYEE", category="ACTIVE", hospital=H_GZ,
                        visit_type="INPATIENT", filed=True, filing_type="OTHER_TEMPORARY",
                        lines=[line(1, "A01", "1", "100")])
    assert sit.filed is True and sit.paid_in_full is False and sit.reason is None
    assert sit.filing_type is not None and sit.filing_type.value == "OTHER_TEMPORARY" and sit.filing_area == GUANGZHOU


def test_no_estimate_without_a_hospital_says_why(packs: PackSet) -> None:
    sit = situation_for(packs, insured_region=INSURED, scheme="EMPLOYEE", category=None, hospital=None,
                        visit_type="INPATIENT", filed=True, filing_type=None, lines=[line(1, "A01", "1", "100")])
    with pytest.raises(YidiError) as err:
        estimate(packs, TODAY, sit)
    assert err.value.code == "ESTIMATE_UNAVAILABLE" and err.value.status == 422


def test_filed_estimate_is_the_engine_on_these_lines(packs: PackSet) -> None:
    sit = situation_for(packs, insured_region=INSURED, scheme="EMPLOYEE", category="ACTIVE", hospital=H_GZ,
                        visit_type="INPATIENT", filed=True, filing_type="OTHER_TEMPORARY",
                        lines=[line(1, "A01", "1", "10000")])
    _plan, est = estimate(packs, TODAY, sit)
    # by hand: 10,000 class-A in scope; deductible 800; employee active 85 % less 20 points for an other
    # temporary filing = 65 %: the fund pays (10,000 - 800) x 0.65 = 5,980.00, the person 4,020.00
    assert est.medfee_sumamt == Decimal("10000.00")
    assert est.fund_pay_sumamt == Decimal("5980.00") and est.psn_part_amt == Decimal("4020.00")
