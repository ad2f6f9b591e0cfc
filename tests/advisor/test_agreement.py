"""The advisor agrees with the rules the rest of yidi applies to the same case.

- Direct settlement: for one case, the advisor's `settlement.direct_possible` and the hospital-side
  `yidi.domain.eligibility.check_eligibility` give the same answer (docs/rules.md R-9 is the reference).
- Manual-claim papers: the advisor lists exactly the papers the claims module's checklist will ask for
  (`yidi.domain.claim_rules`, with the insured region's pack changes), so a region that adds or drops a
  paper changes the plan too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.advisor.packs import GUANGZHOU, H_BJ, H_GZ, H_GZ_OFF, H_NC, INSURED, make_packs
from tests.support.packs import sample_packs
from yidi.advisor.models import Plan, Situation
from yidi.advisor.plan import advise, placeholder_id
from yidi.domain import claim_rules
from yidi.domain.eligibility import EligibilityResult, check_eligibility
from yidi.domain.enums import InsuranceStatus, Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import parse_citizen_id
from yidi.domain.packset import PackSet
from yidi.domain.reference import Person

TODAY = dt.date(2026, 5, 1)
ADMITTED = dt.date(2026, 4, 28)
H_GANZHOU = "H36070000001"
BASE: dict[str, Any] = {"insured_region": INSURED, "scheme": "EMPLOYEE", "category": "ACTIVE", "visit_type": "INPATIENT",
                        "insurance_status": "ACTIVE", "treated": True, "paid_in_full": False, "admitted_on": ADMITTED}
LONG_TERM_GZ: dict[str, Any] = {"filed": True, "filing_type": "LONG_TERM_RESIDENT", "filing_area": GUANGZHOU,
                                "filing_start": "2026-01-01"}


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> PackSet:
    return make_packs(tmp_path_factory.mktemp("agreement-pack"))


def situation(**fields: Any) -> Situation:
    return Situation.model_validate({**BASE, **fields})


def eligibility(s: Situation, packs: PackSet) -> EligibilityResult:
    """The same case as the hospital checks it at admission (ADMITTED), on TODAY."""
    assert s.insured_region and s.hospital and s.visit_type and s.scheme
    id_number = placeholder_id(s.insured_region)
    certified = s.chronic_disease if s.chronic_disease and s.chronic_certified else None
    person = Person(parse_citizen_id(id_number), "张三", s.insured_region, Scheme(s.scheme),
                    status=s.insurance_status or InsuranceStatus.ACTIVE,
                    chronic_diseases=frozenset({certified} if certified else set()))
    filings: list[FilingRecord] = []
    if s.filed and s.filing_type is not None:
        assert s.filing_area and s.filing_start
        filings.append(FilingRecord("F1", id_number, s.insured_region, s.filing_type, s.filing_area, s.filing_start,
                                    s.filing_end, FilingStatus.ACTIVE, True, (), (), s.filing_start))
    found = packs.policy_for(s.insured_region, ADMITTED)
    return check_eligibility(person, id_number, "张三", packs.institutions[s.hospital], VisitType(s.visit_type), ADMITTED,
                             filings, found[1] if found else None, emergency=s.reason == "emergency",
                             chronic_disease=s.chronic_disease, today=TODAY)


CASES: dict[str, dict[str, Any]] = {
    "long-term filer, networked hospital": {**LONG_TERM_GZ, "hospital": H_GZ},
    "unfiled, still in hospital": {"reason": "travelling", "filed": False, "hospital": H_GZ},
    "emergency flagged": {"reason": "emergency", "hospital": H_GZ},
    "hospital not networked": {**LONG_TERM_GZ, "hospital": H_GZ_OFF},
    "insurance lapsed": {**LONG_TERM_GZ, "hospital": H_GZ, "insurance_status": "LAPSED"},
    # and a few more of docs/rules.md R-9
    "emergency at a hospital not networked": {"reason": "emergency", "hospital": H_GZ_OFF},
    "filing for another area": {**LONG_TERM_GZ, "hospital": H_BJ, "reason": "lives"},
    "temporary filing expired": {"filed": True, "filing_type": "OTHER_TEMPORARY", "filing_area": GUANGZHOU,
                                 "filing_start": "2025-06-01", "filing_end": "2025-11-30", "hospital": H_GZ,
                                 "reason": "travelling"},
    "filed after admission, before discharge": {"filed": True, "filing_type": "OTHER_TEMPORARY", "filing_area": GUANGZHOU,
                                                "filing_start": "2026-04-30", "filing_end": "2026-10-29", "hospital": H_GZ},
    "chronic disease opened here": {**LONG_TERM_GZ, "hospital": H_GZ, "visit_type": "CHRONIC_OUTPATIENT",
                                    "chronic_disease": "M03900", "chronic_certified": True},
    "chronic disease not certified": {**LONG_TERM_GZ, "hospital": H_GZ, "visit_type": "CHRONIC_OUTPATIENT",
                                      "chronic_disease": "M03900", "chronic_certified": False},
    "intra-province": {"hospital": H_GANZHOU},
    "intra-province, insurance lapsed": {"hospital": H_GANZHOU, "insurance_status": "LAPSED"},
    # certification is the insured region's, so it is needed at home and in the home province too
    "intra-province, chronic disease not certified": {"hospital": H_GANZHOU, "visit_type": "CHRONIC_OUTPATIENT",
                                                      "chronic_disease": "M03900", "chronic_certified": False},
    "at home, chronic disease not certified": {"hospital": H_NC, "visit_type": "CHRONIC_OUTPATIENT",
                                               "chronic_disease": "M03900", "chronic_certified": False},
}


@pytest.mark.parametrize("name", list(CASES))
def test_advisor_and_eligibility_agree_on_direct_settlement(packs: PackSet, name: str) -> None:
    s = situation(**CASES[name])
    plan = advise(s, packs, TODAY)
    checked = eligibility(s, packs)
    assert plan.settlement.direct_possible is checked.eligible, (
        f"{name}: advisor {plan.settlement.status} ({plan.warning_codes}) vs eligibility {checked.codes}")


def test_agreement_cases_cover_both_answers(packs: PackSet) -> None:
    answers = {name: advise(situation(**f), packs, TODAY).settlement.direct_possible for name, f in CASES.items()}
    assert answers["long-term filer, networked hospital"] and answers["emergency flagged"]
    assert not answers["unfiled, still in hospital"] and not answers["hospital not networked"]
    assert not answers["insurance lapsed"]


def test_uncertified_chronic_disease_at_home_is_not_direct(packs: PackSet) -> None:
    p = advise(situation(**CASES["at home, chronic disease not certified"]), packs, TODAY)
    assert p.scope == "LOCAL" and p.settlement.status == "POSSIBLE_AFTER"
    assert [r.code for r in p.settlement.requires] == ["CERTIFY_CHRONIC"]
    assert "CHRONIC_NOT_CERTIFIED" in p.warning_codes and p.step_ids == ["certify_chronic", "local_procedure"]
    assert not any(d.kind == "posthoc_filing" for d in p.deadlines)  # nothing to file


# ---------------------------------------------------------------------------------------------- claim papers


@pytest.fixture(scope="module")
def sample() -> PackSet:
    return sample_packs()


def claim_group(p: Plan) -> Any:
    return next(g for g in p.materials if g.purpose == "manual_claim")


def claim_plan(sample: PackSet, insured: str, current: str, **fields: Any) -> Plan:
    return advise(Situation.model_validate({
        "insured_region": insured, "current_region": current, "scheme": "EMPLOYEE", "category": "ACTIVE",
        "visit_type": "INPATIENT", "insurance_status": "ACTIVE", "reason": "travelling", "filed": False,
        "treated": True, "paid_in_full": True, "paid_on": "2026-04-20", **fields}), sample, TODAY)


def checklist_codes(sample: PackSet, insured: str, sits: list[claim_rules.Situation]) -> list[str]:
    """What the claims service's checklist asks scans of, for these situations in this insured region."""
    found = sample.policy_for(insured, TODAY)
    assert found is not None
    facts = claim_rules.ClaimFacts(has_visit=True, invoices=1, lines=1, bank_account=True, on_behalf=False)
    region = claim_rules.region_materials(found[1].manual_claim)
    return [i.code for i in claim_rules.checklist(sits, facts, [], region) if i.code in claim_rules.MATERIAL_CODES]


