"""The pure claim rules: every allowed and refused transition, the checklist per situation, the deadline,
and scan type sniffing."""

from __future__ import annotations

import datetime as dt

import pytest

from yidi.domain import claim_rules as r
from yidi.domain.claim_rules import ClaimAction, ClaimState, Situation
from yidi.domain.enums import VisitType
from yidi.domain.errors import YidiError

ALLOWED = {
    (ClaimState.DRAFT, ClaimAction.SUBMIT): ClaimState.SUBMITTED,
    (ClaimState.RETURNED, ClaimAction.SUBMIT): ClaimState.SUBMITTED,
    (ClaimState.SUBMITTED, ClaimAction.START_REVIEW): ClaimState.IN_REVIEW,
    (ClaimState.IN_REVIEW, ClaimAction.RETURN): ClaimState.RETURNED,
    (ClaimState.IN_REVIEW, ClaimAction.APPROVE): ClaimState.APPROVED,
    (ClaimState.SUBMITTED, ClaimAction.REJECT): ClaimState.REJECTED,
    (ClaimState.IN_REVIEW, ClaimAction.REJECT): ClaimState.REJECTED,
    (ClaimState.APPROVED, ClaimAction.PAY): ClaimState.PAID,
    # 复核: a rejection appealed once; a second reviewer approves it or upholds the rejection (final)
    (ClaimState.REJECTED, ClaimAction.APPEAL): ClaimState.APPEALED,
    (ClaimState.APPEALED, ClaimAction.APPEAL_APPROVE): ClaimState.APPROVED,
    (ClaimState.APPEALED, ClaimAction.APPEAL_UPHOLD): ClaimState.UPHELD,
}


@pytest.mark.parametrize("state", list(ClaimState))
@pytest.mark.parametrize("action", list(ClaimAction))
def test_every_transition(state: ClaimState, action: ClaimAction) -> None:
    role = "person" if action is ClaimAction.SUBMIT else "agency"
    if (state, action) in ALLOWED:
        assert r.transition(state, action, role, "理由") is ALLOWED[(state, action)]
    else:
        with pytest.raises(YidiError) as e:
            r.transition(state, action, role, "理由")
        assert e.value.code == "CLAIM_STATE" and e.value.status == 409


@pytest.mark.parametrize("action", [ClaimAction.START_REVIEW, ClaimAction.RETURN, ClaimAction.APPROVE,
                                    ClaimAction.REJECT, ClaimAction.PAY])
def test_review_actions_belong_to_the_agency(action: ClaimAction) -> None:
    for role in ("person", "hospital"):
        with pytest.raises(YidiError) as e:
            r.transition(ClaimState.IN_REVIEW, action, role, "理由")
        assert e.value.code == "ROLE_NOT_ALLOWED" and e.value.status == 403


def test_the_person_appeals_and_only_the_agency_decides() -> None:
    assert r.transition(ClaimState.REJECTED, ClaimAction.APPEAL, "person", "新的诊断证明") is ClaimState.APPEALED
    for action in (ClaimAction.APPEAL_APPROVE, ClaimAction.APPEAL_UPHOLD):
        with pytest.raises(YidiError) as e:
            r.transition(ClaimState.APPEALED, action, "person", "理由")
        assert e.value.code == "ROLE_NOT_ALLOWED"
    for action in (ClaimAction.APPEAL, ClaimAction.APPEAL_UPHOLD):  # why, in words
        with pytest.raises(YidiError) as e:
            r.transition(ClaimState.REJECTED if action is ClaimAction.APPEAL else ClaimState.APPEALED, action,
                         "agency", " ")
        assert e.value.code == "REASON_REQUIRED"
    with pytest.raises(YidiError) as e:  # once only: an upheld rejection is final
        r.transition(ClaimState.UPHELD, ClaimAction.APPEAL, "person", "再来一次")
    assert e.value.code == "CLAIM_STATE"
    assert ClaimState.APPEALED in r.HOLDS_INVOICES and ClaimState.UPHELD not in r.HOLDS_INVOICES


@pytest.mark.parametrize("action", [ClaimAction.RETURN, ClaimAction.REJECT])
def test_return_and_reject_need_a_reason(action: ClaimAction) -> None:
    with pytest.raises(YidiError) as e:
        r.transition(ClaimState.IN_REVIEW, action, "agency", "  ")
    assert e.value.code == "REASON_REQUIRED"


FACTS = r.ClaimFacts(has_visit=True, invoices=1, lines=1, bank_account=True, on_behalf=False)


def codes(sits: list[Situation], region: r.RegionClaimMaterials | None = None, on_behalf: bool = False) -> set[str]:
    facts = r.ClaimFacts(True, 1, 1, True, on_behalf)
    return {i.code for i in r.checklist(sits, facts, [], region)} - {"visit", "invoices", "fee_lines", "bank_account"}


BASE = {"credential", "invoice", "fee_list", "bank_card"}


