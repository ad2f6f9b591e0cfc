"""Eligibility at admission: one test per reason of docs/rules.md R-9, notes, and all reasons at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from yidi.domain.eligibility import (
    NOTE_CODES,
    REASON_CODES,
    EligibilityResult,
    RatioCategory,
    check_eligibility,
    normalise_name,
)
from yidi.domain.enums import (
    CrossRegionBasis,
    FilingType,
    InstitutionKind,
    InsuranceStatus,
    Level,
    Scheme,
    VisitType,
)
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import parse_citizen_id
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution, Person

DAY = dt.date(2025, 3, 10)
ID = "360426199101010071"  # male, insured in 360100 (江西南昌)
ALL_VISITS = frozenset(VisitType)

GZ = Institution("H440101", "广州市第一人民医院", "440100", Level.L3, ALL_VISITS, frozenset({"M03900"}))
GZ_INPATIENT_ONLY = Institution("H440102", "广州某区医院", "440100", Level.L2, frozenset({VisitType.INPATIENT}))
NC = Institution("H360101", "南昌大学第一附属医院", "360100", Level.L3, ALL_VISITS)
JJ = Institution("H360401", "九江市第一人民医院", "360400", Level.L3, ALL_VISITS)
SH = Institution("H310101", "上海某医院", "310000", Level.L3, ALL_VISITS)


def policy(**cross_region: Any) -> PolicyVersion:
    return PolicyVersion.model_validate(
        {"effective_from": "2024-01-01", "cross_region": cross_region, "schemes": {}}
    )


def person(**kw: Any) -> Person:
    values: dict[str, Any] = {
        "citizen_id": parse_citizen_id(ID),
        "name": "张三",
        "insured_region": "360100",
        "scheme": Scheme.EMPLOYEE,
        "chronic_diseases": frozenset({"M03900"}),
    }
    values.update(kw)
    return Person(**values)


def filing(ft: FilingType = FilingType.LONG_TERM_RESIDENT, area: str = "440100", start: str = "2024-06-01",
           end: str | None = None, status: FilingStatus = FilingStatus.ACTIVE, fid: str = "F1",
           institutions: tuple[str, ...] = ()) -> FilingRecord:
    s = dt.date.fromisoformat(start)
    return FilingRecord(fid, ID, "360100", ft, area, s, dt.date.fromisoformat(end) if end else None, status,
                        True, (), institutions, s)


def check(filings: list[FilingRecord] | None = None, *, p: Person | None = None, found: bool = True,
          inst: Institution = GZ, visit: VisitType = VisitType.INPATIENT, day: dt.date = DAY,
          pol: PolicyVersion | None = None, name: str = "张三", id_number: str = ID,
          **kw: Any) -> EligibilityResult:
    return check_eligibility(
        (p or person()) if found else None, id_number, name, inst, visit, day, filings or [],
        pol or policy(), **kw,
    )


def only(res: EligibilityResult) -> str:
    assert len(res.reasons) == 1, res.codes
    return res.reasons[0].code


# ------------------------------------------------------------------------------------------ eligible


def test_long_term_filing_eligible() -> None:
    f = filing()
    res = check([f])
    assert res.eligible and not res.reasons
    assert res.basis is CrossRegionBasis.LONG_TERM and res.ratio_category is RatioCategory.LONG_TERM
    assert res.filing == f


@pytest.mark.parametrize("ft", [FilingType.REFERRAL, FilingType.EMERGENCY, FilingType.OTHER_TEMPORARY])
def test_temporary_filing_gives_its_ratio_category(ft: FilingType) -> None:
    res = check([filing(ft, start="2025-03-01", end="2025-08-31")])
    assert res.eligible and res.basis is CrossRegionBasis.TEMPORARY
    assert res.ratio_category.value == ft.value  # type: ignore[union-attr]


def test_province_filing_covers_every_region() -> None:
    assert check([filing(area="440000")]).eligible


def test_emergency_flag_counts_as_filed() -> None:
    res = check(emergency=True)
    assert res.eligible and res.basis is CrossRegionBasis.TEMPORARY
    assert res.ratio_category is RatioCategory.EMERGENCY and res.filing is None
    assert [n.code for n in res.notes] == ["EMERGENCY_AS_FILED"]


def test_filing_applies_before_emergency_flag() -> None:
    res = check([filing()], emergency=True)
    assert res.ratio_category is RatioCategory.LONG_TERM and not res.notes


def test_same_region_is_local_not_a_reason() -> None:
    res = check(inst=NC)
    assert res.eligible and res.basis is CrossRegionBasis.LOCAL and res.ratio_category is RatioCategory.LOCAL
    assert [n.code for n in res.notes] == ["NOT_CROSS_REGION"] and not res.notes[0].blocking


def test_intra_province_read_as_local() -> None:
    res = check(inst=JJ)
    assert res.eligible and res.basis is CrossRegionBasis.INTRA_PROVINCE
    assert [n.code for n in res.notes] == ["INTRA_PROVINCE"]
    assert "省内" in res.notes[0].message_zh


def test_intra_province_as_cross_region_needs_a_filing() -> None:
    res = check(inst=JJ, pol=policy(intra_province="cross_region"))
    assert only(res) == "NO_FILING" and res.basis is CrossRegionBasis.UNFILED
    assert check([filing(area="360400")], inst=JJ, pol=policy(intra_province="cross_region")).eligible


def test_post_hoc_filing_covers_the_admission() -> None:
    # admitted 03-10 without a filing, filed on 03-12 before discharge settlement (docs/rules.md)
    late = filing(FilingType.OTHER_TEMPORARY, start="2025-03-12", end="2025-09-11")
    at_admission = check([late])
    assert not at_admission.eligible
    res = check([late], today=dt.date(2025, 3, 12))
    assert res.eligible and res.filing == late and [n.code for n in res.notes] == ["FILED_POST_HOC"]


# ------------------------------------------------------------------------------------------ filing reasons


def test_no_filing_says_file_before_discharge() -> None:
    res = check()
    assert only(res) == "NO_FILING" and not res.eligible
    r = res.reasons[0]
    assert "出院结算前" in r.action_zh and "补办备案" in r.action_zh and "手工报销" in r.action_zh
    assert "急诊" in r.action_zh  # ask the hospital to flag an emergency
    assert "APP" in r.where_zh and "医保办" in r.where_zh
    assert res.basis is CrossRegionBasis.UNFILED and res.ratio_category is RatioCategory.UNFILED


def test_no_filing_outpatient_files_before_this_settlement() -> None:
    assert "本次结算前" in check(visit=VisitType.OUTPATIENT).reasons[0].action_zh


def test_filing_expired() -> None:
    res = check([filing(FilingType.OTHER_TEMPORARY, start="2024-06-01", end="2024-11-30")])
    assert only(res) == "FILING_EXPIRED"
    assert "2024-11-30" in res.reasons[0].message_zh and "6个月" in res.reasons[0].action_zh


def test_filing_not_yet_valid() -> None:
    res = check([filing(start="2025-04-01")])
    assert only(res) == "FILING_NOT_YET_VALID" and "2025-04-01" in res.reasons[0].message_zh


def test_cancelled_filing_is_no_filing() -> None:
    f = filing()
    cancelled = replace(f, status=FilingStatus.CANCELLED, cancelled_on=dt.date(2025, 3, 1))
    assert only(check([cancelled])) == "NO_FILING"
    assert check([cancelled], day=dt.date(2025, 2, 28)).eligible  # judged by the filing held then


def test_filing_for_another_area() -> None:
    res = check([filing(area="310000", start="2024-06-01")])
    assert only(res) == "FILING_OTHER_AREA"
    r = res.reasons[0]
    assert "310000" in r.message_zh and "440100" in r.message_zh and "临时外出就医备案" in r.action_zh


def test_filing_for_another_area_while_locked_says_when() -> None:
    res = check([filing(area="310000", start="2025-01-15")])
    assert only(res) == "FILING_OTHER_AREA" and "2025-07-15 前不能变更" in res.reasons[0].action_zh


def test_filing_hospital_not_chosen() -> None:
    res = check([filing(institutions=("H440999",))])
    assert only(res) == "FILING_HOSPITAL_NOT_CHOSEN"


def test_filing_pending_review() -> None:
    res = check([filing(status=FilingStatus.PENDING_REVIEW)])
    assert only(res) == "FILING_PENDING_REVIEW" and "审核" in res.reasons[0].message_zh
    assert "参保地医保经办机构" in res.reasons[0].where_zh


# ------------------------------------------------------------------------------------------ hospital


def test_hospital_not_networked_for_visit_type() -> None:
    ok = check([filing()], inst=GZ_INPATIENT_ONLY)
    assert ok.eligible
    res = check([filing()], inst=GZ_INPATIENT_ONLY, visit=VisitType.OUTPATIENT)
    assert only(res) == "HOSPITAL_NOT_NETWORKED" and "普通门诊" in res.reasons[0].message_zh
    assert "手工报销" in res.reasons[0].action_zh


def test_networking_irrelevant_for_local_visits() -> None:
    local = Institution("H360102", "南昌某医院", "360100", Level.L2)
    assert check(inst=local, visit=VisitType.OUTPATIENT).eligible


# ------------------------------------------------------------------------------------------ insurance


@pytest.mark.parametrize(
    ("status", "code"),
    [(InsuranceStatus.LAPSED, "INSURANCE_LAPSED"), (InsuranceStatus.TERMINATED, "INSURANCE_TERMINATED"),
     (InsuranceStatus.TRANSFERRING, "INSURANCE_TRANSFERRING")],
)
def test_insurance_not_active(status: InsuranceStatus, code: str) -> None:
    res = check([filing()], p=person(status=status, status_since=dt.date(2025, 1, 1)))
    assert only(res) == code and "2025-01-01" in res.reasons[0].message_zh
    assert res.reasons[0].where_zh == "参保地医保经办机构"


def test_lapse_after_the_visit_day_does_not_count() -> None:
    assert check([filing()], p=person(status=InsuranceStatus.LAPSED, status_since=dt.date(2025, 4, 1))).eligible


def test_insurance_waiting_period() -> None:
    res = check([filing()], p=person(status=InsuranceStatus.WAITING, status_since=dt.date(2025, 5, 31)))
    assert only(res) == "INSURANCE_WAITING" and "2025-05-31" in res.reasons[0].message_zh
    ended = person(status=InsuranceStatus.WAITING, status_since=dt.date(2025, 3, 9))
    assert check([filing()], p=ended).eligible


def test_insurance_lapse_blocks_local_visits_too() -> None:
    res = check(inst=NC, p=person(status=InsuranceStatus.LAPSED))
    assert not res.eligible and res.basis is CrossRegionBasis.LOCAL and res.codes == ["INSURANCE_LAPSED"]


# ------------------------------------------------------------------------------------------ identity


def test_person_not_found() -> None:
    res = check(found=False)
    assert only(res) == "PERSON_NOT_FOUND" and res.basis is None and res.ratio_category is None
    assert "360426********0071" in res.reasons[0].message_zh and ID not in res.reasons[0].message_zh


def test_name_mismatch() -> None:
    res = check([filing()], name="张四")
    assert only(res) == "IDENTITY_MISMATCH" and res.reasons[0].field == "name"


def test_name_compared_as_written() -> None:
    uyghur = person(name="阿依古丽·买买提")
    assert check([filing()], p=uyghur, name=" 阿依古丽・买买提 ").eligible
    assert check([filing()], p=uyghur, name="阿依古丽．买买提").eligible
    assert normalise_name("张 三") == "张三"


def test_gender_mismatch() -> None:
    res = check([filing()], gender="女")
    assert only(res) == "IDENTITY_MISMATCH" and res.reasons[0].field == "gender"
    assert check([filing()], gender="1").eligible and check([filing()], gender="m").eligible


def test_id_mismatch() -> None:
    res = check([filing()], id_number="120103198806018241")
    assert only(res) == "IDENTITY_MISMATCH" and res.reasons[0].field == "id_number"
    assert "120103********8241" in res.reasons[0].message_zh


def test_bad_id_is_an_input_error() -> None:
    with pytest.raises(YidiError) as exc:
        check(id_number="360426199101010072")
    assert exc.value.code == "ID_CHECKSUM"


def test_unreadable_gender_is_an_input_error() -> None:
    with pytest.raises(YidiError) as exc:
        check(gender="?")
    assert exc.value.code == "GENDER_FORMAT"


# ------------------------------------------------------------------------------------------ admissions


def test_open_admission_elsewhere() -> None:
    res = check([filing()], open_admissions=[("H440200", dt.date(2025, 3, 1))])
    assert only(res) == "OPEN_ADMISSION" and "H440200" in res.reasons[0].message_zh
    assert "原住院医院" in res.reasons[0].where_zh


def test_open_admission_here_is_this_admission() -> None:
    assert check([filing()], open_admissions=[("H440101", DAY)]).eligible


# ------------------------------------------------------------------------------------------ chronic


def test_chronic_not_certified() -> None:
    res = check([filing()], visit=VisitType.CHRONIC_OUTPATIENT, chronic_disease="E11900")
    assert "CHRONIC_NOT_CERTIFIED" in res.codes


def test_chronic_not_certified_applies_at_home_too() -> None:
    res = check(inst=NC, visit=VisitType.CHRONIC_OUTPATIENT, chronic_disease="E11900")
    assert res.codes == ["CHRONIC_NOT_CERTIFIED"]


def test_chronic_not_opened_at_this_hospital() -> None:
    p = person(chronic_diseases=frozenset({"M03900", "E11900"}))
    res = check([filing()], p=p, visit=VisitType.CHRONIC_OUTPATIENT, chronic_disease="E11900")
    assert only(res) == "CHRONIC_NOT_OPENED"


def test_chronic_eligible() -> None:
    assert check([filing()], visit=VisitType.CHRONIC_OUTPATIENT, chronic_disease="M03900").eligible


def test_chronic_needs_a_disease_code() -> None:
    with pytest.raises(YidiError) as exc:
        check([filing()], visit=VisitType.CHRONIC_OUTPATIENT)
    assert exc.value.code == "CHRONIC_DISEASE_REQUIRED"


def test_person_found_without_policy_is_an_error() -> None:
    with pytest.raises(YidiError) as exc:
        check_eligibility(person(), ID, "张三", GZ, VisitType.INPATIENT, DAY, [], None)
    assert exc.value.code == "POLICY_NOT_FOUND"


# ------------------------------------------------------------------------------------------ all at once


def test_every_reason_at_once() -> None:
    res = check(
        [filing(FilingType.OTHER_TEMPORARY, start="2024-06-01", end="2024-11-30")],
        p=person(status=InsuranceStatus.LAPSED, status_since=dt.date(2025, 1, 1)),
        inst=GZ_INPATIENT_ONLY,
        visit=VisitType.OUTPATIENT,
    )
    assert not res.eligible
    assert set(res.codes) == {"FILING_EXPIRED", "INSURANCE_LAPSED", "HOSPITAL_NOT_NETWORKED"}


def test_many_reasons_with_identity_and_admission() -> None:
    res = check(
        [filing(area="310000")], name="李四", gender="F", inst=GZ_INPATIENT_ONLY, visit=VisitType.OUTPATIENT,
        p=person(status=InsuranceStatus.TRANSFERRING), open_admissions=[("H110101", dt.date(2025, 3, 2))],
    )
    assert sorted(res.codes) == sorted([
        "IDENTITY_MISMATCH", "IDENTITY_MISMATCH", "INSURANCE_TRANSFERRING", "OPEN_ADMISSION",
        "HOSPITAL_NOT_NETWORKED", "FILING_OTHER_AREA",
    ])


def test_every_reason_is_actionable_and_documented() -> None:
    results = [
        check(found=False),
        check(name="王五", gender="F"),
        check(p=person(status=InsuranceStatus.WAITING)),
        check([filing(status=FilingStatus.PENDING_REVIEW), filing(area="310000", fid="F2"),
               filing(FilingType.OTHER_TEMPORARY, start="2024-01-01", end="2024-06-30", fid="F3"),
               filing(start="2025-05-01", fid="F4")], inst=GZ_INPATIENT_ONLY, visit=VisitType.CHRONIC_OUTPATIENT,
              chronic_disease="E11900", open_admissions=[("H1", DAY)]),
        check(inst=NC), check(inst=JJ), check(emergency=True),
    ]
    seen = set()
    for res in results:
        for r in (*res.reasons, *res.notes):
            seen.add(r.code)
            assert r.message_zh and r.message_en and r.action_zh and r.action_en and r.where_zh and r.section
            assert r.code in (REASON_CODES if r.blocking else NOTE_CODES)
        d = res.as_dict()
        assert d["eligible"] is res.eligible and len(d["reasons"]) == len(res.reasons)
    assert {"PERSON_NOT_FOUND", "IDENTITY_MISMATCH", "INSURANCE_WAITING", "FILING_PENDING_REVIEW",
            "FILING_OTHER_AREA", "FILING_EXPIRED", "FILING_NOT_YET_VALID", "HOSPITAL_NOT_NETWORKED",
            "CHRONIC_NOT_CERTIFIED", "OPEN_ADMISSION", "NOT_CROSS_REGION", "INTRA_PROVINCE",
            "EMERGENCY_AS_FILED"} <= seen


def test_as_dict_names_the_filing() -> None:
    d = check([filing()]).as_dict()
    assert d["filing"]["filing_id"] == "F1" and d["filing"]["type_zh"] == "异地长期居住人员"
    assert d["basis"] == "LONG_TERM" and d["ratio_category"] == "LONG_TERM" and d["day"] == "2025-03-10"


def test_emergency_with_a_post_hoc_filing_deadline() -> None:
    # the region wants an emergency filed within 3 working days: admitted Monday 2025-03-10 -> by Thursday 03-13
    pol = PolicyVersion.model_validate({"effective_from": "2024-01-01", "schemes": {},
                                        "filing": {"emergency_filing_working_days": 3}})
    within = check(emergency=True, pol=pol, today=dt.date(2025, 3, 13))
    assert within.eligible and within.ratio_category is RatioCategory.EMERGENCY
    assert any("2025-03-13 前补办" in r.message_zh for r in within.notes)
    late = check(emergency=True, pol=pol, today=dt.date(2025, 3, 14))
    assert late.basis is CrossRegionBasis.UNFILED and late.ratio_category is RatioCategory.UNFILED


def test_pharmacy_purchase_needs_a_filing_unless_the_region_says_not() -> None:
    """`pharmacy.filing_required` (default true): without a covering filing a purchase at a pharmacy elsewhere
    is refused with NO_FILING and its fix; a region that needs none lets it settle as unfiled care, with a note."""
    shop = Institution("P440101", "广州某药店", "440100", Level.UNRATED, frozenset({VisitType.OUTPATIENT}),
                       kind=InstitutionKind.PHARMACY)
    refused = check([], inst=shop, visit=VisitType.OUTPATIENT)
    assert only(refused) == "NO_FILING" and "药店购药须先备案" in refused.reasons[0].action_zh
    assert check([filing()], inst=shop, visit=VisitType.OUTPATIENT).eligible  # a long-term filing to 440100
    free = PolicyVersion.model_validate({"effective_from": "2024-01-01", "cross_region": {}, "schemes": {},
                                         "pharmacy": {"filing_required": False}})
    ok = check([], inst=shop, visit=VisitType.OUTPATIENT, pol=free)
    assert ok.eligible and ok.basis is CrossRegionBasis.UNFILED and ok.ratio_category is RatioCategory.UNFILED
    assert [n.code for n in ok.notes] == ["PHARMACY_NO_FILING_NEEDED"]
    assert only(check([], pol=free)) == "NO_FILING"  # a hospital still needs one