def test_shenzhen_unfiled_claim_asks_for_the_failure_note(sample: PackSet) -> None:
    p = claim_plan(sample, "440300", "110100")
    g = claim_group(p)
    assert p.settlement.status == "MANUAL_CLAIM" and g.needed
    items = {m.code: m for m in g.items}
    assert items["failure_note"].required and items["unfiled_statement"].required
    assert "深圳" in g.note_zh  # the pack's materials_note_zh
    assert any(c.kind == "pack" and "manual_claim.materials_add" in c.ref for c in g.cites)
    required = [m.code for m in g.items if m.required]
    sits = claim_rules.situations(VisitType.INPATIENT, emergency=False, referral=False, filed=False)
    assert required == checklist_codes(sample, "440300", sits)
    # the same case insured elsewhere: the national list, no failure note
    other = claim_group(claim_plan(sample, "360100", "110100"))
    assert "failure_note" not in {m.code for m in other.items} and not other.note_zh
    # a Shenzhen person who had a filing: not unfiled, so the addition does not apply
    filed = claim_group(claim_plan(sample, "440300", "110100", filed=True, filing_type="OTHER_TEMPORARY",
                                   filing_area="110100", filing_start="2026-04-01", reason=None))
    assert "failure_note" not in {m.code for m in filed.items if m.required}


