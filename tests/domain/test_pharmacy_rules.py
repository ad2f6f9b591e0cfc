"""Worked examples of what a purchase at a pharmacy elsewhere may use (issue 17, pack setting `pharmacy`).

Pack (tests/domain/packs.py): employees' outpatient benefit has an annual deductible 600 and 60 %; the
chronic benefit below an annual deductible 300 and 80 %. A long-term filer buys at a Guangzhou pharmacy.
Each figure computed by hand.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.domain.packs import P_GZ, P_GZ2, make_packs, one_tier
from tests.domain.test_worked_examples import identities, make_bill, merged
from yidi.domain.engine import calculate
from yidi.domain.errors import YidiError

CHRONIC = {"schemes": {"EMPLOYEE": {"benefits": {"CHRONIC_OUTPATIENT": {
    "cap_pool": "basic", "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": "300"}}},
    "tiers": {"ALL": {"ALL": one_tier("0.80")}}}}}}}
ACCOUNT = {"schemes": {"EMPLOYEE": {"account": {"may_pay": True}}}}


def D(s: str) -> Decimal:
    return Decimal(s)


def purchase(amount: str, visit_type: str = "OUTPATIENT", institution: str = P_GZ, **extra: Any) -> Any:
    return make_bill([("A01", "1", amount)], visit_type=visit_type, institution=institution, discharge=None,
                     person={"account_balance": "500.00", "chronic_diseases": ["M01600"]}, **extra)


def test_default_the_personal_account_only(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, merged(CHRONIC, ACCOUNT))
    b = calculate(purchase("200.00"), packs)
    identities(b)
    # account only (default): the fund pays 0.00; the person's 200.00 is paid from the account (balance 500)
    assert (b.hifp_pay, b.psn_part_amt, b.acct_pay, b.psn_cash_pay) == (D("0.00"), D("200.00"), D("200.00"), D("0.00"))
    step = next(s for s in b.steps if s.rule == "pharmacy.account_only")
    assert step.clause is not None and step.clause.parameter == "pharmacy.pays"
    assert b.accumulators_after is not None and b.accumulators_after.fund_paid == {}  # nothing borne by the fund


def test_a_region_may_let_the_outpatient_pool_pay(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, merged(CHRONIC, {"pharmacy": {"pays": "outpatient"}}))
    b = calculate(purchase("1000.00"), packs)
    identities(b)
    # the outpatient benefit: deductible 600; fund (1,000 - 600) x 60 % = 240.00; person 760.00
    assert (b.act_pay_dedc, b.hifp_pay, b.psn_part_amt) == (D("600.00"), D("240.00"), D("760.00"))


def test_chronic_purchase_at_a_dual_channel_pharmacy(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, CHRONIC)
    b = calculate(purchase("800.00", "CHRONIC_OUTPATIENT", chronic_disease="M01600"), packs)
    identities(b)
    # the chronic benefit: deductible 300; fund (800 - 300) x 80 % = 400.00; person 400.00
    assert (b.act_pay_dedc, b.hifp_pay, b.psn_part_amt) == (D("300.00"), D("400.00"), D("400.00"))
    with pytest.raises(YidiError) as exc:  # not a 双通道 pharmacy
        calculate(purchase("800.00", "CHRONIC_OUTPATIENT", institution=P_GZ2, chronic_disease="M01600"), packs)
    assert exc.value.code == "PHARMACY_NOT_DUAL_CHANNEL"
    no = make_packs(tmp_path / "no", merged(CHRONIC, {"pharmacy": {"chronic_at_dual_channel": False}}))
    with pytest.raises(YidiError) as exc:  # the region does not allow chronic purchases at pharmacies
        calculate(purchase("800.00", "CHRONIC_OUTPATIENT", chronic_disease="M01600"), no)
    assert exc.value.code == "PHARMACY_NOT_DUAL_CHANNEL"


def test_no_inpatient_care_at_a_pharmacy(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, CHRONIC)
    with pytest.raises(YidiError) as exc:
        calculate(make_bill([("A01", "1", "100.00")], institution=P_GZ), packs)
    assert exc.value.code == "PHARMACY_VISIT_TYPE"


def test_a_purchase_without_a_filing_where_the_region_needs_none(tmp_path: Path) -> None:
    """`pharmacy.filing_required: false`: a purchase with no filing settles as unfiled care (the pack's
    unfiled cut 20 points); the default (true) is decided by eligibility, which refuses it (NO_FILING)."""
    packs = make_packs(tmp_path, merged(CHRONIC, ACCOUNT, {"pharmacy": {"filing_required": False}}))
    b = calculate(purchase("200.00", filing=None), packs)
    identities(b)
    # account only: the fund pays 0.00, the account the 200.00 (balance 500); basis unfiled
    assert (b.basis, b.hifp_pay, b.acct_pay, b.psn_cash_pay) == ("UNFILED", D("0.00"), D("200.00"), D("0.00"))
    step = next(s for s in b.steps if s.rule == "cross_region.basis")
    assert "无需备案" in step.text_zh and step.clause is not None and "pharmacy.filing_required" in step.clause.also
    out = make_packs(tmp_path / "out", merged(CHRONIC, {"pharmacy": {"pays": "outpatient", "filing_required": False}}))
    o = calculate(purchase("1000.00", filing=None), out)
    identities(o)
    # the outpatient benefit, unfiled: deductible 600; ratio 60 % - 20 points = 40 %; fund 400 x 40 % = 160.00
    assert (o.act_pay_dedc, o.hifp_pay, o.psn_part_amt) == (D("600.00"), D("160.00"), D("840.00"))
