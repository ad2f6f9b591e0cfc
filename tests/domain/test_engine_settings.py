"""Worked examples of the engine's pack settings for issue 16: which admissions count, over-cap figures,
the tier basis default, and explanations that cite what was applied. Each figure computed by hand.

The pack is tests/domain/packs.py (deductible 800, 85 %, cap 400,000 for employees unless changed).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.domain.packs import make_packs, one_tier
from tests.domain.test_worked_examples import LONG_TERM_GZ, emp_inpatient, identities, make_bill, merged
from yidi.domain.engine import calculate
from yidi.domain.errors import YidiError
from yidi.domain.money import fmt


def D(s: str) -> Decimal:
    return Decimal(s)


# --- Rule 10: does an all-self-funded or zero inpatient bill count as an admission? -------------------

@pytest.mark.parametrize("counted", [None, "all", "in_scope"])
@pytest.mark.parametrize("first_lines", [[("C01", "1", "3000.00")], [("A01", "1", "0.00")]],
                         ids=["all_self_funded", "zero"])
def test_counted_admissions(tmp_path: Path, counted: str | None, first_lines: list[tuple[str, str, str]]) -> None:
    ded: dict[str, object] = {"repeat_factors": ["1", "0.5"]}
    if counted is not None:
        ded["counted_admissions"] = counted
    packs = make_packs(tmp_path, emp_inpatient(deductible=ded))
    first = calculate(make_bill(first_lines, accumulators={"year": 2025}), packs)
    identities(first)
    # first bill: no in-scope cost (丙类 only, or a zero line): nothing in scope, fund 0, deductible 0
    assert first.inscp_scp_amt == D("0.00")
    assert first.hifp_pay == D("0.00")
    assert first.act_pay_dedc == D("0.00")
    acc = first.accumulators_after
    assert acc is not None
    second = calculate(make_bill([("A01", "1", "5000.00")]), packs, accumulators=acc)
    identities(second)
    if counted == "in_scope":
        # the first bill is not an admission: admissions stay 0, the next is the 1st of the year
        # deductible 800 x 1 = 800.00; fund (5,000 - 800) x 85 % = 4,200 x 0.85 = 3,570.00; person 1,430.00
        assert acc.admissions == 0
        assert second.act_pay_dedc == D("800.00")
        assert second.hifp_pay == D("3570.00")
        assert second.psn_part_amt == D("1430.00")
    else:
        # default (all) = the behaviour before the setting: the first bill counts, the next is the 2nd
        # deductible 800 x 0.5 = 400.00; fund (5,000 - 400) x 85 % = 4,600 x 0.85 = 3,910.00; person 1,090.00
        assert acc.admissions == 1
        assert second.act_pay_dedc == D("400.00")
        assert second.hifp_pay == D("3910.00")
        assert second.psn_part_amt == D("1090.00")
    assert second.accumulators_after is not None
    assert second.accumulators_after.admissions == acc.admissions + 1  # a bill with in-scope cost always counts


# --- Rule 5: beside the cost above the cap, the fund payment the cap took away ----------------------

def _cap_50k(cap_basis: str) -> dict[str, object]:
    # cap 50,000, no deductible, one band at 90 %: the domain example of docs/rules.md
    return merged({"rules": {"cap_basis": cap_basis}}, {"schemes": {"EMPLOYEE": {"caps": {"basic": "50000.00"}}}},
                  emp_inpatient(deductible={"amounts": {"ALL": {"ALL": "0"}}}, tiers={"ALL": {"ALL": one_tier("0.90")}}))


@pytest.mark.parametrize(
    ("cap_basis", "before", "amount", "hifp", "above", "withheld"),
    [
        # fund_payment: without the cap 60,000 x 90 % = 54,000; fund pays 50,000 -> withheld 4,000.00
        # (cost above the cap 60,000 - 50,000 / 0.9 = 60,000 - 55,555.56 = 4,444.44)
        ("fund_payment", {}, "60000.00", "50000.00", "4444.44", "4000.00"),
        # in_scope_cost: the fund shares in 50,000 of cost: 45,000; without the cap 54,000 -> withheld 9,000.00
        ("in_scope_cost", {}, "60000.00", "45000.00", "10000.00", "9000.00"),
        # fund_payment, 48,000 paid before: 5,000 x 90 % = 4,500 uncapped; room 2,000 -> withheld 2,500.00
        # cost covered 2,000 / 0.9 = 2,222.22; above 5,000 - 2,222.22 = 2,777.78
        ("fund_payment", {"fund_paid": {"basic": "48000"}}, "5000.00", "2000.00", "2777.78", "2500.00"),
        # cap not reached: 10,000 x 90 % = 9,000 paid in full; nothing above, nothing withheld
        ("fund_payment", {}, "10000.00", "9000.00", "0.00", "0.00"),
    ],
)
def test_above_cap_fund_amt(tmp_path: Path, cap_basis: str, before: dict[str, object], amount: str,
                            hifp: str, above: str, withheld: str) -> None:
    packs = make_packs(tmp_path, _cap_50k(cap_basis))
    b = calculate(make_bill([("A01", "1", amount)], accumulators={"year": 2025, **before}), packs)
    identities(b)
    assert b.hifp_pay == D(hifp)
    assert b.above_cap_amt == D(above)
    assert b.above_cap_fund_amt == D(withheld)
    # no later layers: the person bears what the fund does not pay, the withheld part included
    assert b.psn_part_amt == D(amount) - D(hifp)
    if withheld != "0.00":
        cap_step = next(s for s in b.steps if s.rule == "fund.cap")
        assert f"应多付 {fmt(D(withheld))} 元" in cap_step.text_zh
        assert cap_step.outputs["above_cap_fund_amt"] == D(withheld)


# --- Rule 6: one default for tier_basis everywhere (cumulative) ---------------------------------------

@pytest.mark.parametrize(("basis", "pay"), [(None, "3344.00"), ("cumulative", "3344.00"), ("above_threshold", "3044.00")])
def test_layer_tier_basis_default_is_cumulative(tmp_path: Path, basis: str | None, pay: str) -> None:
    layer: dict[str, object] = {
        "kind": "civil_servant_subsidy", "base": "personal_in_scope", "threshold": "1000",
        "tiers": [{"from": "0", "to": "5000", "ratio": "0.50"}, {"from": "5000", "to": None, "ratio": "0.80"}],
    }
    if basis is not None:
        layer["tier_basis"] = basis
    packs = make_packs(tmp_path, {"schemes": {"EMPLOYEE": {"layers": [layer]}}})
    b = calculate(make_bill([("A01", "1", "40000.00")], accumulators={"year": 2025}), packs)
    identities(b)
    # fund (40,000 - 800) x 85 % = 33,320.00; the person's in-scope share 40,000 - 33,320 = 6,680.00
    # cumulative (the default, as rules.tier_basis): [1,000, 5,000) 4,000 x 50 % = 2,000 + [5,000, 6,680)
    #   1,680 x 80 % = 1,344 -> 3,344.00
    # above_threshold: bands shift by 1,000: [1,000, 6,000) 5,000 x 50 % = 2,500 + 680 x 80 % = 544 -> 3,044.00
    assert b.hifp_pay == D("33320.00")
    assert b.cvlserv_pay == D(pay)
    assert b.psn_part_amt == D("6680.00") - D(pay)


# --- Explanations: the cell the engine used, wording by scheme ---------------------------------------

def test_tier_step_cites_the_cell_used_and_words_by_scheme(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, emp_inpatient(tiers={"ALL": {"ALL": one_tier("0.85")}}))
    b = calculate(make_bill([("A01", "1", "10000.00")], accumulators={"year": 2025}), packs)
    step = next(s for s in b.steps if s.rule == "fund.tiers")
    # an active employee at a level-3 hospital: the grid resolved to ALL x ALL, cited so, not ACTIVE.L3
    # fund (10,000 - 800) x 85 % = 7,820.00
    assert b.hifp_pay == D("7820.00")
    assert step.clause is not None
    assert step.clause.parameter == "schemes.EMPLOYEE.benefits.INPATIENT.tiers.ALL.ALL"
    assert "在职比例" in step.text_zh

    resident = {"id_number": "110101202311012176", "name": "李小", "scheme": "RESIDENT"}
    r = calculate(make_bill([("A01", "1", "10000.00")], person=resident, accumulators={"year": 2025}), packs)
    rstep = next(s for s in r.steps if s.rule == "fund.tiers")
    assert "在职" not in rstep.text_zh and "居民比例" in rstep.text_zh
    assert rstep.clause is not None and rstep.clause.parameter.startswith("schemes.RESIDENT.benefits.INPATIENT.tiers.")


def test_band_cut_short_by_the_cap_shows_where_coverage_ended(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, _cap_50k("fund_payment"))
    b = calculate(make_bill([("A01", "1", "60000.00")], accumulators={"year": 2025}), packs)
    step = next(s for s in b.steps if s.rule == "fund.tiers")
    # cap 50,000 at 90 %: coverage ends at 50,000 / 0.9 = 55,555.56, not at the bill's 60,000
    assert "0.00–55555.56 段 55555.56 元 × 90% = 50000.00 元" in step.text_zh


# --- The ratio step that applies a cross-region cut cites the cut's parameter too --------------------

REFERRAL_GZ = {"type": "REFERRAL", "treatment_area": "440100", "start": "2025-01-01", "end": "2025-12-31"}


@pytest.mark.parametrize(
    ("cross_region", "filing", "pay", "also", "words"),
    [
        # referral, 10 points off 85 %: (10,000 - 800) x 75 % = 9,200 x 0.75 = 6,900.00
        ({"cut_mode": "subtract", "cut": {"REFERRAL": "10"}}, REFERRAL_GZ, "6900.00",
         ["cross_region.cut.REFERRAL", "cross_region.cut_mode"], "备案降低 10 个百分点后"),
        # multiply: 85 % x (1 - 10 %) = 76.5 %: 9,200 x 0.765 = 7,038.00
        ({"cut_mode": "multiply", "cut": {"REFERRAL": "10"}}, REFERRAL_GZ, "7038.00",
         ["cross_region.cut.REFERRAL", "cross_region.cut_mode"], "乘以 (1 − 10%)"),
        # long-term filer, factor 0.9: 85 % x 0.9 = 76.5 % -> 7,038.00
        ({"long_term_ratio_factor": "0.9"}, None, "7038.00",
         ["cross_region.long_term_ratio_factor"], "比例系数 0.9 调整后"),
        # long-term filer, 5 points off (rule 3): 85 % - 5 = 80 %: 9,200 x 0.8 = 7,360.00
        ({"long_term_cut": "5"}, None, "7360.00",
         ["cross_region.long_term_cut"], "长期异地居住人员降低 5 个百分点后"),
        # first_selfpay leaves the ratio as it is: the tier step cites the tier alone
        # (1,000 = 10 % of 10,000 paid first; (9,000 - 800) x 85 % = 6,970.00)
        ({"cut_mode": "first_selfpay", "cut": {"REFERRAL": "10"}}, REFERRAL_GZ, "6970.00", [], ""),
        # no cut at all (long-term, factor 1): the tier alone; 9,200 x 85 % = 7,820.00
        ({}, None, "7820.00", [], ""),
    ],
)
def test_ratio_step_cites_the_cut_it_applied(tmp_path: Path, cross_region: dict[str, object],
                                             filing: dict[str, str] | None, pay: str, also: list[str],
                                             words: str) -> None:
    packs = make_packs(tmp_path, {"cross_region": cross_region})
    kw: dict[str, object] = {} if filing is None else {"filing": filing}
    b = calculate(make_bill([("A01", "1", "10000.00")], accumulators={"year": 2025}, **kw), packs)  # type: ignore[arg-type]
    identities(b)
    assert b.hifp_pay == D(pay)
    step = next(s for s in b.steps if s.rule == "fund.tiers")
    assert step.clause is not None
    assert step.clause.parameter == "schemes.EMPLOYEE.benefits.INPATIENT.tiers.ALL.ALL"
    assert list(step.clause.also) == also
    assert step.clause.as_dict()["also"] == also
    if words:
        assert words in step.text_zh and "政策比例 85%" in step.text_zh


# --- Rule 1: the rest after a pay-first share, per catalogue class / item group ----------------------

IMPLANTS = {"name": "植入类耗材", "groups": ["implant"], "selfpay_ratio": "0.50"}
# B10: 10 x 100 = 1,000 (乙类药, catalogue 10 % first); IMP: 20,000 (植入类, group tag implant); A01: 9,100
RULE1_LINES = [("B10", "10", "100.00"), ("IMP", "1", "20000.00"), ("A01", "1", "9100.00")]


@pytest.mark.parametrize(
    ("group", "pre", "hifp"),
    [
        # implants 50 % first (10,000), rest 10,000 paid in full; B10 100 first, 900 coinsured with A01 9,100:
        # (10,000 - 800) x 85 % = 7,820; fund 7,820 + 10,000 = 17,820.00
        ({**IMPLANTS, "rest": "full"}, "10100.00", "17820.00"),
        # rest at the group's own 80 %: 10,000 x 0.8 = 8,000; fund 7,820 + 8,000 = 15,820.00
        ({**IMPLANTS, "rest": "ratio", "rest_ratio": "0.80"}, "10100.00", "15820.00"),
        # rest coinsured: (900 + 10,000 + 9,100 - 800) x 85 % = 19,200 x 0.85 = 16,320.00
        ({**IMPLANTS, "rest": "coinsurance"}, "10100.00", "16320.00"),
        # no group (the class-B default): IMP 10 % first = 2,000; (900 + 18,000 + 9,100 - 800) x 85 %
        # = 27,200 x 0.85 = 23,120.00; pay-first 100 + 2,000 = 2,100.00
        (None, "2100.00", "23120.00"),
    ],
)
def test_item_group_rest(tmp_path: Path, group: dict[str, object] | None, pre: str, hifp: str) -> None:
    packs = make_packs(tmp_path, {"rules": {"item_groups": [group] if group else []}})
    b = calculate(make_bill(RULE1_LINES, accumulators={"year": 2025}), packs)
    identities(b)
    # the pay-first share stands in preselfpay_amt (not folded into a bigger share), line by line
    assert b.medfee_sumamt == D("30100.00")
    assert b.preselfpay_amt == D(pre)
    assert b.inscp_scp_amt == D("30100.00") - D(pre)
    assert b.hifp_pay == D(hifp)
    assert b.psn_part_amt == D("30100.00") - D(hifp)
    imp = next(ln for ln in b.lines if ln.code == "IMP")
    if group:
        assert imp.preselfpay_amt == D("10000.00") and imp.selfpay_prop == D("0.50")
        assert "植入类耗材" in imp.reason_zh
    if group and group["rest"] != "coinsurance":
        step = next(s for s in b.steps if s.rule == "fund.item_group")
        assert step.clause is not None and step.clause.parameter == "rules.item_groups.0"
        assert "植入类耗材" in step.text_zh


def test_item_group_by_class_and_kind_overrides_b_class_rest(tmp_path: Path) -> None:
    # b_class_rest full for class B, except B drugs, which a group sends back to coinsurance
    drugs = {"name": "乙类药品", "classes": ["B"], "kinds": ["DRUG"], "rest": "coinsurance"}
    packs = make_packs(tmp_path, {"rules": {"b_class_rest": "full", "item_groups": [drugs]}})
    b = calculate(make_bill([("B10", "10", "100.00"), ("M800", "1", "800.00"), ("A01", "1", "9100.00")],
                            accumulators={"year": 2025}), packs)
    identities(b)
    # B10 1,000: 100 first, 900 coinsured (the group); M800 800: 30 % first = 240, 560 paid in full
    # (b_class_rest); coinsured 900 + 9,100 = 10,000: (10,000 - 800) x 85 % = 7,820; fund 7,820 + 560 = 8,380.00
    assert b.preselfpay_amt == D("340.00")
    assert b.inscp_scp_amt == D("10560.00")
    assert b.hifp_pay == D("8380.00")
    assert b.psn_part_amt == D("10900.00") - D("8380.00")


@pytest.mark.parametrize(
    ("paid_before", "hifp", "above", "withheld"),
    [
        # cap 15,000: the implant rest draws first: 10,000 x 80 % = 8,000, room left 7,000; coinsured
        # (10,000 - 800) x 85 % = 7,820 > 7,000 -> 7,000, covering 7,000 / 0.85 = 8,235.29;
        # above 9,200 - 8,235.29 = 964.71; withheld 7,820 - 7,000 = 820.00
        ("0", "15000.00", "964.71", "820.00"),
        # 10,000 paid before: room 5,000 all to the rest, covering 5,000 / 0.8 = 6,250 of its 10,000;
        # above 9,200 + 3,750 = 12,950.00; withheld 7,820 + 8,000 - 5,000 = 10,820.00
        ("10000", "5000.00", "12950.00", "10820.00"),
    ],
)
def test_item_group_rest_inside_the_cap(tmp_path: Path, paid_before: str, hifp: str, above: str,
                                        withheld: str) -> None:
    group = {**IMPLANTS, "rest": "ratio", "rest_ratio": "0.80"}
    packs = make_packs(tmp_path, merged({"rules": {"item_groups": [group]}},
                                        {"schemes": {"EMPLOYEE": {"caps": {"basic": "15000.00"}}}}))
    acc = {"year": 2025, "fund_paid": {"basic": paid_before}}
    b = calculate(make_bill(RULE1_LINES, accumulators=acc), packs)
    identities(b)
    assert b.hifp_pay == D(hifp)
    assert b.above_cap_amt == D(above)
    assert b.above_cap_fund_amt == D(withheld)
    assert b.accumulators_after is not None
    assert b.accumulators_after.fund_paid["basic"] == D("15000.00")


def test_item_group_rest_and_a_cross_region_pay_first_share(tmp_path: Path) -> None:
    group = {**IMPLANTS, "rest": "full"}
    packs = make_packs(tmp_path, {"rules": {"item_groups": [group]},
                                  "cross_region": {"cut_mode": "first_selfpay", "cut": {"REFERRAL": "10"}}})
    b = calculate(make_bill(RULE1_LINES, filing=REFERRAL_GZ, accumulators={"year": 2025}), packs)
    identities(b)
    # in scope 10,000 coinsured + 10,000 implant rest = 20,000; 10 % first = 2,000, taken from the
    # coinsured part: 8,000; (8,000 - 800) x 85 % = 6,120; fund 6,120 + 10,000 = 16,120.00
    assert b.cross_region_selfpay_amt == D("2000.00")
    assert b.hifp_pay == D("16120.00")


@pytest.mark.parametrize("group", [
    {"name": "无选择", "rest": "full"},  # matches nothing
    {"name": "缺比例", "groups": ["implant"], "rest": "ratio"},  # rest ratio missing
    {"name": "多余比例", "groups": ["implant"], "rest": "full", "rest_ratio": "0.8"},
])
def test_item_group_is_checked(tmp_path: Path, group: dict[str, object]) -> None:
    with pytest.raises(YidiError) as exc:
        make_packs(tmp_path, {"rules": {"item_groups": [group]}})
    assert [p.code for p in exc.value.problems] == ["PACK_FIELD"]


# --- Rule 2: age and person-group selectors for ratios, deductibles and caps -------------------------

BORN_1955_03_01 = "360426195503010076"  # turns 70 on 2025-03-01
OVER_70 = {"name": "70岁以上退休人员", "min_age": 70, "categories": ["RETIRED"],
           "deductible": {"amounts": {"ALL": {"ALL": "400"}}}, "tiers": {"ALL": {"ALL": one_tier("0.95")}}}


@pytest.mark.parametrize(
    ("category", "admission", "hifp", "applies"),
    [
        # retired, 70 on the admission day: deductible 400, 95 %: (10,000 - 400) x 0.95 = 9,120.00
        ("RETIRED", "2025-03-01", "9120.00", True),
        # the day before, still 69: the benefit's own 800 and 85 %: 9,200 x 0.85 = 7,820.00
        ("RETIRED", "2025-02-28", "7820.00", False),
        # 70 but not retired: the selector wants RETIRED -> 7,820.00
        ("ACTIVE", "2025-03-01", "7820.00", False),
    ],
)
def test_age_and_category_selector(tmp_path: Path, category: str, admission: str, hifp: str, applies: bool) -> None:
    packs = make_packs(tmp_path, emp_inpatient(selectors=[OVER_70]))
    person = {"id_number": BORN_1955_03_01, "category": category}
    b = calculate(make_bill([("A01", "1", "10000.00")], person=person, admission=admission,
                            accumulators={"year": 2025}), packs)
    identities(b)
    assert b.hifp_pay == D(hifp)
    assert b.psn_part_amt == D("10000.00") - D(hifp)
    sel = [s for s in b.steps if s.rule == "benefit.selector"]
    ded = next(s for s in b.steps if s.rule == "deductible")
    tiers = next(s for s in b.steps if s.rule == "fund.tiers")
    assert ded.clause is not None and tiers.clause is not None
    if applies:
        assert b.act_pay_dedc == D("400.00")
        assert "70岁以上退休人员" in sel[0].text_zh and "年满 70 周岁" in sel[0].text_zh
        assert ded.clause.parameter == "schemes.EMPLOYEE.benefits.INPATIENT.selectors.0.deductible"
        assert tiers.clause.parameter == "schemes.EMPLOYEE.benefits.INPATIENT.selectors.0.tiers.ALL.ALL"
    else:
        assert b.act_pay_dedc == D("800.00")
        assert not sel
        assert ded.clause.parameter == "schemes.EMPLOYEE.benefits.INPATIENT.deductible"


def test_assistance_group_selector_with_its_own_cap(tmp_path: Path) -> None:
    dibao = {"name": "低保对象", "groups": ["低保"], "tiers": {"ALL": {"ALL": one_tier("0.90")}}, "cap": "5000"}
    packs = make_packs(tmp_path, emp_inpatient(selectors=[OVER_70, dibao]))
    b = calculate(make_bill([("A01", "1", "10000.00")], person={"assistance_group": "低保"},
                            accumulators={"year": 2025}), packs)
    identities(b)
    # the first selector does not match (34, active); 低保: deductible 800 stays, 90 %, cap 5,000:
    # (10,000 - 800) x 0.9 = 8,280 > 5,000 -> 5,000.00; cost covered 5,000 / 0.9 = 5,555.56;
    # above 9,200 - 5,555.56 = 3,644.44; withheld 8,280 - 5,000 = 3,280.00
    assert b.act_pay_dedc == D("800.00")
    assert b.hifp_pay == D("5000.00")
    assert b.above_cap_amt == D("3644.44")
    assert b.above_cap_fund_amt == D("3280.00")
    cap = next(s for s in b.steps if s.rule == "fund.cap")
    assert cap.clause is not None and cap.clause.parameter == "schemes.EMPLOYEE.benefits.INPATIENT.selectors.1.cap"
    # the same person without the group: 9,200 x 85 % = 7,820.00, under the 400,000 cap
    plain = calculate(make_bill([("A01", "1", "10000.00")], accumulators={"year": 2025}), packs)
    assert plain.hifp_pay == D("7820.00")


@pytest.mark.parametrize("selector", [
    {"name": "无条件", "cap": "1000"},  # selects no one in particular
    {"name": "无待遇", "min_age": 70},  # changes nothing
    {"name": "年龄颠倒", "min_age": 70, "max_age": 60, "cap": "1000"},
])
def test_selector_is_checked(tmp_path: Path, selector: dict[str, object]) -> None:
    with pytest.raises(YidiError) as exc:
        make_packs(tmp_path, emp_inpatient(selectors=[selector]))
    assert [p.code for p in exc.value.problems] == ["PACK_FIELD"]


def test_long_term_cut_and_factor_are_not_both_set(tmp_path: Path) -> None:
    with pytest.raises(YidiError) as exc:
        make_packs(tmp_path, {"cross_region": {"long_term_ratio_factor": "0.9", "long_term_cut": "5"}})
    assert [p.code for p in exc.value.problems] == ["PACK_MISPLACED"]


# --- Rule 3: a long-term filing's end, an emergency's post-hoc filing deadline -------------------------

@pytest.mark.parametrize(
    ("days", "settled", "basis", "hifp"),
    [
        # no deadline: the emergency flag counts as filed: 85 % - 10 (EMERGENCY cut) = 75 %:
        # (10,000 - 800) x 0.75 = 6,900.00
        (None, "2025-03-10", "TEMPORARY", "6900.00"),
        # 3 working days from Monday 2025-03-03 -> Thursday 03-06: settled 03-05, still as filed -> 6,900.00
        (3, "2025-03-05", "TEMPORARY", "6900.00"),
        # settled 03-10 without a filing, past the deadline: unfiled, 85 % - 20 = 65 %: 9,200 x 0.65 = 5,980.00
        (3, "2025-03-10", "UNFILED", "5980.00"),
    ],
)
def test_emergency_post_hoc_filing_deadline(tmp_path: Path, days: int | None, settled: str, basis: str,
                                            hifp: str) -> None:
    changes: dict[str, object] = {"cross_region": {"cut": {"EMERGENCY": "10"}}}
    if days is not None:
        changes["filing"] = {"emergency_filing_working_days": days}
    packs = make_packs(tmp_path, changes)
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=None, emergency=True, admission="2025-03-03",
                            discharge=settled, accumulators={"year": 2025}), packs)
    identities(b)
    assert b.basis == basis
    assert b.hifp_pay == D(hifp)
    step = next(s for s in b.steps if s.rule == "cross_region.basis")
    assert step.clause is not None
    if days is None:
        assert step.clause.also == ()
    else:
        assert step.clause.also == ("filing.emergency_filing_working_days",)
        assert "2025-03-06" in step.text_zh  # the last day to file, said in words


@pytest.mark.parametrize(("end", "basis", "hifp"), [
    # the long-term filing ends 2025-02-28: an admission on 03-01 is unfiled: 9,200 x 65 % = 5,980.00
    ("2025-02-28", "UNFILED", "5980.00"),
    # it ends 2025-12-31: covered, the home ratio: 9,200 x 85 % = 7,820.00
    ("2025-12-31", "LONG_TERM", "7820.00"),
])
def test_long_term_filing_with_an_end(tmp_path: Path, end: str, basis: str, hifp: str) -> None:
    packs = make_packs(tmp_path, {"filing": {"long_term_validity_months": 12}})
    filing = {"type": "LONG_TERM_RESIDENT", "treatment_area": "440100", "start": "2024-03-01", "end": end}
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=filing, admission="2025-03-01",
                            accumulators={"year": 2025}), packs)
    identities(b)
    assert b.basis == basis
    assert b.hifp_pay == D(hifp)


# --- Rule 8: the personal account for care away ------------------------------------------------------

@pytest.mark.parametrize(
    ("away", "limit", "hospital", "acct"),
    [
        # fund (10,000 - 800) x 85 % = 7,820; the person's share 2,180.00, balance 3,000
        ("allowed", None, "H44010000001", "2180.00"),  # Guangzhou: the account pays all 2,180.00
        ("forbidden", None, "H44010000001", "0.00"),  # not away at all: 2,180.00 in cash
        ("in_province", None, "H44010000001", "0.00"),  # Guangzhou is another province
        ("in_province", None, "H36070000001", "2180.00"),  # Ganzhou, same province: allowed
        ("forbidden", None, "H36010000001", "2180.00"),  # Nanchang, at home: the rule does not apply
        ("allowed", "1000", "H44010000001", "1000.00"),  # at most 1,000 per bill away: 1,180.00 cash
        ("allowed", "1000", "H36010000001", "2180.00"),  # the limit is for care away only
    ],
)
def test_account_for_care_away(tmp_path: Path, away: str, limit: str | None, hospital: str, acct: str) -> None:
    account: dict[str, object] = {"may_pay": True, "away": away, **({"away_limit": limit} if limit else {})}
    packs = make_packs(tmp_path, {"schemes": {"EMPLOYEE": {"account": account}}})
    filing = None if hospital != "H44010000001" else LONG_TERM_GZ
    b = calculate(make_bill([("A01", "1", "10000.00")], institution=hospital, filing=filing,
                            person={"account_balance": "3000.00"}, accumulators={"year": 2025}), packs)
    identities(b)
    assert b.hifp_pay == D("7820.00") and b.psn_part_amt == D("2180.00")
    assert b.acct_pay == D(acct)
    assert b.psn_cash_pay == D("2180.00") - D(acct)
    assert b.balc == D("3000.00") - D(acct)


# --- Rule 9: a long-term filer treated back home ------------------------------------------------------

@pytest.mark.parametrize(
    ("at_home", "filing", "hifp"),
    [
        # 双向享受待遇 (the default): local rules at home: (10,000 - 800) x 85 % = 7,820.00
        ("local", LONG_TERM_GZ, "7820.00"),
        # as_long_term: the long-term rule, 5 points off: 9,200 x 80 % = 7,360.00
        ("as_long_term", LONG_TERM_GZ, "7360.00"),
        # as_long_term, but no filing: an ordinary local patient -> 7,820.00
        ("as_long_term", None, "7820.00"),
    ],
)
def test_long_term_filer_treated_back_home(tmp_path: Path, at_home: str, filing: dict[str, str] | None,
                                          hifp: str) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"long_term_at_home": at_home, "long_term_cut": "5"}})
    b = calculate(make_bill([("A01", "1", "10000.00")], institution="H36010000001", filing=filing,
                            accumulators={"year": 2025}), packs)
    identities(b)
    assert b.basis == "LOCAL"  # care at home stays local care (for clearing too)
    assert b.hifp_pay == D(hifp)
    home = [s for s in b.steps if s.rule == "cross_region.at_home"]
    assert bool(home) == (hifp == "7360.00")
    if home:
        tiers = next(s for s in b.steps if s.rule == "fund.tiers")
        assert tiers.clause is not None and tiers.clause.also == ("cross_region.long_term_cut",)
