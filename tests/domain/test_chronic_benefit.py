"""Worked examples of the 门诊慢特病 benefit per disease (issue 16 rule 7): a disease's own annual deductible,
ratio bands and annual limit; a disease the pack does not list takes the chronic benefit as written; a bill
for a disease the person is not certified for is refused. Each figure computed by hand.

Pack (tests/domain/packs.py + below), employees, pool `basic` capped at 400,000:
  CHRONIC_OUTPATIENT: annual deductible 300, 80 %;
    diseases.M03900 (hypertension): deductible 100 (its own, annual), 90 %, fund pays at most 1,000 a year.
A long-term filer treated in Guangzhou: no cross-region cut in this pack, so the ratios apply as written.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.domain.packs import make_packs, one_tier
from tests.domain.test_worked_examples import identities, make_bill
from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.engine import calculate
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet

CHRONIC = {"schemes": {"EMPLOYEE": {"benefits": {"CHRONIC_OUTPATIENT": {
    "cap_pool": "basic",
    "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": "300"}}},
    "tiers": {"ALL": {"ALL": one_tier("0.80")}},
    "diseases": {"M03900": {"deductible": "100", "tiers": {"ALL": {"ALL": one_tier("0.90")}},
                            "annual_limit": "1000"}},
}}}}}
PARAM = "schemes.EMPLOYEE.benefits.CHRONIC_OUTPATIENT"


def D(s: str) -> Decimal:
    return Decimal(s)


def chronic_bill(disease: str, amount: str, certified: tuple[str, ...] = ("M03900", "M01600"),
                 **extra: Any) -> Bill:
    return make_bill([("A01", "1", amount)], visit_type="CHRONIC_OUTPATIENT", discharge=None, chronic_disease=disease,
                     person={"chronic_diseases": list(certified)}, **extra)


@pytest.fixture
def packs(tmp_path: Path) -> PackSet:
    return make_packs(tmp_path, CHRONIC)


def test_a_listed_disease_takes_its_own_deductible_ratio_and_limit(packs: PackSet) -> None:
    first = calculate(chronic_bill("M03900", "800.00"), packs)
    identities(first)
    # in scope 800; the disease's own deductible 100 (nothing paid yet): 100.00
    # fund (800 - 100) x 90 % = 630.00, under the limit 1,000; person 800 - 630 = 170.00
    assert (first.act_pay_dedc, first.hifp_pay, first.psn_part_amt) == (D("100.00"), D("630.00"), D("170.00"))
    rules = {s.rule: s.clause.parameter for s in first.steps if s.clause is not None}
    assert rules["deductible"] == f"{PARAM}.diseases.M03900.deductible"
    assert rules["fund.tiers"] == f"{PARAM}.diseases.M03900.tiers.ALL.ALL"
    acc = first.accumulators_after
    assert acc is not None
    assert (acc.disease_deductible, acc.disease_paid) == ({"M03900": D("100.00")}, {"M03900": D("630.00")})
    assert acc.deductible_paid.get("CHRONIC_OUTPATIENT", D("0")) == D("0")  # the shared deductible is untouched
    assert acc.fund_paid["basic"] == D("630.00")  # inside the pool's cap as well

    second = calculate(chronic_bill("M03900", "800.00"), packs, accumulators=acc)
    identities(second)
    # deductible already met: 0; by ratio 800 x 90 % = 720.00, but the limit leaves 1,000 - 630 = 370.00
    # the fund pays 370.00; the limit withholds 720 - 370 = 350.00; person 800 - 370 = 430.00
    assert (second.act_pay_dedc, second.hifp_pay, second.psn_part_amt) == (D("0.00"), D("370.00"), D("430.00"))
    assert sum(b.pay for b in second.bands if b.payer == "hifp_pay") == D("370.00")
    limit = next(s for s in second.steps if s.rule == "fund.disease_limit")
    assert limit.clause is not None and limit.clause.parameter == f"{PARAM}.diseases.M03900.annual_limit"
    assert limit.outputs["withheld_by_limit"] == D("350.00")
    after = second.accumulators_after
    assert after is not None and after.disease_paid == {"M03900": D("1000.00")}

    third = calculate(chronic_bill("M03900", "200.00"), packs, accumulators=after)
    # the year's limit is used up: the fund pays 0.00, the person 200.00
    assert (third.hifp_pay, third.psn_part_amt) == (D("0.00"), D("200.00"))


def test_a_disease_not_listed_takes_the_benefit_as_written(packs: PackSet) -> None:
    b = calculate(chronic_bill("M01600", "800.00"), packs)
    identities(b)
    # diabetes has no terms of its own: the shared annual deductible 300.00, (800 - 300) x 80 % = 400.00
    assert (b.act_pay_dedc, b.hifp_pay, b.psn_part_amt) == (D("300.00"), D("400.00"), D("400.00"))
    acc = b.accumulators_after
    assert acc is not None
    assert acc.deductible_paid["CHRONIC_OUTPATIENT"] == D("300.00") and acc.disease_paid == {}
    # hypertension next: its own deductible is still due in full (the shared one does not count for it)
    # (800 - 100) x 90 % = 630.00
    h = calculate(chronic_bill("M03900", "800.00"), packs, accumulators=acc)
    assert (h.act_pay_dedc, h.hifp_pay) == (D("100.00"), D("630.00"))


def test_a_disease_the_person_is_not_certified_for_is_refused(packs: PackSet) -> None:
    with pytest.raises(YidiError) as exc:
        calculate(chronic_bill("M03900", "800.00", certified=("M01600",)), packs)
    assert exc.value.code == "BILL_CHRONIC_NOT_CERTIFIED" and exc.value.field == "chronic_disease"


def test_a_bill_without_a_disease_keeps_the_old_reading(packs: PackSet) -> None:
    b = calculate(make_bill([("A01", "1", "800.00")], visit_type="CHRONIC_OUTPATIENT", discharge=None), packs)
    # as before rule 7: the benefit as written, 300.00 deductible, (800 - 300) x 80 % = 400.00
    assert (b.act_pay_dedc, b.hifp_pay) == (D("300.00"), D("400.00"))
    assert b.accumulators_after == YearAccumulators(year=2025).model_copy(update={
        "deductible_paid": {"CHRONIC_OUTPATIENT": D("300.00")}, "inscope": {"basic": D("800.00")},
        "eligible": {"basic": D("500.00")}, "cost_shared": {"basic": D("500.00")}, "fund_paid": {"basic": D("400.00")}})


def test_per_disease_terms_only_for_chronic_outpatient(tmp_path: Path) -> None:
    with pytest.raises(YidiError) as exc:
        make_packs(tmp_path, {"schemes": {"EMPLOYEE": {"benefits": {"INPATIENT": {
            "diseases": {"M03900": {"annual_limit": "1000"}}}}}}})
    assert "PACK_MISPLACED" in [p.code for p in exc.value.problems] + [exc.value.code]