@pytest.mark.parametrize(("visit_type", "emergency", "referral", "filed", "sits", "extra"), [
    (VisitType.INPATIENT, False, False, True, ["INPATIENT"], {"discharge_summary"}),
    (VisitType.OUTPATIENT, False, False, True, ["OUTPATIENT"], {"diagnosis_certificate"}),
    (VisitType.CHRONIC_OUTPATIENT, False, False, True, ["OUTPATIENT"], {"diagnosis_certificate"}),
    (VisitType.INPATIENT, True, False, False, ["INPATIENT", "EMERGENCY"], {"discharge_summary", "emergency_records"}),
    (VisitType.INPATIENT, False, True, True, ["INPATIENT", "REFERRAL"], {"discharge_summary", "referral_certificate"}),
    (VisitType.OUTPATIENT, False, False, False, ["OUTPATIENT", "UNFILED"], {"diagnosis_certificate", "unfiled_statement"}),
    (VisitType.INPATIENT, False, True, False, ["INPATIENT", "REFERRAL", "UNFILED"],
     {"discharge_summary", "referral_certificate", "unfiled_statement"}),
])
def test_checklist_per_situation(visit_type: VisitType, emergency: bool, referral: bool, filed: bool,
                                 sits: list[str], extra: set[str]) -> None:
    found = r.situations(visit_type, emergency=emergency, referral=referral, filed=filed)
    assert [s.value for s in found] == sits
    assert codes(found) == BASE | extra


@pytest.mark.parametrize(("filed", "emergency", "networked", "failed"), [
    (True, False, True, True),     # filed care at a networked hospital should have settled directly
    (False, True, True, True),     # so should an emergency there
    (False, False, True, False),   # unfiled: the unfiled statement says why, not the hospital
    (True, False, False, False),   # a hospital not networked for it could not settle directly anyway
])
def test_direct_settlement_failed_needs_the_hospitals_note(filed: bool, emergency: bool, networked: bool,
                                                          failed: bool) -> None:
    found = r.situations(VisitType.INPATIENT, emergency=emergency, referral=False, filed=filed, networked=networked)
    assert (Situation.DIRECT_FAILED in found) is failed
    assert ("failure_note" in codes(found)) is failed


def test_region_rules_and_agent() -> None:
    shenzhen = r.RegionClaimMaterials(add={Situation.UNFILED: ["failure_note"]})
    assert "failure_note" in codes([Situation.INPATIENT, Situation.UNFILED], shenzhen)
    assert "failure_note" not in codes([Situation.INPATIENT], shenzhen)
    shanghai = r.RegionClaimMaterials(drop={Situation.OUTPATIENT: ["diagnosis_certificate"]})
    assert codes([Situation.OUTPATIENT], shanghai) == BASE
    assert "agent_authorisation" in codes([Situation.OUTPATIENT], on_behalf=True)


def test_checklist_marks_what_is_there() -> None:
    items = r.checklist([Situation.OUTPATIENT], r.ClaimFacts(True, 0, 3, False, False), ["credential", "invoice"])
    assert {i.code for i in r.missing(items)} == {"invoices", "bank_account", "fee_list", "bank_card",
                                                   "diagnosis_certificate"}


def test_deadline() -> None:
    # inpatient: from discharge; otherwise from the earliest invoice
    assert r.deadline_start(VisitType.INPATIENT, dt.date(2025, 3, 1), [dt.date(2025, 3, 2)]) == dt.date(2025, 3, 1)
    assert r.deadline_start(VisitType.OUTPATIENT, None, [dt.date(2025, 5, 2), dt.date(2025, 4, 2)]) == dt.date(2025, 4, 2)
    r.check_deadline(dt.date(2025, 3, 1), 365, dt.date(2026, 3, 1))  # the last day still counts
    with pytest.raises(YidiError) as e:
        r.check_deadline(dt.date(2025, 3, 1), 365, dt.date(2026, 3, 2))
    assert e.value.code == "CLAIM_DEADLINE_PASSED" and "2026-03-01" in e.value.message_zh
    assert r.add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)  # Friday -> Monday


PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n...."
JPEG = b"\xff\xd8\xff\xe1...."


@pytest.mark.parametrize(("data", "name", "declared", "kind"), [
    (PDF, "a.pdf", "application/pdf", "pdf"), (PNG, "b.PNG", "image/png", "png"), (JPEG, "c.jpeg", "image/jpeg", "jpeg"),
    (JPEG, "c.jpg", None, "jpeg"), (PDF, "scan", "application/octet-stream", "pdf"),
])
def test_sniff_accepts(data: bytes, name: str, declared: str | None, kind: str) -> None:
    assert r.sniff(data, name, declared, 1000) == kind


@pytest.mark.parametrize(("data", "name", "declared", "code", "status"), [
    (b"", "a.pdf", None, "SCAN_EMPTY", 422),
    (PDF * 200, "a.pdf", None, "SCAN_TOO_LARGE", 413),
    (b"MZ\x90\x00 not a scan", "a.pdf", "application/pdf", "SCAN_TYPE_UNSUPPORTED", 415),
    (b"GIF89a....", "a.gif", "image/gif", "SCAN_TYPE_UNSUPPORTED", 415),
    (PNG, "a.pdf", None, "SCAN_TYPE_MISMATCH", 415),
    (PDF, "a.png", None, "SCAN_TYPE_MISMATCH", 415),
    (PDF, "a.exe", None, "SCAN_TYPE_MISMATCH", 415),
    (PDF, "a.pdf", "image/png", "SCAN_TYPE_MISMATCH", 415),
])
def test_sniff_refuses(data: bytes, name: str, declared: str | None, code: str, status: int) -> None:
    with pytest.raises(YidiError) as e:
        r.sniff(data, name, declared, 1000)
    assert e.value.code == code and e.value.status == status