def test_shanghai_outpatient_claim_drops_the_diagnosis_certificate(sample: PackSet) -> None:
    p = claim_plan(sample, "310100", "440100", visit_type="OUTPATIENT")
    g = claim_group(p)
    codes = {m.code for m in g.items}
    assert "diagnosis_certificate" not in codes and {"credential", "invoice", "fee_list", "bank_card"} <= codes
    assert "上海" in g.note_zh
    assert any(c.kind == "pack" and "manual_claim.materials_drop" in c.ref for c in g.cites)
    sits = claim_rules.situations(VisitType.OUTPATIENT, emergency=False, referral=False, filed=False)
    assert [m.code for m in g.items if m.required] == checklist_codes(sample, "310100", sits)
    # inpatient care of the same person and outpatient care of others keep their papers
    assert "discharge_summary" in {m.code for m in claim_group(claim_plan(sample, "310100", "440100")).items}
    assert "diagnosis_certificate" in {m.code for m in claim_group(
        claim_plan(sample, "360100", "440100", visit_type="OUTPATIENT")).items}


def test_keep_in_case_papers_are_the_checklist_of_the_planned_path(sample: PackSet) -> None:
    p = claim_plan(sample, "310100", "440100", visit_type="OUTPATIENT", treated=False, paid_in_full=None, paid_on=None)
    assert p.settlement.status == "POSSIBLE_AFTER"
    g = claim_group(p)
    assert not g.needed and "万一" in g.title_zh  # keep them in case
    sits = claim_rules.situations(VisitType.OUTPATIENT, emergency=False, referral=False, filed=True)
    assert [m.code for m in g.items if m.required] == checklist_codes(sample, "310100", sits)
    agent = next(m for m in g.items if m.code == "agent_authorisation")
    assert not agent.required and agent.note_zh  # only when someone applies for you


def test_settlement_failure_adds_the_hospital_note_as_advice(sample: PackSet) -> None:
    p = claim_plan(sample, "360100", "110100", filed=True, filing_type="OTHER_TEMPORARY", filing_area="110100",
                   filing_start="2026-04-01", reason=None)
    g = claim_group(p)
    note = next(m for m in g.items if m.code == "failure_note")
    assert not note.required and any(c.ref == "R-9.15" for c in g.cites)


def test_emergency_and_referral_papers_come_from_their_situations(packs: PackSet) -> None:
    e = advise(situation(reason="emergency", hospital=H_GZ), packs, TODAY)
    assert "emergency_records" in {m.code for m in claim_group(e).items}
    assert "unfiled_statement" not in {m.code for m in claim_group(e).items}  # an emergency is never unfiled
    r = advise(situation(reason="referred", referral_certificate=True, filed=False, treated=True, paid_in_full=True,
                         current_region=GUANGZHOU), packs, TODAY)
    assert {"referral_certificate", "unfiled_statement"} <= {m.code for m in claim_group(r).items}
