"""Filing (备案) rules: materials, validation of new filings, change, cancel, review and lookup."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from yidi.domain.enums import FilingType, InsuranceStatus, Level, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import (
    COMMITMENT_LETTER,
    CREDENTIAL,
    EMERGENCY_RECORDS,
    FILING_FORM,
    HOUSEHOLD_REGISTER,
    REFERRAL_CERTIFICATE,
    RESIDENCE_PERMIT,
    FilingRecord,
    FilingRequest,
    FilingStatus,
    add_months,
    cancel_filing,
    change_filing,
    filing_for,
    materials_for,
    new_filing,
    review_filing,
    unlock_date,
    validity_end,
)
from yidi.domain.ids import parse_citizen_id
from yidi.domain.policy import FilingRules
from yidi.domain.reference import Institution, Person
from yidi.domain.validation import validate_model

TODAY = dt.date(2025, 3, 10)
REGIONS = {"360100", "360400", "440100", "440300", "310000", "110000"}
BASE = (CREDENTIAL, FILING_FORM)


def person(**kw: Any) -> Person:
    values: dict[str, Any] = {
        "citizen_id": parse_citizen_id("360426199101010071"),
        "name": "张三",
        "insured_region": "360100",
        "scheme": Scheme.EMPLOYEE,
    }
    values.update(kw)
    return Person(**values)


def rules(**kw: Any) -> FilingRules:
    return FilingRules.model_validate(kw)


def req(**kw: Any) -> FilingRequest:
    values: dict[str, Any] = {"type": "LONG_TERM_RESIDENT", "treatment_area": "440100", "commitment": True,
                              "materials": BASE}
    values.update(kw)
    return FilingRequest.model_validate(values)


def file(request: FilingRequest, existing: list[FilingRecord] | None = None, r: FilingRules | None = None,
         p: Person | None = None, today: dt.date = TODAY, fid: str = "F1", **kw: Any) -> FilingRecord:
    return new_filing(request, p or person(), existing or [], r or rules(), REGIONS, today, fid, **kw)


def codes(exc: pytest.ExceptionInfo[YidiError]) -> list[str]:
    return [p.code for p in exc.value.problems]


def refused(request: FilingRequest, **kw: Any) -> list[str]:
    with pytest.raises(YidiError) as exc:
        file(request, **kw)
    return codes(exc)


# ------------------------------------------------------------------------------------------ materials


def test_every_type_needs_credential_and_form() -> None:
    for ft in FilingType:
        for commitment in (False, True):
            req_codes = {m.code for m in materials_for(ft, commitment) if m.required}
            assert {CREDENTIAL, FILING_FORM} <= req_codes


def test_long_term_proof_or_commitment() -> None:
    without = {m.code: m.required for m in materials_for(FilingType.RETIREE_RESETTLED, False)}
    assert without[HOUSEHOLD_REGISTER] is True and without[COMMITMENT_LETTER] is False
    with_c = {m.code: m.required for m in materials_for(FilingType.RETIREE_RESETTLED, True)}
    assert with_c[HOUSEHOLD_REGISTER] is False and with_c[COMMITMENT_LETTER] is True
    assert RESIDENCE_PERMIT in {m.code for m in materials_for(FilingType.LONG_TERM_RESIDENT, False)}


def test_referral_needs_certificate_even_with_commitment() -> None:
    m = {m.code: m for m in materials_for(FilingType.REFERRAL, True)}
    assert m[REFERRAL_CERTIFICATE].required
    assert "其他临时外出就医" in m[REFERRAL_CERTIFICATE].note_zh


def test_emergency_needs_nothing_in_advance() -> None:
    m = {m.code: m for m in materials_for(FilingType.EMERGENCY, False)}
    assert not m[EMERGENCY_RECORDS].required
    assert "视同已备案" in m[EMERGENCY_RECORDS].note_zh


def test_other_temporary_rests_on_commitment() -> None:
    m = {m.code: m.required for m in materials_for(FilingType.OTHER_TEMPORARY, False)}
    assert m[COMMITMENT_LETTER] is True


# ------------------------------------------------------------------------------------------ new filing


def test_long_term_active_at_once_without_end() -> None:
    rec = file(req())
    assert rec.status is FilingStatus.ACTIVE
    assert rec.end is None and rec.start == TODAY and rec.created_on == TODAY
    assert rec.person_id_number == "360426199101010071" and rec.insured_region == "360100"
    assert rec.materials == tuple(sorted(BASE)) and rec.commitment


def test_review_required_makes_it_pending() -> None:
    assert file(req(), r=rules(review_required=True)).status is FilingStatus.PENDING_REVIEW


def test_temporary_default_validity_from_region() -> None:
    rec = file(req(type="OTHER_TEMPORARY"))
    assert rec.end == dt.date(2025, 9, 9)
    rec12 = file(req(type="OTHER_TEMPORARY"), r=rules(temporary_validity_months=12))
    assert rec12.end == dt.date(2026, 3, 9)


def test_region_unknown() -> None:
    assert refused(req(treatment_area="990100")) == ["REGION_UNKNOWN"]


def test_province_code_is_a_known_area() -> None:
    assert file(req(treatment_area="440000")).treatment_area == "440000"


def test_filing_into_own_region() -> None:
    assert refused(req(treatment_area="360100")) == ["FILING_OWN_REGION"]
    assert refused(req(treatment_area="360000")) == ["FILING_OWN_REGION"]


def test_filing_inside_own_province() -> None:
    with pytest.raises(YidiError) as exc:
        file(req(treatment_area="360400"))
    assert codes(exc) == ["FILING_SAME_PROVINCE"]
    assert "省内" in exc.value.message_zh and "provincial rules" in exc.value.message_en


def test_intra_province_filing_when_the_province_still_files() -> None:
    assert file(req(treatment_area="360400"), intra_province_filing=True).treatment_area == "360400"


def test_dates_reversed() -> None:
    assert refused(req(type="OTHER_TEMPORARY", start="2025-04-01", end="2025-03-20")) == ["DATE_ORDER"]


def test_temporary_at_least_six_months() -> None:
    assert refused(req(type="REFERRAL", materials=(*BASE, REFERRAL_CERTIFICATE), end="2025-08-31")) == [
        "FILING_VALIDITY_TOO_SHORT"
    ]
    ok = file(req(type="REFERRAL", materials=(*BASE, REFERRAL_CERTIFICATE), end="2025-09-09"))
    assert ok.end == dt.date(2025, 9, 9)


def test_temporary_not_longer_than_region_allows() -> None:
    assert refused(req(type="OTHER_TEMPORARY", end="2025-09-10")) == ["FILING_VALIDITY_TOO_LONG"]
    rec = file(req(type="OTHER_TEMPORARY", end="2025-12-31"), r=rules(temporary_validity_months=12))
    assert rec.end == dt.date(2025, 12, 31)


def test_long_term_takes_no_end_date() -> None:
    assert refused(req(end="2026-12-31")) == ["FILING_LONG_TERM_END"]


def test_materials_missing_names_each() -> None:
    with pytest.raises(YidiError) as exc:
        file(req(type="RETIREE_RESETTLED", commitment=False, materials=()))
    assert codes(exc) == ["FILING_MATERIALS_MISSING"] * 3
    text = " ".join(p.message_zh for p in exc.value.problems)
    assert "医保凭证" in text and "登记备案表" in text and "户口簿" in text and "个人承诺" in text


def test_commitment_replaces_long_term_proof() -> None:
    assert file(req(type="RETIREE_RESETTLED", commitment=True)).status is FilingStatus.ACTIVE
    assert file(req(type="RETIREE_RESETTLED", commitment=False,
                    materials=(*BASE, HOUSEHOLD_REGISTER))).commitment is False


def test_referral_without_certificate() -> None:
    with pytest.raises(YidiError) as exc:
        file(req(type="REFERRAL", commitment=True))
    assert codes(exc) == ["FILING_MATERIALS_MISSING"]
    assert "转诊转院证明" in exc.value.message_zh and "其他临时外出就医" in exc.value.message_zh


def test_unknown_material_code() -> None:
    assert refused(req(materials=(*BASE, "hukou"))) == ["FILING_MATERIAL_UNKNOWN"]


def test_second_long_term_filing_refused() -> None:
    held = file(req())
    with pytest.raises(YidiError) as exc:
        file(req(type="RETIREE_RESETTLED", treatment_area="310000"), existing=[held], fid="F2")
    assert codes(exc) == ["FILING_DUPLICATE_LONG_TERM"]
    assert exc.value.status == 409 and "F1" in exc.value.message_zh


def test_pending_long_term_also_blocks_a_second() -> None:
    pending = file(req(), r=rules(review_required=True))
    assert refused(req(treatment_area="310000"), existing=[pending]) == ["FILING_DUPLICATE_LONG_TERM"]


def test_cancelled_long_term_does_not_block() -> None:
    old = replace(file(req()), status=FilingStatus.CANCELLED, cancelled_on=TODAY)
    assert file(req(treatment_area="310000"), existing=[old], fid="F2").status is FilingStatus.ACTIVE


def test_long_term_filer_may_add_a_temporary_filing() -> None:
    lt = file(req())
    assert file(req(type="OTHER_TEMPORARY", treatment_area="310000"), existing=[lt], fid="F2").end is not None


def test_overlapping_temporary_same_area_refused() -> None:
    t1 = file(req(type="OTHER_TEMPORARY"))
    with pytest.raises(YidiError) as exc:
        file(req(type="OTHER_TEMPORARY", start="2025-05-01"), existing=[t1], fid="F2")
    assert codes(exc) == ["FILING_OVERLAP"]
    assert "2025-09-10" in exc.value.message_zh  # the day a new one may start


def test_province_area_overlaps_its_regions() -> None:
    t1 = file(req(type="OTHER_TEMPORARY", treatment_area="440000"))
    assert refused(req(type="OTHER_TEMPORARY", treatment_area="440300"), existing=[t1]) == ["FILING_OVERLAP"]


def test_temporary_after_the_first_ends_is_fine() -> None:
    t1 = file(req(type="OTHER_TEMPORARY"))
    t2 = file(req(type="OTHER_TEMPORARY", start="2025-09-10"), existing=[t1], fid="F2")
    assert t2.start == dt.date(2025, 9, 10)


def test_multiple_temporary_areas_depend_on_the_region() -> None:
    t1 = file(req(type="OTHER_TEMPORARY"))
    other = req(type="OTHER_TEMPORARY", treatment_area="310000")
    assert file(other, existing=[t1], fid="F2").status is FilingStatus.ACTIVE
    assert refused(other, existing=[t1], r=rules(allow_multiple_temporary=False)) == ["FILING_OVERLAP"]


def test_chosen_hospitals_required_by_region() -> None:
    assert refused(req(), r=rules(chosen_hospitals_required=True)) == ["FILING_HOSPITALS_REQUIRED"]
    rec = file(req(institutions=("H440101",)), r=rules(chosen_hospitals_required=True))
    assert rec.institutions == ("H440101",)


def test_chosen_hospitals_checked_against_institutions() -> None:
    insts = {
        "H440101": Institution("H440101", "广州一院", "440100", Level.L3, frozenset({VisitType.INPATIENT})),
        "H310101": Institution("H310101", "上海一院", "310000", Level.L3),
    }
    with pytest.raises(YidiError) as exc:
        file(req(institutions=("H440101", "H310101", "NOPE")), institutions=insts)
    assert codes(exc) == ["FILING_HOSPITAL_OTHER_AREA", "INSTITUTION_UNKNOWN"]
    assert file(req(treatment_area="440000", institutions=("H440101",)), institutions=insts).institutions


def test_emergency_filing_accepted_as_a_record() -> None:
    rec = file(req(type="EMERGENCY", commitment=False))
    assert rec.type is FilingType.EMERGENCY and rec.end == dt.date(2025, 9, 9)


@pytest.mark.parametrize("status", [InsuranceStatus.LAPSED, InsuranceStatus.TERMINATED,
                                    InsuranceStatus.TRANSFERRING])
def test_insurance_not_active(status: InsuranceStatus) -> None:
    assert refused(req(), p=person(status=status)) == ["FILING_INSURANCE_INACTIVE"]


def test_future_lapse_and_waiting_period_do_not_stop_filing() -> None:
    assert file(req(), p=person(status=InsuranceStatus.LAPSED, status_since=dt.date(2025, 4, 1)))
    assert file(req(), p=person(status=InsuranceStatus.WAITING, status_since=dt.date(2025, 6, 1)))


def test_filing_on_behalf_needs_consent() -> None:
    # who acted is the service's finding (yidi.services.filings), never a field of the request
    assert refused(req(), filed_by="agency:369900") == ["FILING_CONSENT_MISSING"]
    rec = file(req(consent=True), filed_by="agency:369900")
    assert rec.filed_by == "agency:369900" and rec.consent
    with pytest.raises(YidiError) as exc:
        validate_model(FilingRequest, {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "filed_by": "x"})
    assert codes(exc) == ["FIELD_UNKNOWN"]


def test_backdated_without_admission_refused() -> None:
    assert refused(req(type="OTHER_TEMPORARY", start="2025-03-01")) == ["FILING_BACKDATED"]


def test_post_hoc_filing_goes_back_to_admission() -> None:
    rec = file(req(type="OTHER_TEMPORARY", admitted_on="2025-03-02"))
    assert rec.start == dt.date(2025, 3, 2) and rec.admitted_on == dt.date(2025, 3, 2)
    assert rec.end == dt.date(2025, 9, 1)
    # the long-term types too: docs/rules.md does not restrict post-hoc filing by type
    lt = file(req(admitted_on="2025-03-02"), fid="F2")
    assert lt.start == dt.date(2025, 3, 2)


def test_post_hoc_not_before_admission() -> None:
    assert refused(req(type="OTHER_TEMPORARY", start="2025-02-20", admitted_on="2025-03-02")) == [
        "FILING_BACKDATED"
    ]
    assert refused(req(type="OTHER_TEMPORARY", admitted_on="2025-03-12")) == ["DATE_ORDER"]


def test_future_start_filed_in_advance() -> None:
    rec = file(req(start="2025-05-01"))
    assert rec.start == dt.date(2025, 5, 1) and rec.admitted_on is None


def test_every_problem_reported_at_once() -> None:
    with pytest.raises(YidiError) as exc:
        file(req(type="REFERRAL", treatment_area="360100", start="2025-04-01", end="2025-03-01",
                 materials=()), p=person(status=InsuranceStatus.TERMINATED))
    got = codes(exc)
    assert {"FILING_OWN_REGION", "FILING_INSURANCE_INACTIVE", "DATE_ORDER", "FILING_MATERIALS_MISSING"} <= set(got)
    assert exc.value.status == 422 and "处问题" in exc.value.message_zh


def test_request_rejects_bad_region_format() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        req(treatment_area="44010")


# ------------------------------------------------------------------------------------------ change, cancel


def test_long_term_locked_within_min_months() -> None:
    lt = file(req(start="2025-01-15"), today=dt.date(2025, 1, 15))
    with pytest.raises(YidiError) as exc:
        cancel_filing(lt, rules(), TODAY)
    assert exc.value.code == "FILING_LOCKED" and exc.value.status == 409
    assert "2025-07-15" in exc.value.message_zh and "临时外出就医备案" in exc.value.message_zh
    with pytest.raises(YidiError) as exc2:
        change_filing(lt, req(treatment_area="310000"), person(), [lt], rules(), REGIONS, TODAY, "F2")
    assert exc2.value.code == "FILING_LOCKED"
    assert unlock_date(lt, rules()) == dt.date(2025, 7, 15)


def test_long_term_change_after_lock() -> None:
    lt = file(req(start="2024-06-01"), today=dt.date(2024, 6, 1))
    old, new = change_filing(lt, req(type="RETIREE_RESETTLED", treatment_area="310000", reason="随子女迁居"),
                             person(), [lt], rules(), REGIONS, TODAY, "F2")
    assert old.status is FilingStatus.SUPERSEDED and old.cancelled_on == TODAY
    assert old.last_day == dt.date(2025, 3, 9)
    assert new.status is FilingStatus.ACTIVE and new.supersedes == "F1" and new.start == TODAY
    assert new.reason == "随子女迁居"


def test_region_without_lock() -> None:
    lt = file(req())
    assert cancel_filing(lt, rules(min_months_before_change=0), TODAY).status is FilingStatus.CANCELLED


def test_long_term_not_yet_started_may_be_corrected() -> None:
    lt = file(req(start="2025-04-01"))
    old, new = change_filing(lt, req(start="2025-03-10"), person(), [lt], rules(), REGIONS, TODAY, "F2")
    assert new.start == TODAY and old.status is FilingStatus.SUPERSEDED


def test_temporary_cancelled_early() -> None:
    t = file(req(type="OTHER_TEMPORARY"))
    done = cancel_filing(t, rules(), dt.date(2025, 4, 1), "行程取消")
    assert done.status is FilingStatus.CANCELLED and done.cancelled_on == dt.date(2025, 4, 1)
    assert done.cancel_reason == "行程取消" and done.last_day == dt.date(2025, 3, 31)


def test_cancel_twice_refused() -> None:
    t = cancel_filing(file(req(type="OTHER_TEMPORARY")), rules(), TODAY)
    with pytest.raises(YidiError) as exc:
        cancel_filing(t, rules(), TODAY)
    assert exc.value.code == "FILING_NOT_ACTIVE" and exc.value.status == 409


def test_cancel_ended_temporary_refused() -> None:
    t = file(req(type="OTHER_TEMPORARY"))
    with pytest.raises(YidiError) as exc:
        cancel_filing(t, rules(), dt.date(2025, 10, 1))
    assert exc.value.code == "FILING_NOT_ACTIVE" and "到期" in exc.value.message_zh


def test_pending_filing_withdrawn() -> None:
    p = file(req(), r=rules(review_required=True))
    assert cancel_filing(p, rules(review_required=True), TODAY).status is FilingStatus.CANCELLED


def test_change_revalidates_the_new_request() -> None:
    t = file(req(type="OTHER_TEMPORARY"))
    with pytest.raises(YidiError) as exc:
        change_filing(t, req(type="OTHER_TEMPORARY", treatment_area="360100"), person(), [t], rules(), REGIONS,
                      TODAY, "F2")
    assert codes(exc) == ["FILING_OWN_REGION"]


def test_change_temporary_same_area_does_not_clash_with_itself() -> None:
    t = file(req(type="OTHER_TEMPORARY"))
    old, new = change_filing(t, req(type="OTHER_TEMPORARY", institutions=("H440101",)), person(), [t], rules(),
                             REGIONS, TODAY, "F2")
    assert new.institutions == ("H440101",) and old.status is FilingStatus.SUPERSEDED


def test_change_under_review_keeps_old_until_approved() -> None:
    r = rules(review_required=True)
    lt = file(req(start="2024-06-01"), today=dt.date(2024, 6, 1))  # filed before the region began reviewing
    old, new = change_filing(lt, req(treatment_area="310000"), person(), [lt], r, REGIONS, TODAY, "F2")
    assert old == lt and new.status is FilingStatus.PENDING_REVIEW
    approved, replaced = review_filing(new, True, "", dt.date(2025, 3, 12), replaced=old)
    assert approved.status is FilingStatus.ACTIVE and approved.reviewed_on == dt.date(2025, 3, 12)
    assert replaced is not None and replaced.status is FilingStatus.SUPERSEDED
    assert replaced.cancelled_on == dt.date(2025, 3, 12)


# ------------------------------------------------------------------------------------------ review


def test_review_reject_needs_reason() -> None:
    p = file(req(), r=rules(review_required=True))
    with pytest.raises(YidiError) as exc:
        review_filing(p, False, " ", TODAY)
    assert exc.value.code == "FILING_REASON_REQUIRED"
    rejected, none = review_filing(p, False, "居住证已过期，请补正", TODAY)
    assert rejected.status is FilingStatus.REJECTED and none is None
    assert rejected.review_reason == "居住证已过期，请补正"


def test_review_only_pending() -> None:
    with pytest.raises(YidiError) as exc:
        review_filing(file(req()), True, "", TODAY)
    assert exc.value.code == "FILING_NOT_PENDING"


def test_review_replaced_must_match() -> None:
    p = file(req(), r=rules(review_required=True))
    with pytest.raises(YidiError) as exc:
        review_filing(p, True, "", TODAY, replaced=file(req(), fid="X"))
    assert exc.value.code == "FILING_REPLACED_MISMATCH"


# ------------------------------------------------------------------------------------------ lookup


def test_filing_for_area_and_dates() -> None:
    t = file(req(type="OTHER_TEMPORARY", treatment_area="440000"))
    assert filing_for([t], "440300", TODAY) == t
    assert filing_for([t], "440300", dt.date(2025, 9, 9)) == t
    assert filing_for([t], "440300", dt.date(2025, 9, 10)) is None
    assert filing_for([t], "440300", dt.date(2025, 3, 9)) is None
    assert filing_for([t], "310000", TODAY) is None


def test_filing_for_ignores_pending_and_rejected() -> None:
    p = file(req(), r=rules(review_required=True))
    assert filing_for([p], "440100", TODAY) is None
    assert filing_for([replace(p, status=FilingStatus.REJECTED)], "440100", TODAY) is None


def test_cancelled_filing_covers_days_before_cancellation() -> None:
    lt = file(req(start="2024-01-01"), today=dt.date(2024, 1, 1))
    c = cancel_filing(lt, rules(), TODAY)
    assert filing_for([c], "440100", dt.date(2025, 3, 9)) == c
    assert filing_for([c], "440100", TODAY) is None


def test_filing_for_chosen_hospitals() -> None:
    t = file(req(institutions=("H1",)))
    assert filing_for([t], "440100", TODAY, "H1") == t
    assert filing_for([t], "440100", TODAY, "H2") is None


def test_long_term_preferred_over_temporary() -> None:
    lt = file(req(treatment_area="440000"))
    t = file(req(type="OTHER_TEMPORARY"), fid="F2")
    assert filing_for([t, lt], "440100", TODAY) == lt


def test_to_filing_for_the_engine() -> None:
    c = cancel_filing(file(req(type="OTHER_TEMPORARY", institutions=("H1",))), rules(), dt.date(2025, 5, 1))
    f = c.to_filing()
    assert f.end == dt.date(2025, 4, 30) and f.institutions == frozenset({"H1"}) and f.filing_id == "F1"
    assert f.covers("440100", dt.date(2025, 4, 30), "H1") and not f.covers("440100", dt.date(2025, 5, 1))


def test_month_arithmetic() -> None:
    assert add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)
    assert validity_end(dt.date(2024, 1, 15), 6) == dt.date(2024, 7, 14)


def test_long_term_validity_where_the_region_sets_one() -> None:
    # 12 months from 2025-03-10: the last day is 2026-03-09 (start + 12 months - 1 day)
    twelve = rules(long_term_validity_months=12)
    assert file(req(), r=twelve).end == dt.date(2026, 3, 9)
    assert file(req(end="2025-12-31"), r=twelve).end == dt.date(2025, 12, 31)
    assert refused(req(end="2026-03-10"), r=twelve) == ["FILING_LONG_TERM_TOO_LONG"]


def test_emergency_filed_post_hoc_within_the_deadline() -> None:
    # admitted Thursday 2025-03-06; 3 working days -> Tuesday 03-11 at the latest (today is 03-10)
    three = rules(emergency_filing_working_days=3)
    em = {"type": "EMERGENCY", "start": "2025-03-06", "admitted_on": "2025-03-06"}
    assert file(req(**em), r=three).start == dt.date(2025, 3, 6)
    # admitted Tuesday 03-04: by Friday 03-07, so on 03-10 it is too late
    late = {"type": "EMERGENCY", "start": "2025-03-04", "admitted_on": "2025-03-04"}
    assert refused(req(**late), r=three) == ["FILING_EMERGENCY_LATE"]
    # no deadline set: accepted as before
    assert file(req(**late)).start == dt.date(2025, 3, 4)
