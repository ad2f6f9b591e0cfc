"""Expected plans for situations: settlement path, steps, materials, deadlines, ratios, warnings, questions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.advisor.packs import BEIJING, GANZHOU, GUANGZHOU, H_BJ, H_GZ, H_GZ_OFF, INSURED, make_packs
from tests.support.packs import sample_packs
from yidi.advisor.models import Plan, Situation
from yidi.advisor.plan import advise
from yidi.domain.bill import Bill
from yidi.domain.engine import calculate
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet

TODAY = dt.date(2026, 5, 1)
BASE = {"insured_region": INSURED, "current_region": GUANGZHOU, "scheme": "EMPLOYEE", "category": "ACTIVE",
        "visit_type": "INPATIENT", "insurance_status": "ACTIVE"}


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> PackSet:
    return make_packs(tmp_path_factory.mktemp("advisor-pack"))


def plan(packs: PackSet, **fields: Any) -> Plan:
    return advise(Situation.model_validate({**BASE, **fields}), packs, TODAY)


def materials(p: Plan, purpose: str) -> dict[str, bool]:
    group = next(g for g in p.materials if g.purpose == purpose)
    return {m.code: m.required for m in group.items}


def deadline(p: Plan, kind: str) -> Any:
    return next(d for d in p.deadlines if d.kind == kind)


def every_point_cites(p: Plan) -> None:
    points: list[Any] = [p.settlement, *p.steps, *p.materials, *p.deadlines, *p.warnings, *p.questions]
    if p.money:
        points.append(p.money)
    for pt in points:
        assert pt.cites, f"{type(pt).__name__} without a rule: {pt}"
        for c in pt.cites:
            assert (c.kind == "rules" and c.ref.startswith("R-")) or c.kind == "pack"


# ---------------------------------------------------------------------------------------------- filing types


@pytest.mark.parametrize(("reason", "ftype", "proof"), [
    ("retired", "RETIREE_RESETTLED", "household_register"),
    ("lives", "LONG_TERM_RESIDENT", "residence_permit"),
    ("works", "RESIDENT_WORKER", "work_posting_proof"),
])
def test_long_term_types_file_first_with_proof_or_commitment(packs: PackSet, reason: str, ftype: str, proof: str) -> None:
    cat = "RETIRED" if reason == "retired" else "ACTIVE"
    p = plan(packs, reason=reason, filed=False, treated=False, category=cat)
    assert p.settlement.status == "POSSIBLE_AFTER" and p.settlement.filing_type == ftype
    assert p.settlement.requires[0].code == "FILE"
    assert {c.id for c in p.settlement.channels} >= {"national_app", "filing_mini_program", "agency_window"}
    assert p.step_ids.index("file_online") < p.step_ids.index("present_credential") < p.step_ids.index("settle_directly")
    assert "return_home_treatment" in p.step_ids
    m = materials(p, "filing")
    assert m["credential"] and m["filing_form"] and m[proof] and m["commitment_letter"] is False  # the alternative
    assert deadline(p, "filing_validity").date is None  # long-term: until changed or cancelled
    assert "6" in deadline(p, "change_lock").text_zh
    assert p.money is not None and p.money.basis == "LONG_TERM"
    row = p.money.rows[0]
    assert row.away_ratio == row.home_ratio == Decimal("0.90" if cat == "RETIRED" else "0.85")  # no cut
    assert row.unfiled_ratio == row.home_ratio - Decimal("0.20")
    every_point_cites(p)


def test_referral_with_certificate(packs: PackSet) -> None:
    p = plan(packs, reason="referred", filed=False, treated=False, referral_certificate=True)
    assert p.settlement.filing_type == "REFERRAL"
    assert materials(p, "filing")["referral_certificate"] is True
    assert "get_referral_certificate" not in p.step_ids
    assert p.money is not None and p.money.rows[0].away_ratio == Decimal("0.75")  # 85 - 10 points
    assert "referral_certificate" in materials(p, "manual_claim")
    assert any("cross_region.cut.REFERRAL" in c.ref for c in p.money.cites)


def test_referral_without_certificate_files_as_other_temporary(packs: PackSet) -> None:
    p = plan(packs, reason="referred", filed=False, treated=False, referral_certificate=False)
    assert p.settlement.filing_type == "OTHER_TEMPORARY"
    assert p.money is not None and p.money.rows[0].away_ratio == Decimal("0.65")  # 85 - 20 points


def test_referral_certificate_unknown_is_asked(packs: PackSet) -> None:
    p = plan(packs, reason="referred", filed=False, treated=False)
    assert "referral_certificate" in p.question_fields
    assert "get_referral_certificate" in p.step_ids


def test_other_temporary_before_treatment(packs: PackSet) -> None:
    p = plan(packs, reason="travelling", filed=False, treated=False)
    assert p.settlement.status == "POSSIBLE_AFTER" and p.settlement.filing_type == "OTHER_TEMPORARY"
    assert "choose_hospital" in p.step_ids and "renew_filing" in p.step_ids
    assert materials(p, "filing")["commitment_letter"] is True
    assert deadline(p, "filing_validity").date == dt.date(2026, 10, 31)  # 6 months from today, inclusive
    assert materials(p, "manual_claim") and not next(g for g in p.materials if g.purpose == "manual_claim").needed
    assert p.money is not None and p.money.rows[0].away_ratio == Decimal("0.65")
    every_point_cites(p)


def test_emergency_counts_as_filed(packs: PackSet) -> None:
    p = plan(packs, reason="emergency", paid_in_full=False)
    assert p.settlement.status == "EMERGENCY_AS_FILED" and p.settlement.direct_possible is True
    assert "flag_emergency" in p.step_ids and "file_online" not in p.step_ids
    assert not any(g.purpose == "filing" for g in p.materials)  # nothing to file in advance
    assert "emergency_records" in materials(p, "manual_claim")
    assert p.money is not None and p.money.filing_type == "EMERGENCY"
    assert p.money.rows[0].away_ratio == Decimal("0.75")
    assert "treated" not in p.question_fields  # an emergency is under way
    every_point_cites(p)


# ---------------------------------------------------------------------------------------------- unfiled inpatient


def test_unfiled_inpatient_before_discharge_files_post_hoc(packs: PackSet) -> None:
    p = plan(packs, reason="travelling", filed=False, treated=True, paid_in_full=False)
    assert p.settlement.status == "POSSIBLE_AFTER" and p.settlement.direct_possible is False
    assert p.settlement.by_when_zh == "出院结算前"
    assert any(c.ref == "R-1.8" for c in p.settlement.cites)
    assert "file_posthoc" in p.step_ids and "choose_hospital" not in p.step_ids
    d = deadline(p, "posthoc_filing")
    assert d.date is None and "出院结算前" in d.text_zh
    every_point_cites(p)


def test_unfiled_inpatient_after_paying_in_full_claims_manually(packs: PackSet) -> None:
    p = plan(packs, reason="travelling", filed=False, treated=True, paid_in_full=True, paid_on="2026-04-01")
    assert p.settlement.status == "MANUAL_CLAIM" and p.settlement.direct_possible is False
    assert p.step_ids[-1] == "manual_claim" and "settle_directly" not in p.step_ids
    group = next(g for g in p.materials if g.purpose == "manual_claim")
    assert group.needed and {"invoice", "fee_list", "discharge_summary", "bank_card", "unfiled_statement"} <= {m.code for m in group.items}
    d = deadline(p, "manual_claim")
    assert d.date == dt.date(2026, 4, 1) + dt.timedelta(days=180) and not d.passed
    assert any("manual_claim.deadline_days" in c.ref for c in d.cites)
    assert p.money is not None and p.money.basis == "UNFILED" and p.money.rows[0].away_ratio == Decimal("0.65")
    every_point_cites(p)


def test_claim_deadline_passed(packs: PackSet) -> None:
    p = plan(packs, reason="travelling", filed=False, treated=True, paid_in_full=True, paid_on="2025-06-01")
    assert deadline(p, "manual_claim").passed
    assert "CLAIM_DEADLINE_PASSED" in p.warning_codes


def test_treated_unknown_and_paid_unknown_are_asked(packs: PackSet) -> None:
    assert "treated" in plan(packs, reason="travelling", filed=False).question_fields
    assert "paid_in_full" in plan(packs, reason="travelling", filed=False, treated=True).question_fields


# ---------------------------------------------------------------------------------------------- filings held


def test_filed_and_covering_settles_directly(packs: PackSet) -> None:
    p = plan(packs, filed=True, filing_type="OTHER_TEMPORARY", filing_area=GUANGZHOU, filing_start="2026-04-01")
    assert p.settlement.status == "DIRECT" and p.settlement.direct_possible is True
    assert "settle_directly" in p.step_ids and "file_online" not in p.step_ids
    assert not any(g.purpose == "filing" for g in p.materials)
    assert deadline(p, "filing_validity").date == dt.date(2026, 9, 30)


def test_filing_for_another_area(packs: PackSet) -> None:
    p = plan(packs, current_region=BEIJING, filed=True, filing_type="LONG_TERM_RESIDENT", filing_area=GUANGZHOU,
             treated=False)
    assert "FILING_OTHER_AREA" in p.warning_codes
    assert p.settlement.status == "POSSIBLE_AFTER" and p.settlement.filing_type == "OTHER_TEMPORARY"
    assert "change_filing_area" in p.step_ids


def test_filing_expired(packs: PackSet) -> None:
    p = plan(packs, filed=True, filing_type="OTHER_TEMPORARY", filing_area=GUANGZHOU, filing_start="2025-01-01",
             filing_end="2025-06-30", treated=False)
    assert "FILING_EXPIRED" in p.warning_codes and p.settlement.status == "POSSIBLE_AFTER"


# ---------------------------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(("status", "code"), [("LAPSED", "INSURANCE_LAPSED"), ("WAITING", "INSURANCE_WAITING"),
                                              ("TERMINATED", "INSURANCE_TERMINATED")])
def test_insurance_not_normal_blocks(packs: PackSet, status: str, code: str) -> None:
    p = plan(packs, insurance_status=status, reason="travelling", filed=False, treated=False)
    assert p.settlement.status == "BLOCKED" and p.settlement.direct_possible is False
    assert code in p.warning_codes and p.step_ids[0] == "resolve_status"
    assert p.settlement.requires[0].code == "RESTORE_INSURANCE"
    every_point_cites(p)


def test_unknown_status_is_assumed_and_checked_not_asked(packs: PackSet) -> None:
    p = plan(packs, insurance_status=None, reason="travelling", filed=False, treated=False)
    assert "insurance_status" not in p.question_fields and p.step_ids[0] == "check_status"
    assert any("参保状态" in a for a in p.assumptions_zh)


def test_same_province_is_not_cross_province(packs: PackSet) -> None:
    p = plan(packs, current_region=GANZHOU)
    assert p.scope == "INTRA_PROVINCE" and p.settlement.status == "INTRA_PROVINCE"
    assert "INTRA_PROVINCE" in p.warning_codes and p.step_ids == ["intra_province"]
    assert not {"filed", "reason", "treated"} & set(p.question_fields)
    assert p.money is not None and p.money.rows[0].away_ratio == p.money.rows[0].home_ratio
    every_point_cites(p)


def test_intra_province_read_as_cross_region(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"intra_province": "cross_region"}})
    p = plan(packs, current_region=GANZHOU, reason="travelling", filed=False, treated=False)
    assert p.scope == "CROSS_PROVINCE" and p.settlement.status == "POSSIBLE_AFTER"


def test_local_treatment(packs: PackSet) -> None:
    p = plan(packs, current_region=INSURED)
    assert p.scope == "LOCAL" and p.step_ids == ["local_procedure"] and "NOT_CROSS_REGION" in p.warning_codes


def test_hospital_not_networked_after_treatment(packs: PackSet) -> None:
    p = plan(packs, current_region=None, hospital=H_GZ_OFF, filed=True, filing_type="LONG_TERM_RESIDENT",
             treated=True, paid_in_full=False)
    assert "HOSPITAL_NOT_NETWORKED" in p.warning_codes
    assert p.settlement.status == "MANUAL_CLAIM"
    assert p.step_ids.index("pay_and_keep_papers") < p.step_ids.index("manual_claim")
    assert p.money is not None and [r.level for r in p.money.rows] == ["L2"]


def test_hospital_not_networked_before_treatment(packs: PackSet) -> None:
    p = plan(packs, hospital=H_GZ_OFF, filed=True, filing_type="LONG_TERM_RESIDENT", treated=False)
    assert p.settlement.status == "POSSIBLE_AFTER"
    assert [r.code for r in p.settlement.requires] == ["CHOOSE_NETWORKED"]
    assert "choose_hospital" in p.step_ids


def test_hospital_elsewhere_than_current_region_is_an_error(packs: PackSet) -> None:
    with pytest.raises(YidiError) as e:
        plan(packs, current_region=BEIJING, hospital=H_GZ)
    assert e.value.code == "ADVICE_HOSPITAL_REGION"


@pytest.mark.parametrize(("field", "value", "code"), [("insured_region", "999999", "ADVICE_REGION_UNKNOWN"),
                                                      ("hospital", "H00000000000", "ADVICE_HOSPITAL_UNKNOWN")])
def test_unknown_codes_are_errors(packs: PackSet, field: str, value: str, code: str) -> None:
    with pytest.raises(YidiError) as e:
        plan(packs, **{field: value})
    assert e.value.code == code and e.value.field == field


def test_chronic_disease_not_certified(packs: PackSet) -> None:
    p = plan(packs, visit_type="CHRONIC_OUTPATIENT", chronic_certified=False, filed=True, filing_type="LONG_TERM_RESIDENT")
    assert "CHRONIC_NOT_CERTIFIED" in p.warning_codes
    assert p.settlement.direct_possible is False and "CERTIFY_CHRONIC" in [r.code for r in p.settlement.requires]
    assert p.step_ids.index("certify_chronic") < p.step_ids.index("settle_directly")
    assert "diagnosis_certificate" in materials(p, "manual_claim")
    every_point_cites(p)


def test_chronic_disease_not_opened_at_the_hospital(packs: PackSet) -> None:
    p = plan(packs, visit_type="CHRONIC_OUTPATIENT", chronic_certified=True, chronic_disease="M01600", hospital=H_GZ,
             filed=True, filing_type="LONG_TERM_RESIDENT", treated=False)
    assert "CHRONIC_NOT_OPENED" in p.warning_codes
    ok = plan(packs, visit_type="CHRONIC_OUTPATIENT", chronic_certified=True, chronic_disease="M03900", hospital=H_GZ,
              filed=True, filing_type="LONG_TERM_RESIDENT", treated=False)
    assert ok.settlement.status == "DIRECT" and "certify_chronic" not in ok.step_ids


def test_chronic_certification_unknown_is_asked(packs: PackSet) -> None:
    assert "chronic_certified" in plan(packs, visit_type="CHRONIC_OUTPATIENT").question_fields


# ---------------------------------------------------------------------------------------------- questions


def test_empty_situation_asks_what_decides_the_case(packs: PackSet) -> None:
    p = advise(Situation(), packs, TODAY)
    assert p.settlement.status == "UNKNOWN" and p.settlement.direct_possible is None
    assert p.question_fields[:2] == ["insured_region", "current_region"]
    assert {"visit_type", "filed"} <= set(p.question_fields)
    q = p.questions[0]
    assert {c.value for c in q.choices} == set(packs.regions)


def test_category_is_asked_only_when_it_changes_the_answer(packs: PackSet) -> None:
    assert "category" in plan(packs, category=None, reason="travelling", filed=False, treated=False).question_fields
    resident = plan(packs, scheme="RESIDENT", category=None, reason="travelling", filed=False, treated=False)
    assert "category" not in resident.question_fields
    outpatient = plan(packs, category=None, visit_type="OUTPATIENT", reason="travelling", filed=False, treated=False)
    assert "category" not in outpatient.question_fields  # same 60 % for both


def test_known_answers_are_not_asked_again(packs: PackSet) -> None:
    p = plan(packs, reason="travelling", filed=False, treated=False)
    assert p.questions == []


# ---------------------------------------------------------------------------------------------- money


@pytest.mark.parametrize(("mode", "away", "extra"), [("subtract", "0.65", "0"), ("multiply", "0.68", "0"),
                                                     ("first_selfpay", "0.85", "0.20")])
def test_cut_modes(tmp_path: Path, mode: str, away: str, extra: str) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"cut_mode": mode}})
    p = plan(packs, reason="travelling", filed=False, treated=False, bill_total="10000")
    assert p.money is not None
    row = p.money.rows[0]
    assert row.away_ratio == Decimal(away) and row.away_first_selfpay == Decimal(extra)
    assert p.money.estimate is not None
    # the ratio the plan states is the one the engine applies (pool_prop_selfpay = first band's ratio)
    assert Decimal(p.money.estimate.breakdown["pool_prop_selfpay"]) == row.away_ratio


def test_unfiled_not_payable_warns(tmp_path: Path) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"unfiled_payable": False}})
    p = plan(packs, reason="travelling", filed=False, treated=True, paid_in_full=True, paid_on="2026-04-20")
    assert "UNFILED_NOT_PAYABLE" in p.warning_codes
    assert p.money is not None and p.money.rows[0].away_ratio == 0


@pytest.mark.parametrize("fields", [
    {"reason": "travelling", "filed": False, "treated": False, "bill_total": "20000"},
    {"reason": "emergency", "paid_in_full": False, "bill_total": "8000.50", "scheme": "RESIDENT"},
    {"reason": "travelling", "filed": False, "treated": True, "paid_in_full": True, "paid_on": "2026-04-01",
     "bill_total": "5000"},
    {"filed": True, "filing_type": "RETIREE_RESETTLED", "category": "RETIRED", "hospital": H_GZ, "current_region": None,
     "bill_lines": [{"line_id": "1", "code": "A01", "quantity": "2", "unit_price": "1500"},
                    {"line_id": "2", "code": "B10", "quantity": "1", "unit_price": "2000"},
                    {"line_id": "3", "code": "C01", "quantity": "1", "unit_price": "300"}]},
    {"insurance_status": "LAPSED", "reason": "travelling", "filed": False, "treated": False, "bill_total": "3000"},
    {"current_region": BEIJING, "hospital": H_BJ, "reason": "referred", "referral_certificate": True, "filed": False,
     "treated": False, "bill_total": "50000"},
])
def test_estimate_is_the_engines_calculation(packs: PackSet, fields: dict[str, Any]) -> None:
    p = plan(packs, **fields)
    assert p.money is not None and p.money.estimate is not None
    e = p.money.estimate
    again = calculate(Bill.model_validate(e.bill), packs)
    assert again.as_dict() == e.breakdown
    assert (e.medfee_sumamt, e.fund_pay_sumamt, e.psn_part_amt) == (again.medfee_sumamt, again.fund_pay_sumamt,
                                                                    again.psn_part_amt)
    assert e.explanation_zh == [s.text_zh for s in again.steps]
    assert e.medfee_sumamt == Decimal(fields.get("bill_total", "5300.00"))


def test_estimate_follows_the_plan_basis(packs: PackSet) -> None:
    filed = plan(packs, reason="travelling", filed=False, treated=False, bill_total="10000")
    unfiled = plan(packs, reason="travelling", filed=False, treated=True, paid_in_full=True, bill_total="10000")
    long_term = plan(packs, reason="lives", filed=False, treated=False, bill_total="10000")
    assert filed.money and unfiled.money and long_term.money
    assert filed.money.estimate and unfiled.money.estimate and long_term.money.estimate
    assert filed.money.estimate.breakdown["basis"] == "TEMPORARY"
    assert unfiled.money.estimate.breakdown["basis"] == "UNFILED"
    # long-term filers keep the home ratio: (10,000 - 800) x 85 %
    assert long_term.money.estimate.fund_pay_sumamt == Decimal("7820.00")
    lapsed = plan(packs, insurance_status="LAPSED", reason="lives", filed=False, treated=False, bill_total="10000")
    assert lapsed.money and lapsed.money.estimate and lapsed.money.estimate.fund_pay_sumamt == 0


# ---------------------------------------------------------------------------------------------- sample pack


def test_every_sample_situation_gives_a_plan() -> None:
    """The shipped sample pack: every region pair and visit type gives a plan without error (rules, not figures)."""
    packs = sample_packs()
    regions = sorted(packs.policies)
    for insured in regions:
        for current in sorted(packs.regions):
            for vt in ("INPATIENT", "OUTPATIENT", "CHRONIC_OUTPATIENT"):
                p = advise(Situation.model_validate({
                    "insured_region": insured, "current_region": current, "visit_type": vt, "scheme": "EMPLOYEE",
                    "category": "RETIRED", "reason": "travelling", "filed": False, "treated": False,
                    "chronic_certified": True, "bill_total": "1000"}), packs, TODAY)
                if current == insured:
                    assert p.scope == "LOCAL"
                elif current[:2] == insured[:2]:
                    assert p.scope in ("INTRA_PROVINCE", "CROSS_PROVINCE")
                else:
                    assert p.scope == "CROSS_PROVINCE" and p.settlement.status == "POSSIBLE_AFTER"
                every_point_cites(p)
