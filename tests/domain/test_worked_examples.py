"""Worked examples of the settlement calculation, each computed by hand from the policy figures.

Every test builds a tiny pack (tests/domain/packs.py: deductible 800, 85 %, cap 400,000 for employees
unless the test changes it), a bill, and checks the breakdown. The comment above each block of
assertions is the hand computation; the figures were never copied from the engine's output.
Rounding (money.py): to the fen, half up, only where a ratio multiplies an amount.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.domain.packs import (
    BEIJING,
    GANZHOU,
    GUANGZHOU,
    H_GANZHOU,
    H_GZ,
    H_NC,
    INSURED,
    make_packs,
    one_tier,
)
from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.engine import calculate
from yidi.policies.loader import deep_merge

EMP_ID = "360426199101010071"
EMP2_ID = "120103198806018241"
CHILD_ID = "110101202311012176"

LONG_TERM_GZ = {"type": "LONG_TERM_RESIDENT", "treatment_area": GUANGZHOU, "start": "2024-01-01"}
TIERS_80_88 = [{"from": "0", "to": "30000", "ratio": "0.80"}, {"from": "30000", "to": None, "ratio": "0.88"}]
_DEFAULT = object()


def D(s: str) -> Decimal:
    return Decimal(s)


def emp_inpatient(**fields: Any) -> dict[str, Any]:
    """Policy change for the employee inpatient benefit."""
    return {"schemes": {"EMPLOYEE": {"benefits": {"INPATIENT": fields}}}}


def merged(*changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in changes:
        out = deep_merge(out, c)
    return out


def make_bill(
    lines: list[tuple[str, str, str]],
    *,
    visit_type: str = "INPATIENT",
    institution: str = H_GZ,
    filing: Any = _DEFAULT,
    person: dict[str, Any] | None = None,
    admission: str = "2025-03-01",
    discharge: str | None = "2025-03-10",
    accumulators: dict[str, Any] | None = None,
    **extra: Any,
) -> Bill:
    """A bill: lines as (code, quantity, unit price); by default a long-term filer treated in Guangzhou."""
    data: dict[str, Any] = {
        "bill_id": "T1",
        "visit_type": visit_type,
        "institution": institution,
        "admission_date": admission,
        "person": {"id_number": EMP_ID, "name": "张三", "insured_region": INSURED, "scheme": "EMPLOYEE",
                   **(person or {})},
        "lines": [{"line_id": f"L{i}", "code": c, "quantity": q, "unit_price": p}
                  for i, (c, q, p) in enumerate(lines, 1)],
        **extra,
    }
    if discharge is not None:
        data["discharge_date"] = discharge
    f = LONG_TERM_GZ if filing is _DEFAULT else filing
    if f is not None:
        data["filing"] = f
    if accumulators is not None:
        data["accumulators"] = accumulators
    return Bill.model_validate(data)


def identities(b: Breakdown) -> None:
    """The identities every breakdown keeps (breakdown.py)."""
    assert b.medfee_sumamt == b.fulamt_ownpay_amt + b.overlmt_selfpay + b.preselfpay_amt + b.inscp_scp_amt
    assert b.fund_pay_sumamt == b.hifp_pay + b.hifob_pay + b.cvlserv_pay + b.hifmi_pay + b.maf_pay
    assert b.medfee_sumamt == b.fund_pay_sumamt + b.psn_part_amt
    assert b.psn_part_amt == b.acct_pay + b.acct_mulaid_pay + b.psn_cash_pay


# --------------------------------------------------------------------------------------------------
# 1. Tiers crossing a band bound: both readings of the band bounds (docs/rules.md)
# --------------------------------------------------------------------------------------------------

def test_tiers_cumulative_reading_deductible_inside_first_tier(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, merged({"rules": {"tier_basis": "cumulative"}},
                                        emp_inpatient(tiers={"ALL": {"ALL": TIERS_80_88}})))
    b = calculate(make_bill([("A01", "1", "40000.00")]), packs)
    identities(b)
    # in scope 40,000; deductible 800 occupies positions 0..800 of the first tier.
    # band 1: 800..30,000 = 29,200 x 80 % = 23,360.00
    # band 2: 30,000..40,000 = 10,000 x 88 % = 8,800.00
    # fund 23,360 + 8,800 = 32,160.00; person 40,000 - 32,160 = 7,840.00 (= 800 + 5,840 + 1,200)
    assert b.medfee_sumamt == D("40000.00")
    assert b.inscp_scp_amt == D("40000.00")
    assert b.act_pay_dedc == D("800.00")
    assert [(x.lower, x.upper, x.cost, x.pay) for x in b.bands] == [
        (D("800.00"), D("30000.00"), D("29200.00"), D("23360.00")),
        (D("30000.00"), D("40000.00"), D("10000.00"), D("8800.00")),
    ]
    assert b.hifp_pay == D("32160.00")
    assert b.above_cap_amt == D("0.00")
    assert b.fund_pay_sumamt == D("32160.00")
    assert b.psn_part_amt == D("7840.00")
    assert b.acct_pay == D("0.00")
    assert b.psn_cash_pay == D("7840.00")
    # accumulators: 1 admission, deductible 800, fund 32,160, in scope 40,000, fund-eligible 39,200
    acc = b.accumulators_after
    assert acc is not None
    assert acc.admissions == 1
    assert acc.deductible_paid == {"INPATIENT": D("800.00")}
    assert acc.fund_paid == {"basic": D("32160.00")}
    assert acc.inscope == {"basic": D("40000.00")}
    assert acc.eligible == {"basic": D("39200.00")}


def test_tiers_above_deductible_reading(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, merged({"rules": {"tier_basis": "above_deductible"}},
                                        emp_inpatient(tiers={"ALL": {"ALL": TIERS_80_88}})))
    b = calculate(make_bill([("A01", "1", "40000.00")]), packs)
    identities(b)
    # in scope 40,000 - deductible 800 = 39,200 counted from 0.
    # band 1: 0..30,000 = 30,000 x 80 % = 24,000.00; band 2: 9,200 x 88 % = 8,096.00
    # fund 32,096.00; person 40,000 - 32,096 = 7,904.00
    assert b.act_pay_dedc == D("800.00")
    assert [(x.cost, x.pay) for x in b.bands] == [(D("30000.00"), D("24000.00")), (D("9200.00"), D("8096.00"))]
    assert b.hifp_pay == D("32096.00")
    assert b.fund_pay_sumamt == D("32096.00")
    assert b.psn_part_amt == D("7904.00")
    assert b.psn_cash_pay == D("7904.00")


# --------------------------------------------------------------------------------------------------
# 2. Catalogue: B class pay-first, out-of-catalogue and class C, price caps
# --------------------------------------------------------------------------------------------------

def test_b_class_pay_first_share(tmp_path: Path) -> None:
    packs = make_packs(tmp_path)
    b = calculate(make_bill([("B10", "10", "100.00"), ("B20", "1", "5000.00"), ("A01", "1", "4000.00")]), packs)
    identities(b)
    # B10: 1,000, catalogue default 10 % first -> 100 pay-first, 900 in scope
    # B20: 5,000, item ratio 20 % first -> 1,000 pay-first, 4,000 in scope
    # A01: 4,000 fully in scope
    # total 10,000; pay-first 1,100; in scope 8,900
    # fund: (8,900 - 800) x 85 % = 8,100 x 0.85 = 6,885.00
    # person: 10,000 - 6,885 = 3,115.00 (= 1,100 + 800 + 8,100 x 15 % = 1,215)
    assert b.medfee_sumamt == D("10000.00")
    assert b.preselfpay_amt == D("1100.00")
    assert b.inscp_scp_amt == D("8900.00")
    assert [(ln.preselfpay_amt, ln.inscp_scp_amt, ln.selfpay_prop) for ln in b.lines] == [
        (D("100.00"), D("900.00"), D("0.10")),
        (D("1000.00"), D("4000.00"), D("0.20")),
        (D("0.00"), D("4000.00"), D("0")),
    ]
    assert b.act_pay_dedc == D("800.00")
    assert b.hifp_pay == D("6885.00")
    assert b.fund_pay_sumamt == D("6885.00")
    assert b.psn_part_amt == D("3115.00")
    assert b.psn_cash_pay == D("3115.00")


def test_out_of_catalogue_and_class_c_are_fully_self_funded(tmp_path: Path) -> None:
    packs = make_packs(tmp_path)
    bill = make_bill([("A01", "1", "5000.00"), ("C01", "2", "150.00"), ("ZZ999", "1", "200.00")])
    b = calculate(bill, packs, unknown_items="self_funded")
    identities(b)
    # C01: 2 x 150 = 300 class C; ZZ999 not in the catalogue: 200 -> fully self-funded 500
    # in scope 5,000 (A01); fund (5,000 - 800) x 85 % = 4,200 x 0.85 = 3,570.00
    # person 5,500 - 3,570 = 1,930.00 (= 500 + 800 + 630)
    assert b.medfee_sumamt == D("5500.00")
    assert b.fulamt_ownpay_amt == D("500.00")
    assert b.inscp_scp_amt == D("5000.00")
    assert [ln.status for ln in b.lines] == ["IN_SCOPE", "CLASS_C", "OUT_OF_CATALOGUE"]
    assert b.act_pay_dedc == D("800.00")
    assert b.hifp_pay == D("3570.00")
    assert b.fund_pay_sumamt == D("3570.00")
    assert b.psn_part_amt == D("1930.00")
    assert b.psn_cash_pay == D("1930.00")


def test_price_cap_excess_is_self_paid(tmp_path: Path) -> None:
    packs = make_packs(tmp_path)
    bill = make_bill([("S60", "10", "80.00"), ("M800", "1", "1000.00"), ("A01", "1", "8840.00")])
    b = calculate(bill, packs)
    identities(b)
    # bed S60: 10 days x 80 = 800, cap 60 -> 10 x 60 = 600 in scope, 200 over the cap
    # stent M800: 1,000, cap 800 -> 200 over; 800 x 30 % = 240 pay-first; 560 in scope
    # A01: 8,840 in scope
    # total 10,640; over cap 400; pay-first 240; in scope 600 + 560 + 8,840 = 10,000
    # fund (10,000 - 800) x 85 % = 7,820.00; person 10,640 - 7,820 = 2,820.00
    assert b.medfee_sumamt == D("10640.00")
    assert b.overlmt_selfpay == D("400.00")
    assert b.preselfpay_amt == D("240.00")
    assert b.inscp_scp_amt == D("10000.00")
    assert [(ln.overlmt_amt, ln.preselfpay_amt, ln.inscp_scp_amt) for ln in b.lines] == [
        (D("200.00"), D("0.00"), D("600.00")),
        (D("200.00"), D("240.00"), D("560.00")),
        (D("0.00"), D("0.00"), D("8840.00")),
    ]
    assert b.hifp_pay == D("7820.00")
    assert b.fund_pay_sumamt == D("7820.00")
    assert b.psn_part_amt == D("2820.00")
    assert b.psn_cash_pay == D("2820.00")


# --------------------------------------------------------------------------------------------------
# 3. Deductible per admission vs annual; repeat admissions (rule variant 5)
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["per_admission", "annual"])
def test_second_admission_deductible_per_admission_vs_annual(tmp_path: Path, mode: str) -> None:
    packs = make_packs(tmp_path, emp_inpatient(deductible={"mode": mode}))
    first = calculate(make_bill([("A01", "1", "10000.00")]), packs)
    identities(first)
    # first admission, either mode: (10,000 - 800) x 85 % = 7,820.00; deductible 800 used
    assert first.act_pay_dedc == D("800.00")
    assert first.hifp_pay == D("7820.00")
    acc1 = first.accumulators_after
    assert acc1 is not None
    assert acc1.admissions == 1
    assert acc1.deductible_paid == {"INPATIENT": D("800.00")}

    second = calculate(make_bill([("A01", "1", "5000.00")], admission="2025-06-01", discharge="2025-06-05"),
                       packs, accumulators=acc1)
    identities(second)
    acc2 = second.accumulators_after
    assert acc2 is not None
    assert acc2.admissions == 2
    if mode == "per_admission":
        # deductible again 800: (5,000 - 800) x 85 % = 4,200 x 0.85 = 3,570.00; person 1,430.00
        # year: deductible 800 + 800 = 1,600; fund 7,820 + 3,570 = 11,390
        assert second.act_pay_dedc == D("800.00")
        assert second.hifp_pay == D("3570.00")
        assert second.psn_part_amt == D("1430.00")
        assert acc2.deductible_paid == {"INPATIENT": D("1600.00")}
        assert acc2.fund_paid == {"basic": D("11390.00")}
    else:
        # annual deductible 800 already paid: 5,000 x 85 % = 4,250.00; person 750.00
        # year: deductible stays 800; fund 7,820 + 4,250 = 12,070
        assert second.act_pay_dedc == D("0.00")
        assert second.hifp_pay == D("4250.00")
        assert second.psn_part_amt == D("750.00")
        assert acc2.deductible_paid == {"INPATIENT": D("800.00")}
        assert acc2.fund_paid == {"basic": D("12070.00")}
    assert second.fund_pay_sumamt == second.hifp_pay
    assert second.psn_cash_pay == second.psn_part_amt


def test_repeat_admission_factors_halve_the_deductible(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, emp_inpatient(deductible={"repeat_factors": ["1", "0.5"]}))
    acc = {"year": 2025, "admissions": 1, "deductible_paid": {"INPATIENT": "800"}}
    b = calculate(make_bill([("A01", "1", "5000.00")], accumulators=acc), packs)
    identities(b)
    # 2nd admission: deductible 800 x 0.5 = 400.00
    # fund (5,000 - 400) x 85 % = 4,600 x 0.85 = 3,910.00; person 5,000 - 3,910 = 1,090.00
    assert b.act_pay_dedc == D("400.00")
    assert b.hifp_pay == D("3910.00")
    assert b.fund_pay_sumamt == D("3910.00")
    assert b.psn_part_amt == D("1090.00")
    assert b.psn_cash_pay == D("1090.00")
    assert b.accumulators_after is not None
    assert b.accumulators_after.deductible_paid == {"INPATIENT": D("1200.00")}  # 800 + 400

    # 3rd admission: the last factor repeats -> 400 again; same 3,910.00
    acc3 = {"year": 2025, "admissions": 2, "deductible_paid": {"INPATIENT": "1200"}}
    b3 = calculate(make_bill([("A01", "1", "5000.00")], accumulators=acc3), packs)
    identities(b3)
    assert b3.act_pay_dedc == D("400.00")
    assert b3.hifp_pay == D("3910.00")


# --------------------------------------------------------------------------------------------------
# 4. The annual cap (rule variant 2): the 50,000 / 90 % / 60,000 of docs/rules.md, mid-bill, already reached
# --------------------------------------------------------------------------------------------------

def _cap_policy(cap_basis: str, *, layer: bool = False) -> dict[str, Any]:
    change = merged(
        {"rules": {"cap_basis": cap_basis}},
        {"schemes": {"EMPLOYEE": {"caps": {"basic": "50000.00"}}}},
        emp_inpatient(deductible={"amounts": {"ALL": {"ALL": "0"}}}, tiers={"ALL": {"ALL": one_tier("0.90")}}),
    )
    if layer:
        change = merged(change, {"schemes": {"EMPLOYEE": {"layers": [
            {"kind": "large_amount_subsidy", "base": "above_cap", "tiers": one_tier("0.90"),
             "annual_cap": "300000"},
        ]}}})
    return change


def test_cap_on_fund_payment_domain_example(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, _cap_policy("fund_payment"))
    b = calculate(make_bill([("A01", "1", "60000.00")]), packs)
    identities(b)
    # no deductible; 60,000 x 90 % = 54,000 > cap 50,000 -> fund pays 50,000.00
    # cost the fund shared in: 50,000 / 0.9 = 55,555.555... -> 55,555.56; above the cap 4,444.44
    # person 60,000 - 50,000 = 10,000.00
    assert b.act_pay_dedc == D("0.00")
    assert b.hifp_pay == D("50000.00")
    assert b.above_cap_amt == D("4444.44")
    assert b.fund_pay_sumamt == D("50000.00")
    assert b.psn_part_amt == D("10000.00")
    assert b.psn_cash_pay == D("10000.00")
    assert b.accumulators_after is not None
    assert b.accumulators_after.fund_paid == {"basic": D("50000.00")}
    assert b.accumulators_after.cost_shared == {"basic": D("55555.56")}


def test_cap_on_in_scope_cost_domain_example(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, _cap_policy("in_scope_cost"))
    b = calculate(make_bill([("A01", "1", "60000.00")]), packs)
    identities(b)
    # the fund shares in at most 50,000 of cost: 50,000 x 90 % = 45,000.00; 10,000 of cost above the cap
    # person 60,000 - 45,000 = 15,000.00
    assert b.hifp_pay == D("45000.00")
    assert b.above_cap_amt == D("10000.00")
    assert b.fund_pay_sumamt == D("45000.00")
    assert b.psn_part_amt == D("15000.00")
    assert b.psn_cash_pay == D("15000.00")
    assert b.accumulators_after is not None
    assert b.accumulators_after.cost_shared == {"basic": D("50000.00")}
    assert b.accumulators_after.fund_paid == {"basic": D("45000.00")}


@pytest.mark.parametrize(
    ("cap_basis", "before", "hifp", "above", "hifob"),
    [
        # fund_payment, 30,000 paid before: room 20,000 < 30,000 x 90 % = 27,000 -> fund 20,000.00
        # cost covered 20,000 / 0.9 = 22,222.22; above 30,000 - 22,222.22 = 7,777.78
        # large-amount subsidy 7,777.78 x 90 % = 7,000.002 -> 7,000.00
        ("fund_payment", {"fund_paid": {"basic": "30000"}}, "20000.00", "7777.78", "7000.00"),
        # fund_payment, cap already reached: fund 0; all 30,000 above; subsidy 30,000 x 90 % = 27,000.00
        ("fund_payment", {"fund_paid": {"basic": "50000"}}, "0.00", "30000.00", "27000.00"),
        # in_scope_cost, 40,000 of cost shared before: room 10,000 -> fund 10,000 x 90 % = 9,000.00
        # above 20,000; subsidy 20,000 x 90 % = 18,000.00
        ("in_scope_cost", {"cost_shared": {"basic": "40000"}}, "9000.00", "20000.00", "18000.00"),
        # in_scope_cost, cap already reached: fund 0; above 30,000; subsidy 27,000.00
        ("in_scope_cost", {"cost_shared": {"basic": "50000"}}, "0.00", "30000.00", "27000.00"),
    ],
)
def test_cap_reached_mid_bill_and_already_reached_then_large_amount_subsidy(
    tmp_path: Path, cap_basis: str, before: dict[str, Any], hifp: str, above: str, hifob: str
) -> None:
    packs = make_packs(tmp_path, _cap_policy(cap_basis, layer=True))
    acc = {"year": 2025, "admissions": 1, **before}
    b = calculate(make_bill([("A01", "1", "30000.00")], accumulators=acc), packs)
    identities(b)
    assert b.hifp_pay == D(hifp)
    assert b.above_cap_amt == D(above)
    assert b.hifob_pay == D(hifob)
    # in every case fund + subsidy = 27,000.00 and the person keeps 30,000 - 27,000 = 3,000.00
    assert b.fund_pay_sumamt == D("27000.00")
    assert b.psn_part_amt == D("3000.00")
    assert b.psn_cash_pay == D("3000.00")
    assert b.accumulators_after is not None
    assert b.accumulators_after.layer_paid == {"large_amount_subsidy": D(hifob)}


# --------------------------------------------------------------------------------------------------
# 5. Cross-region: temporary filings under each cut mode, long-term, unfiled, emergency, post-hoc
# --------------------------------------------------------------------------------------------------

CUTS = {"REFERRAL": "10", "EMERGENCY": "10", "OTHER_TEMPORARY": "20"}


@pytest.mark.parametrize(
    ("cut_mode", "ftype", "hifp", "extra"),
    [
        # subtract: referral / emergency 85 % - 10 = 75 %: (10,000 - 800) x 0.75 = 6,900.00
        ("subtract", "REFERRAL", "6900.00", "0.00"),
        ("subtract", "EMERGENCY", "6900.00", "0.00"),
        # subtract: other temporary 85 % - 20 = 65 %: 9,200 x 0.65 = 5,980.00
        ("subtract", "OTHER_TEMPORARY", "5980.00", "0.00"),
        # multiply: 85 % x 0.9 = 76.5 %: 9,200 x 0.765 = 7,038.00
        ("multiply", "REFERRAL", "7038.00", "0.00"),
        ("multiply", "EMERGENCY", "7038.00", "0.00"),
        # multiply: 85 % x 0.8 = 68 %: 9,200 x 0.68 = 6,256.00
        ("multiply", "OTHER_TEMPORARY", "6256.00", "0.00"),
        # first_selfpay (Jiangxi): 10 % of in scope 10,000 = 1,000 first; (9,000 - 800) x 85 % = 6,970.00
        ("first_selfpay", "REFERRAL", "6970.00", "1000.00"),
        ("first_selfpay", "EMERGENCY", "6970.00", "1000.00"),
        # first_selfpay: 20 % = 2,000 first; (8,000 - 800) x 85 % = 7,200 x 0.85 = 6,120.00
        ("first_selfpay", "OTHER_TEMPORARY", "6120.00", "2000.00"),
    ],
)
def test_temporary_filing_cut_modes(tmp_path: Path, cut_mode: str, ftype: str, hifp: str, extra: str) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"cut_mode": cut_mode, "cut": CUTS}})
    filing = {"type": ftype, "treatment_area": GUANGZHOU, "start": "2025-02-01", "end": "2025-08-01"}
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=filing), packs)
    identities(b)
    assert b.basis == "TEMPORARY"
    assert b.filing_type == ftype
    assert b.inscp_scp_amt == D("10000.00")
    assert b.cross_region_selfpay_amt == D(extra)
    assert b.act_pay_dedc == D("800.00")
    assert b.hifp_pay == D(hifp)
    assert b.fund_pay_sumamt == D(hifp)
    # the person pays the rest of 10,000
    assert b.psn_part_amt == D("10000.00") - D(hifp)
    assert b.psn_cash_pay == b.psn_part_amt


@pytest.mark.parametrize(("factor", "hifp"), [
    # factor 1: local ratio 85 %: (10,000 - 800) x 0.85 = 7,820.00
    ("1", "7820.00"),
    # factor 0.9: 85 % x 0.9 = 76.5 %: 9,200 x 0.765 = 7,038.00
    ("0.9", "7038.00"),
])
def test_long_term_filer_ratio_factor(tmp_path: Path, factor: str, hifp: str) -> None:
    # the cuts of temporary filers must not touch a long-term filer
    packs = make_packs(tmp_path, {"cross_region": {"long_term_ratio_factor": factor, "cut": CUTS}})
    b = calculate(make_bill([("A01", "1", "10000.00")], person={"category": "RETIRED"},
                            filing={"type": "RETIREE_RESETTLED", "treatment_area": GUANGZHOU,
                                    "start": "2020-05-01"}), packs)
    identities(b)
    assert b.basis == "LONG_TERM"
    assert b.cross_region_selfpay_amt == D("0.00")
    assert b.hifp_pay == D(hifp)
    assert b.fund_pay_sumamt == D(hifp)
    assert b.psn_part_amt == D("10000.00") - D(hifp)


def test_unfiled_care_uses_unfiled_cut(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"unfiled_cut": "15", "cut": CUTS}})
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=None), packs)
    identities(b)
    # no filing, no emergency: 85 % - 15 = 70 %: (10,000 - 800) x 0.70 = 6,440.00; person 3,560.00
    assert b.basis == "UNFILED"
    assert b.act_pay_dedc == D("800.00")
    assert b.hifp_pay == D("6440.00")
    assert b.fund_pay_sumamt == D("6440.00")
    assert b.psn_part_amt == D("3560.00")
    assert b.psn_cash_pay == D("3560.00")


def test_unfiled_care_not_payable(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"unfiled_payable": False}})
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=None), packs)
    identities(b)
    # the insured region does not pay unfiled cross-province care: no deductible taken, fund 0,
    # the person bears all 10,000.00
    assert b.basis == "UNFILED"
    assert b.act_pay_dedc == D("0.00")
    assert b.hifp_pay == D("0.00")
    assert b.fund_pay_sumamt == D("0.00")
    assert b.psn_part_amt == D("10000.00")
    assert b.psn_cash_pay == D("10000.00")
    assert b.warnings


def test_emergency_without_filing_is_treated_as_filed(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"unfiled_cut": "15", "cut": CUTS}})
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=None, emergency=True), packs)
    identities(b)
    # emergency flag: temporary filer of type emergency, cut 10 (not the unfiled 15):
    # 85 % - 10 = 75 %: 9,200 x 0.75 = 6,900.00; person 3,100.00
    assert b.basis == "TEMPORARY"
    assert b.filing_type == "EMERGENCY"
    assert b.hifp_pay == D("6900.00")
    assert b.fund_pay_sumamt == D("6900.00")
    assert b.psn_part_amt == D("3100.00")


@pytest.mark.parametrize("filing", [
    # filed for Beijing, treated in Guangzhou
    {"type": "REFERRAL", "treatment_area": BEIJING, "start": "2025-02-01", "end": "2025-08-01"},
    # filing starts after the settlement (discharge 2025-03-10)
    {"type": "REFERRAL", "treatment_area": GUANGZHOU, "start": "2025-04-01", "end": "2025-10-01"},
    # filing ended before the admission
    {"type": "REFERRAL", "treatment_area": GUANGZHOU, "start": "2024-06-01", "end": "2024-12-31"},
], ids=["other-place", "starts-after-settlement", "expired"])
def test_filing_not_covering_place_or_date_is_unfiled(tmp_path: Path, filing: dict[str, str]) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"unfiled_cut": "15", "cut": CUTS}})
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=filing), packs)
    identities(b)
    # treated as unfiled: 85 % - 15 = 70 %: 9,200 x 0.70 = 6,440.00 (a covering referral would give 6,900)
    assert b.basis == "UNFILED"
    assert b.hifp_pay == D("6440.00")
    assert b.psn_part_amt == D("3560.00")


def test_post_hoc_filing_before_settlement_counts(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"unfiled_cut": "15", "cut": CUTS}})
    filing = {"type": "REFERRAL", "treatment_area": GUANGZHOU, "start": "2025-03-05", "end": "2025-09-05"}
    b = calculate(make_bill([("A01", "1", "10000.00")], filing=filing,
                            admission="2025-03-01", discharge="2025-03-10"), packs)
    identities(b)
    # admitted 03-01, filed 03-05, settled 03-10 (补办备案): a referral, cut 10:
    # 85 % - 10 = 75 %: 9,200 x 0.75 = 6,900.00; person 3,100.00
    assert b.basis == "TEMPORARY"
    assert b.filing_type == "REFERRAL"
    assert b.hifp_pay == D("6900.00")
    assert b.psn_part_amt == D("3100.00")


def test_intra_province_local_setting(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"intra_province": "local", "cut": CUTS}})
    b = calculate(make_bill([("A01", "1", "10000.00")], institution=H_GANZHOU, filing=None), packs)
    identities(b)
    # Ganzhou is in the insured province: local rules, no filing needed, no cut: 9,200 x 85 % = 7,820.00
    assert b.basis == "INTRA_PROVINCE"
    assert b.hifp_pay == D("7820.00")
    assert b.psn_part_amt == D("2180.00")


@pytest.mark.parametrize(("filing", "basis", "hifp"), [
    # no filing: unfiled cut 20: 85 % - 20 = 65 %: 9,200 x 0.65 = 5,980.00
    (None, "UNFILED", "5980.00"),
    # other-temporary filing for Ganzhou, cut 10: 75 %: 9,200 x 0.75 = 6,900.00
    ({"type": "OTHER_TEMPORARY", "treatment_area": GANZHOU, "start": "2025-01-15", "end": "2025-07-15"},
     "TEMPORARY", "6900.00"),
])
def test_intra_province_cross_region_setting(
    tmp_path: Path, filing: dict[str, str] | None, basis: str, hifp: str
) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"intra_province": "cross_region", "unfiled_cut": "20",
                                                   "cut": {"OTHER_TEMPORARY": "10"}}})
    b = calculate(make_bill([("A01", "1", "10000.00")], institution=H_GANZHOU, filing=filing), packs)
    identities(b)
    assert b.basis == basis
    assert b.hifp_pay == D(hifp)
    assert b.psn_part_amt == D("10000.00") - D(hifp)


def test_local_treatment_ignores_cross_region_cuts(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"cut_mode": "first_selfpay", "cut": CUTS,
                                                   "unfiled_cut": "20"}})
    b = calculate(make_bill([("A01", "1", "10000.00")], institution=H_NC, filing=None), packs)
    identities(b)
    # treated in the insured region itself: no extra share, 9,200 x 85 % = 7,820.00
    assert b.basis == "LOCAL"
    assert b.cross_region_selfpay_amt == D("0.00")
    assert b.hifp_pay == D("7820.00")


# --------------------------------------------------------------------------------------------------
# 6. Later layers: critical illness with group override, medical assistance
# --------------------------------------------------------------------------------------------------

RESIDENT_LAYERS = {"schemes": {"RESIDENT": {"layers": [
    {"kind": "critical_illness", "base": "personal_in_scope", "threshold": "20000", "tier_basis": "above_threshold",
     "tiers": [{"from": "0", "to": "30000", "ratio": "0.60"}, {"from": "30000", "to": None, "ratio": "0.70"}],
     "annual_cap": "20000",
     "group_overrides": {"低保": {
         "threshold": "10000", "no_cap": True,
         "tiers": [{"from": "0", "to": "30000", "ratio": "0.65"}, {"from": "30000", "to": None, "ratio": "0.75"}],
     }}},
    {"kind": "medical_assistance", "base": "personal_in_scope", "threshold": "5000", "tiers": one_tier("0.50"),
     "annual_cap": "30000", "eligible_groups": ["低保", "特困"]},
]}}}


def _resident(group: str | None) -> dict[str, Any]:
    p: dict[str, Any] = {"id_number": CHILD_ID, "name": "李小", "scheme": "RESIDENT"}
    if group:
        p["assistance_group"] = group
    return p


def test_critical_illness_tiers_threshold_and_cap(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, RESIDENT_LAYERS)
    b = calculate(make_bill([("A01", "1", "200000.00")], person=_resident(None)), packs)
    identities(b)
    # basic: (200,000 - 1,000) x 70 % = 199,000 x 0.7 = 139,300.00
    # personal in scope 200,000 - 139,300 = 60,700
    # critical illness, threshold 20,000, tiers above it: 20,000..50,000 at 60 % = 18,000.00;
    #   50,000..60,700 = 10,700 at 70 % = 7,490 -> together 25,490, but the annual cap is 20,000:
    #   pays 18,000 + 2,000 = 20,000.00
    # medical assistance: not in an eligible group -> 0
    # funds 139,300 + 20,000 = 159,300.00; person 200,000 - 159,300 = 40,700.00
    assert b.act_pay_dedc == D("1000.00")
    assert b.hifp_pay == D("139300.00")
    assert b.hifmi_pay == D("20000.00")
    assert b.maf_pay == D("0.00")
    assert b.fund_pay_sumamt == D("159300.00")
    assert b.psn_part_amt == D("40700.00")
    assert b.acct_pay == D("0.00")
    assert b.psn_cash_pay == D("40700.00")
    assert b.accumulators_after is not None
    assert b.accumulators_after.layer_base == {"critical_illness": D("60700.00")}
    assert b.accumulators_after.layer_paid == {"critical_illness": D("20000.00")}


def test_critical_illness_group_override_and_medical_assistance_for_dibao(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, RESIDENT_LAYERS)
    b = calculate(make_bill([("A01", "1", "200000.00")], person=_resident("低保")), packs)
    identities(b)
    # basic as before 139,300.00; personal in scope 60,700
    # critical illness for 低保: threshold halved to 10,000, ratios +5 points, no cap:
    #   10,000..40,000 = 30,000 x 65 % = 19,500.00; 40,000..60,700 = 20,700 x 75 % = 15,525.00
    #   -> 35,025.00
    # personal in scope left 60,700 - 35,025 = 25,675
    # medical assistance (低保 eligible): (25,675 - 5,000) x 50 % = 20,675 x 0.5 = 10,337.50 (cap 30,000)
    # funds 139,300 + 35,025 + 10,337.50 = 184,662.50; person 200,000 - 184,662.50 = 15,337.50
    assert b.hifp_pay == D("139300.00")
    assert b.hifmi_pay == D("35025.00")
    assert b.maf_pay == D("10337.50")
    assert b.fund_pay_sumamt == D("184662.50")
    assert b.psn_part_amt == D("15337.50")
    assert b.psn_cash_pay == D("15337.50")
    # the step cites the group's own terms it applied beside the layer (issue 16: the cell actually used)
    step = next(s for s in b.steps if s.rule == "layer.critical_illness")
    assert step.clause is not None and step.clause.parameter == "schemes.RESIDENT.layers.critical_illness"
    assert step.clause.also == ("schemes.RESIDENT.layers.critical_illness.group_overrides.低保",)
    plain = calculate(make_bill([("A01", "1", "200000.00")], person=_resident(None)), packs)
    ci = next(s for s in plain.steps if s.rule == "layer.critical_illness")
    assert ci.clause is not None and ci.clause.also == ()  # no group: the layer's own terms


def test_medical_assistance_for_eligible_group_without_override(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, RESIDENT_LAYERS)
    b = calculate(make_bill([("A01", "1", "200000.00")], person=_resident("特困")), packs)
    identities(b)
    # 特困 has no critical-illness override: 20,000.00 (capped, as for everyone)
    # personal in scope 60,700 - 20,000 = 40,700
    # medical assistance: (40,700 - 5,000) x 50 % = 17,850.00
    # funds 139,300 + 20,000 + 17,850 = 177,150.00; person 22,850.00
    assert b.hifmi_pay == D("20000.00")
    assert b.maf_pay == D("17850.00")
    assert b.fund_pay_sumamt == D("177150.00")
    assert b.psn_part_amt == D("22850.00")


# --------------------------------------------------------------------------------------------------
# 7. Scheme and category
# --------------------------------------------------------------------------------------------------

def test_employee_vs_resident(tmp_path: Path) -> None:
    packs = make_packs(tmp_path)
    emp = calculate(make_bill([("A01", "1", "10000.00")], person={"id_number": EMP2_ID}), packs)
    res = calculate(make_bill([("A01", "1", "10000.00")], person=_resident(None)), packs)
    identities(emp)
    identities(res)
    # employee: deductible 800, 85 %: 9,200 x 0.85 = 7,820.00; person 2,180.00
    assert emp.insutype == "310"
    assert emp.act_pay_dedc == D("800.00")
    assert emp.hifp_pay == D("7820.00")
    assert emp.psn_part_amt == D("2180.00")
    # resident: deductible 1,000, 70 %: 9,000 x 0.70 = 6,300.00; person 3,700.00
    assert res.insutype == "390"
    assert res.act_pay_dedc == D("1000.00")
    assert res.hifp_pay == D("6300.00")
    assert res.fund_pay_sumamt == D("6300.00")
    assert res.psn_part_amt == D("3700.00")


def test_active_vs_retired(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, emp_inpatient(tiers={"RETIRED": {"ALL": one_tier("0.90")}}))
    active = calculate(make_bill([("A01", "1", "10000.00")]), packs)
    retired = calculate(make_bill([("A01", "1", "10000.00")], person={"category": "RETIRED"}), packs)
    identities(active)
    identities(retired)
    # active: 9,200 x 85 % = 7,820.00; retired: 9,200 x 90 % = 8,280.00 (person 1,720.00)
    assert active.hifp_pay == D("7820.00")
    assert retired.hifp_pay == D("8280.00")
    assert retired.psn_part_amt == D("1720.00")


# --------------------------------------------------------------------------------------------------
# 8. Outpatient annual deductible across two visits
# --------------------------------------------------------------------------------------------------

def test_outpatient_annual_deductible_across_two_visits(tmp_path: Path) -> None:
    packs = make_packs(tmp_path)
    v1 = calculate(make_bill([("A01", "2", "200.00")], visit_type="OUTPATIENT",
                             admission="2025-03-01", discharge=None), packs)
    identities(v1)
    # visit 1: in scope 2 x 200 = 400 < annual deductible 600: all 400 is deductible, fund 0
    assert v1.act_pay_dedc == D("400.00")
    assert v1.hifp_pay == D("0.00")
    assert v1.psn_part_amt == D("400.00")
    acc1 = v1.accumulators_after
    assert acc1 is not None
    assert acc1.admissions == 0  # outpatient visits are not admissions
    assert acc1.deductible_paid == {"OUTPATIENT": D("400.00")}

    v2 = calculate(make_bill([("A01", "1", "1000.00")], visit_type="OUTPATIENT",
                             admission="2025-05-01", discharge=None), packs, accumulators=acc1)
    identities(v2)
    # visit 2: deductible left 600 - 400 = 200; (1,000 - 200) x 60 % = 480.00; person 520.00
    assert v2.act_pay_dedc == D("200.00")
    assert v2.hifp_pay == D("480.00")
    assert v2.fund_pay_sumamt == D("480.00")
    assert v2.psn_part_amt == D("520.00")
    assert v2.psn_cash_pay == D("520.00")
    acc2 = v2.accumulators_after
    assert acc2 is not None
    assert acc2.deductible_paid == {"OUTPATIENT": D("600.00")}
    # the outpatient pool is separate from the inpatient one
    assert acc2.fund_paid == {"outpatient": D("480.00")}


# --------------------------------------------------------------------------------------------------
# 9. Personal account
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("scope", "balance", "use", "acct", "cash", "balc"),
    [
        # all_personal, balance 5,000: the whole 2,690 from the account; balance 2,310.00
        ("all_personal", "5000.00", True, "2690.00", "0.00", "2310.00"),
        # in_scope: only the in-scope personal share 800 + 1,290 = 2,090 from the account;
        # cash 2,690 - 2,090 = 600 (class C 500 + pay-first 100); balance 2,910.00
        ("in_scope", "5000.00", True, "2090.00", "600.00", "2910.00"),
        # balance 1,000 smaller than the share: account 1,000, cash 1,690, balance 0.00
        ("all_personal", "1000.00", True, "1000.00", "1690.00", "0.00"),
        # use_account false (acct_used_flag 0): all cash, balance unchanged
        ("all_personal", "5000.00", False, "0.00", "2690.00", "5000.00"),
    ],
)
def test_personal_account(
    tmp_path: Path, scope: str, balance: str, use: bool, acct: str, cash: str, balc: str
) -> None:
    packs = make_packs(tmp_path, {"schemes": {"EMPLOYEE": {"account": {"may_pay": True, "scope": scope}}}})
    bill = make_bill([("B10", "10", "100.00"), ("C01", "1", "500.00"), ("A01", "1", "8500.00")],
                     person={"account_balance": balance}, use_account=use)
    b = calculate(bill, packs)
    identities(b)
    # total 10,000: B10 1,000 (100 pay-first, 900 in scope), C01 500 self-funded, A01 8,500
    # in scope 9,400; fund (9,400 - 800) x 85 % = 8,600 x 0.85 = 7,310.00
    # person 10,000 - 7,310 = 2,690.00, of which in scope 9,400 - 7,310 = 2,090
    assert b.hifp_pay == D("7310.00")
    assert b.psn_part_amt == D("2690.00")
    assert b.acct_pay == D(acct)
    assert b.psn_cash_pay == D(cash)
    assert b.balc == D(balc)


# --------------------------------------------------------------------------------------------------
# 10. B class: rest paid in full; pay-first ratio from the insured region
# --------------------------------------------------------------------------------------------------

def test_b_class_rest_paid_in_full(tmp_path: Path) -> None:
    lines = [("B10", "10", "100.00"), ("A01", "1", "9100.00")]
    full = calculate(make_bill(lines), make_packs(tmp_path / "full", {"rules": {"b_class_rest": "full"}}))
    co = calculate(make_bill(lines), make_packs(tmp_path / "co", {"rules": {"b_class_rest": "coinsurance"}}))
    identities(full)
    identities(co)
    # total 10,100: B10 1,000 -> 100 pay-first + 900 in scope; A01 9,100; in scope 10,000
    # full: B rest 900 paid in full; A01 9,100 - 800 = 8,300 x 85 % = 7,055; fund 7,955.00
    #       person 10,100 - 7,955 = 2,145.00
    assert full.inscp_scp_amt == D("10000.00")
    assert full.preselfpay_amt == D("100.00")
    assert full.act_pay_dedc == D("800.00")
    assert full.hifp_pay == D("7955.00")
    assert full.psn_part_amt == D("2145.00")
    # coinsurance: (10,000 - 800) x 85 % = 7,820.00; person 2,280.00
    assert co.hifp_pay == D("7820.00")
    assert co.psn_part_amt == D("2280.00")


def test_b_class_rest_full_draws_on_the_cap_first(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, merged({"rules": {"b_class_rest": "full"}},
                                        {"schemes": {"EMPLOYEE": {"caps": {"basic": "10000.00"}}}}))
    acc = {"year": 2025, "admissions": 1, "fund_paid": {"basic": "2000"}}
    b = calculate(make_bill([("B10", "10", "100.00"), ("A01", "1", "19100.00")], accumulators=acc), packs)
    identities(b)
    # room under the cap 10,000 - 2,000 = 8,000
    # B rest 900 paid in full first -> room left 7,100
    # A01: (19,100 - 800) x 85 % = 15,555 > 7,100 -> 7,100.00; cost covered 7,100 / 0.85 = 8,352.94;
    #      above the cap 18,300 - 8,352.94 = 9,947.06
    # fund 900 + 7,100 = 8,000.00; person 20,100 - 8,000 = 12,100.00
    assert b.medfee_sumamt == D("20100.00")
    assert b.hifp_pay == D("8000.00")
    assert b.above_cap_amt == D("9947.06")
    assert b.fund_pay_sumamt == D("8000.00")
    assert b.psn_part_amt == D("12100.00")
    assert b.accumulators_after is not None
    assert b.accumulators_after.fund_paid == {"basic": D("10000.00")}


def test_b_class_selfpay_ratio_from_insured_region(tmp_path: Path) -> None:
    lines = [("B20", "1", "10000.00")]
    ins = calculate(make_bill(lines), make_packs(
        tmp_path / "ins", {"rules": {"b_class_selfpay_source": "insured", "b_class_selfpay_ratio": "0.05"}}))
    trt = calculate(make_bill(lines), make_packs(tmp_path / "trt"))
    identities(ins)
    identities(trt)
    # insured region's 5 % instead of the item's 20 %: pay-first 500, in scope 9,500
    # fund (9,500 - 800) x 85 % = 8,700 x 0.85 = 7,395.00; person 2,605.00
    assert ins.preselfpay_amt == D("500.00")
    assert ins.inscp_scp_amt == D("9500.00")
    assert ins.hifp_pay == D("7395.00")
    assert ins.psn_part_amt == D("2605.00")
    # treatment catalogue's 20 %: pay-first 2,000; (8,000 - 800) x 85 % = 6,120.00; person 3,880.00
    assert trt.preselfpay_amt == D("2000.00")
    assert trt.hifp_pay == D("6120.00")
    assert trt.psn_part_amt == D("3880.00")


# --------------------------------------------------------------------------------------------------
# 11. Tiers read on the year's cumulative amounts
# --------------------------------------------------------------------------------------------------

ACC_25000 = {"year": 2025, "admissions": 1, "deductible_paid": {"INPATIENT": "800"},
             "inscope": {"basic": "25000"}, "eligible": {"basic": "24200"},
             "fund_paid": {"basic": "19360"}, "cost_shared": {"basic": "24200"}}


@pytest.mark.parametrize(("tier_basis", "bands", "hifp"), [
    # cumulative: year in scope before 25,000; this deductible 800 takes 25,000..25,800;
    # 25,800..30,000 = 4,200 x 80 % = 3,360; 30,000..35,000 = 5,000 x 88 % = 4,400 -> 7,760.00
    ("cumulative", [("4200.00", "3360.00"), ("5000.00", "4400.00")], "7760.00"),
    # above_deductible: year eligible before 24,200; 24,200..30,000 = 5,800 x 80 % = 4,640;
    # 30,000..33,400 = 3,400 x 88 % = 2,992 -> 7,632.00
    ("above_deductible", [("5800.00", "4640.00"), ("3400.00", "2992.00")], "7632.00"),
])
def test_tier_scope_annual(tmp_path: Path, tier_basis: str, bands: list[tuple[str, str]], hifp: str) -> None:
    packs = make_packs(tmp_path, merged({"rules": {"tier_basis": tier_basis, "tier_scope": "annual"}},
                                        emp_inpatient(tiers={"ALL": {"ALL": TIERS_80_88}})))
    b = calculate(make_bill([("A01", "1", "10000.00")], accumulators=ACC_25000), packs)
    identities(b)
    assert b.act_pay_dedc == D("800.00")
    assert [(x.cost, x.pay) for x in b.bands] == [(D(c), D(p)) for c, p in bands]
    assert b.hifp_pay == D(hifp)
    assert b.psn_part_amt == D("10000.00") - D(hifp)


def test_tier_scope_per_visit_ignores_the_year(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, merged({"rules": {"tier_basis": "cumulative", "tier_scope": "per_visit"}},
                                        emp_inpatient(tiers={"ALL": {"ALL": TIERS_80_88}})))
    b = calculate(make_bill([("A01", "1", "10000.00")], accumulators=ACC_25000), packs)
    identities(b)
    # per visit: 800..10,000 all in the first tier: 9,200 x 80 % = 7,360.00
    assert b.hifp_pay == D("7360.00")


# --------------------------------------------------------------------------------------------------
# 12. No benefit: lapsed insurance, waiting period
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("person", [
    {"status": "LAPSED", "status_since": "2025-01-01"},
    {"status": "TERMINATED", "status_since": "2025-02-01"},
    # waiting period until 2025-06-30 covers the settlement on 2025-03-10
    {"status": "WAITING", "status_since": "2025-06-30"},
], ids=["lapsed", "terminated", "waiting"])
def test_no_benefit_when_insurance_not_in_force(tmp_path: Path, person: dict[str, str]) -> None:
    packs = make_packs(tmp_path)
    b = calculate(make_bill([("A01", "1", "10000.00")], person=person), packs)
    identities(b)
    # no benefit: no deductible, no fund; the person pays all 10,000.00
    assert b.medfee_sumamt == D("10000.00")
    assert b.act_pay_dedc == D("0.00")
    assert b.hifp_pay == D("0.00")
    assert b.fund_pay_sumamt == D("0.00")
    assert b.psn_part_amt == D("10000.00")
    assert b.psn_cash_pay == D("10000.00")
    assert b.warnings
    assert b.accumulators_after is not None
    # nothing was borne by the insurance: the year's usage is unchanged (admissions not counted)
    assert b.accumulators_after == YearAccumulators(year=2025)


@pytest.mark.parametrize("person", [
    # waiting period ended 2025-02-28, before the settlement on 2025-03-10
    {"status": "WAITING", "status_since": "2025-02-28"},
    # lapses only from 2025-04-01, after the settlement
    {"status": "LAPSED", "status_since": "2025-04-01"},
], ids=["waiting-over", "lapses-later"])
def test_benefit_when_status_change_is_outside_the_bill(tmp_path: Path, person: dict[str, str]) -> None:
    packs = make_packs(tmp_path)
    b = calculate(make_bill([("A01", "1", "10000.00")], person=person), packs)
    identities(b)
    # normal benefit: 9,200 x 85 % = 7,820.00
    assert b.hifp_pay == D("7820.00")
    assert b.psn_part_amt == D("2180.00")


def test_accumulators_are_carried_through_a_year(tmp_path: Path) -> None:
    """Three admissions chained through accumulators_after: deductible, cap and admission count."""
    packs = make_packs(tmp_path, merged(
        {"schemes": {"EMPLOYEE": {"caps": {"basic": "20000.00"}}}},
        emp_inpatient(deductible={"repeat_factors": ["1", "0.5", "0"]}),
    ))
    acc: YearAccumulators | None = None
    got = []
    for month in ("03", "06", "09"):
        b = calculate(make_bill([("A01", "1", "10000.00")], admission=f"2025-{month}-01",
                                discharge=f"2025-{month}-10"), packs, accumulators=acc)
        identities(b)
        got.append((b.act_pay_dedc, b.hifp_pay, b.above_cap_amt))
        acc = b.accumulators_after
    # 1st: deductible 800; 9,200 x 85 % = 7,820.00 (paid 7,820)
    # 2nd: deductible 400; 9,600 x 85 % = 8,160.00 (paid 15,980)
    # 3rd: deductible 0; 10,000 x 85 % = 8,500 > room 20,000 - 15,980 = 4,020 -> 4,020.00
    #      cost covered 4,020 / 0.85 = 4,729.411... -> 4,729.41; above 10,000 - 4,729.41 = 5,270.59
    assert got == [
        (D("800.00"), D("7820.00"), D("0.00")),
        (D("400.00"), D("8160.00"), D("0.00")),
        (D("0.00"), D("4020.00"), D("5270.59")),
    ]
    assert acc is not None
    assert acc.admissions == 3
    assert acc.fund_paid == {"basic": D("20000.00")}
    assert acc.deductible_paid == {"INPATIENT": D("1200.00")}



def test_an_admission_without_benefit_leaves_the_years_usage_unchanged(tmp_path: Path) -> None:
    # A lapsed person's admission is not borne by the insurance, so it must not count as the year's
    # first admission: with repeat_factors [1, 0.5] the next covered admission still pays the full
    # deductible of 800 (not 800 x 0.5 = 400), and the accumulators after the lapsed bill equal those before.
    packs = make_packs(tmp_path, emp_inpatient(deductible={"repeat_factors": ["1", "0.5"]}))
    lapsed = make_bill([("A01", "1", "5000.00")], person={"status": "LAPSED", "status_since": "2025-01-01"})
    b = calculate(lapsed, packs)
    assert b.fund_pay_sumamt == D("0.00")
    assert b.accumulators_after == YearAccumulators(year=2025)
    later = calculate(make_bill([("A01", "1", "5000.00")]), packs, accumulators=b.accumulators_after)
    # covered: deductible 800; fund (5,000 - 800) x 85 % = 3,570.00
    assert later.act_pay_dedc == D("800.00")
    assert later.hifp_pay == D("3570.00")
