"""A new filing: every problem of a request at once, and the record it makes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from yidi.domain.enums import FilingType, InsuranceStatus
from yidi.domain.error_catalogue import problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.filing_rules.areas import area_covers, areas_intersect, label, region_known
from yidi.domain.filing_rules.dates import MIN_TEMPORARY_MONTHS, dates_overlap, validity_end
from yidi.domain.filing_rules.records import FilingRecord, FilingRequest, FilingStatus
from yidi.domain.materials import (
    COMMITMENT_LETTER,
    FILING_MATERIAL_CODES,
    REFERRAL_CERTIFICATE,
    materials_for,
)
from yidi.domain.policy import FilingRules
from yidi.domain.reference import Institution, Person, is_province_code, province_of
from yidi.domain.scope import emergency_deadline

MATERIAL_CODES = frozenset(FILING_MATERIAL_CODES)

INACTIVE_ZH = {
    InsuranceStatus.LAPSED: "参保状态为暂停（断缴）",
    InsuranceStatus.TERMINATED: "参保状态为终止",
    InsuranceStatus.TRANSFERRING: "医保关系正在转移接续",
}


def insurance_blocked(person: Person, day: dt.date) -> bool:
    """Whether the person's status keeps them from benefits on `day` (same reading as the engine).

    status_since is the day a lapse/termination/transfer began, or the last day of a waiting period.
    """
    st, since = person.status, person.status_since
    if st in INACTIVE_ZH:
        return since is None or since <= day
    if st is InsuranceStatus.WAITING:
        return since is None or day <= since
    return False


_CONFLICTS = frozenset({"FILING_DUPLICATE_LONG_TERM", "FILING_OVERLAP"})


def refuse(problems: list[Problem]) -> None:
    """Raise every problem at once: 409 when all are conflicts with filings held, else 422."""
    if problems:
        status = 409 if all(p.code in _CONFLICTS for p in problems) else 422
        raise YidiError.of(problems, status=status)


def check_request(
    request: FilingRequest,
    person: Person,
    existing: Sequence[FilingRecord],
    rules: FilingRules,
    regions: Collection[str],
    today: dt.date,
    *,
    ignore: str | None,
    institutions: Mapping[str, Institution] | None,
    intra_province_filing: bool,
    region_names: Mapping[str, str] | None,
    filed_by: str,
) -> tuple[dt.date, dt.date | None, list[Problem]]:
    """Every problem of a request at once, plus the start and end the filing would get."""
    p: list[Problem] = []
    area = request.treatment_area
    ft = request.type
    own = person.insured_region

    # --- area
    if not region_known(area, regions):
        p.append(problem("REGION_UNKNOWN", "treatment_area", what_zh="就医地编码", what_en="treatment area",
                         region=area))
    elif area == own or (is_province_code(area) and area == province_of(own)):
        p.append(problem("FILING_OWN_REGION", area_zh=label(area, region_names), area=area,
                         own_zh=label(own, region_names), own=own))
    elif province_of(area) == province_of(own) and not intra_province_filing:
        p.append(problem("FILING_SAME_PROVINCE", area_zh=label(area, region_names), area=area))

    # --- person
    # A waiting period does not stop a filing: the filing only says where the person will be treated, and
    # the eligibility check reports the waiting period at admission.
    if person.status is not InsuranceStatus.WAITING and insurance_blocked(person, today):
        zh = INACTIVE_ZH[person.status]
        p.append(problem("FILING_INSURANCE_INACTIVE", state_zh=zh, state=person.status.value))

    if filed_by and not request.consent:
        p.append(problem("FILING_CONSENT_MISSING"))

    # --- dates
    start_given = request.start
    if request.admitted_on is not None and request.admitted_on > today:
        p.append(problem("DATE_ORDER", "admitted_on", detail_zh=f"入院日期 {request.admitted_on} 晚于今天 {today}",
                         detail_en=f"admission day {request.admitted_on} is after today {today}"))
    start = start_given if start_given is not None else (request.admitted_on or today)
    if start < today:
        if request.admitted_on is None:
            p.append(problem("FILING_BACKDATED",
                             detail_zh=f"备案开始日期 {start} 早于今天。只有已入院、尚未出院结算的补办备案可以追溯到入院日期"
                             "（请同时提供入院日期 admitted_on）",
                             detail_en=f"start {start} is before today; only a post-hoc filing while in hospital may go back, "
                             "to the admission day (give admitted_on)"))
        elif start < request.admitted_on:
            p.append(problem("FILING_BACKDATED",
                             detail_zh=f"补办备案最早只能从入院日期 {request.admitted_on} 开始，不能早于入院日期（收到 {start}）",
                             detail_en=f"a post-hoc filing may start on the admission day {request.admitted_on} at the "
                             f"earliest, not {start}"))
    # an emergency filing made post hoc must come within the region's deadline after admission, where it sets one
    last = emergency_deadline(request.admitted_on, rules.emergency_filing_working_days) if request.admitted_on else None
    if ft is FilingType.EMERGENCY and last is not None and today > last:
        p.append(problem("FILING_EMERGENCY_LATE", working_days=rules.emergency_filing_working_days,
                         admitted_on=request.admitted_on, last_day=last))
    end = request.end
    if end is not None and end < start:
        p.append(problem("DATE_ORDER", "end", detail_zh=f"备案结束日期 {end} 早于开始日期 {start}",
                         detail_en=f"filing end {end} is before its start {start}"))
    elif ft.long_term:
        months = rules.long_term_validity_months
        if months is None:
            if end is not None:
                p.append(problem("FILING_LONG_TERM_END"))
        else:
            # the region sets a validity for long-term filings: the end defaults to it and may not pass it
            longest = validity_end(start, months)
            if end is None:
                end = longest
            elif end > longest:
                p.append(problem("FILING_LONG_TERM_TOO_LONG", long_term_validity_months=months, start=start,
                                 longest=longest))
    else:
        longest = validity_end(start, rules.temporary_validity_months)
        if end is None:
            end = longest
        else:
            shortest = validity_end(start, MIN_TEMPORARY_MONTHS)
            if end < shortest:
                p.append(problem("FILING_VALIDITY_TOO_SHORT", min_temporary_months=MIN_TEMPORARY_MONTHS,
                                 start=start, shortest=shortest))
            elif end > longest:
                p.append(problem("FILING_VALIDITY_TOO_LONG",
                                 temporary_validity_months=rules.temporary_validity_months,
                                 start=start, longest=longest))

    # --- materials (a commitment made in the app counts as the signed letter)
    provided = set(request.materials) | ({COMMITMENT_LETTER} if request.commitment else set())
    for code in sorted(set(request.materials) - MATERIAL_CODES):
        p.append(problem("FILING_MATERIAL_UNKNOWN", code=code))
    for m in materials_for(ft, request.commitment):
        if m.required and m.code not in provided:
            hint = "，或选择个人承诺代替证明材料" if ft.long_term else ""
            if m.code == REFERRAL_CERTIFICATE:
                hint = "；没有转诊证明的，可改办其他临时外出就医备案（报销比例降低更多）"
            p.append(problem("FILING_MATERIALS_MISSING", type_zh=ft.zh, name_zh=m.name_zh, hint=hint,
                             type=ft.value, name_en=m.name_en))

    # --- chosen hospitals
    if rules.chosen_hospitals_required and not request.institutions:
        p.append(problem("FILING_HOSPITALS_REQUIRED"))
    if institutions is not None:
        for code in request.institutions:
            inst = institutions.get(code)
            if inst is None:
                p.append(problem("INSTITUTION_UNKNOWN", "institutions", institution=code))
            elif not area_covers(area, inst.region):
                p.append(problem("FILING_HOSPITAL_OTHER_AREA", name=inst.name, institution=code,
                                 area_zh=label(area, region_names), area=area))

    # --- what the person already holds
    held = [r for r in existing if r.counts_as_held() and r.filing_id != ignore]
    if ft.long_term:
        for r in held:
            if r.long_term:
                p.append(problem("FILING_DUPLICATE_LONG_TERM", state_zh=r.status.zh, type_zh=r.type.zh,
                                 area_zh=label(r.treatment_area, region_names), area=r.treatment_area,
                                 filing_id=r.filing_id))
    else:
        for r in held:
            if r.long_term or not dates_overlap(start, end, r.start, r.last_day):
                continue
            same_area = areas_intersect(area, r.treatment_area)
            if same_area or not rules.allow_multiple_temporary:
                after = (r.last_day + dt.timedelta(days=1)) if r.last_day else None
                where = "同一就医地" if same_area else "参保地规定同一时间只能有一个临时备案，"
                p.append(problem("FILING_OVERLAP", where_zh=where, state_zh=r.status.zh, type_zh=r.type.zh,
                                 area_zh=label(r.treatment_area, region_names), area=r.treatment_area,
                                 start=r.start, last_day=r.last_day, filing_id=r.filing_id,
                                 after_zh=f"；新备案可从 {after} 开始，或先取消原备案" if after else ""))
    return start, end, p


def new_filing(
    request: FilingRequest,
    person: Person,
    existing: Sequence[FilingRecord],
    rules: FilingRules,
    regions: Collection[str],
    today: dt.date,
    filing_id: str,
    *,
    institutions: Mapping[str, Institution] | None = None,
    intra_province_filing: bool = False,
    region_names: Mapping[str, str] | None = None,
    filed_by: str = "",
) -> FilingRecord:
    """Validate a filing request against the insured region's rules and make the record.

    `existing`: the person's filing records (any status). `regions`: known region codes. `institutions`:
    when given, chosen hospitals are checked to exist and lie in the treatment area. `intra_province_filing`:
    the insured region's province still files intra-province care through yidi (policy
    `cross_region.intra_province == "cross_region"`). `filed_by`: who acted when it is not the person
    (decided by the service from the caller, never taken from the request). Raises YidiError with every problem at once (409 when
    the only problems are conflicts with filings held, else 422). The record is ACTIVE at once unless the
    region reviews filings (`rules.review_required`), then PENDING_REVIEW.
    """
    start, end, problems = check_request(
        request, person, existing, rules, regions, today, ignore=None, institutions=institutions,
        intra_province_filing=intra_province_filing, region_names=region_names, filed_by=filed_by,
    )
    refuse(problems)
    return make_record(request, person, start, end, rules, today, filing_id, supersedes=None, filed_by=filed_by)


def make_record(
    request: FilingRequest, person: Person, start: dt.date, end: dt.date | None, rules: FilingRules,
    today: dt.date, filing_id: str, supersedes: str | None, filed_by: str = "",
) -> FilingRecord:
    """The record a checked request makes (ACTIVE, or PENDING_REVIEW where the region reviews filings)."""
    return FilingRecord(
        filing_id=filing_id,
        person_id_number=person.citizen_id.number,
        insured_region=person.insured_region,
        type=request.type,
        treatment_area=request.treatment_area,
        start=start,
        end=end,
        status=FilingStatus.PENDING_REVIEW if rules.review_required else FilingStatus.ACTIVE,
        commitment=request.commitment,
        materials=tuple(sorted(set(request.materials))),
        institutions=tuple(request.institutions),
        created_on=today,
        supersedes=supersedes,
        reason=request.reason,
        admitted_on=request.admitted_on if start < today else None,
        filed_by=filed_by,
        consent=request.consent,
    )
