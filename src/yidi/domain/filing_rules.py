"""Filing (备案) rules: materials per type, creating, changing, cancelling and reviewing filings (pure).

Everything here is a pure function of its arguments: no I/O and no clock (`today` is passed in). A
filing is never edited in place or deleted: a change makes a new record and marks the old one
SUPERSEDED, a cancellation marks the record CANCELLED with the day it ended (docs/rules.md R-1.7).

Decisions on rules the sources leave open (each is also said where it is applied):
- A long-term filing has no end date (valid until changed or cancelled, docs/rules.md R-1.6). A request that
  gives one is refused (FILING_LONG_TERM_END) instead of being silently ignored: to end it, cancel it.
- Temporary validity: `end` defaults to start + `temporary_validity_months` - 1 day. A requested end must
  give at least 6 months (D2022) and at most the region's `temporary_validity_months`.
- Post-hoc filing (补办备案, docs/rules.md R-1.8, D2022 art. 16): a start before `today` is accepted only when the
  caller states the person is in hospital now, not yet discharge-settled, by passing `admitted_on`; the
  start may then go back to the admission day, not earlier. 1.8 does not limit it to temporary types, so
  neither do we (a resettled retiree admitted before filing is the common case). The caller (service)
  must verify the open admission; this module cannot see visits.
- An EMERGENCY filing needs no prior filing (the hospital's emergency flag makes the visit count as filed,
  docs/rules.md R-1.9). We still accept one as a record (some people register after the fact, and it gives the
  emergency ratio when a hospital forgot the flag); `materials_for` says so in its note.
- Two temporary filings whose areas intersect and whose dates overlap are always refused (a duplicate);
  `allow_multiple_temporary: false` also refuses overlapping temporary filings for different areas.
- PENDING_REVIEW filings count as held for the duplicate and overlap checks, so two pending requests
  cannot both be approved.
- Insurance lapsed, terminated or being transferred (as of `today`) stops a filing
  (FILING_INSURANCE_INACTIVE); a waiting period does not.
- The change/cancel lock of a long-term filing (`min_months_before_change`) runs from its start; before
  the start day the filing has not been used and may be corrected freely.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from yidi.domain import bounds as B
from yidi.domain.enums import FilingType, InsuranceStatus
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.materials import COMMITMENT_LETTER as COMMITMENT_LETTER
from yidi.domain.materials import CREDENTIAL as CREDENTIAL
from yidi.domain.materials import EMERGENCY_NOTE_EN as EMERGENCY_NOTE_EN
from yidi.domain.materials import EMERGENCY_NOTE_ZH as EMERGENCY_NOTE_ZH
from yidi.domain.materials import EMERGENCY_RECORDS as EMERGENCY_RECORDS
from yidi.domain.materials import FILING_FORM as FILING_FORM
from yidi.domain.materials import FILING_MATERIAL_CODES
from yidi.domain.materials import HOUSEHOLD_REGISTER as HOUSEHOLD_REGISTER
from yidi.domain.materials import REFERRAL_CERTIFICATE as REFERRAL_CERTIFICATE
from yidi.domain.materials import RESIDENCE_PERMIT as RESIDENCE_PERMIT
from yidi.domain.materials import WORK_POSTING_PROOF as WORK_POSTING_PROOF
from yidi.domain.materials import Material as Material
from yidi.domain.materials import materials_for as materials_for
from yidi.domain.policy import FilingRules
from yidi.domain.reference import Filing, Institution, Person, is_province_code, province_of
from yidi.domain.validation import Code, Day, RegionCode, Strict, Text

# D2022 (as widely reported, docs/rules.md ): a temporary filing is valid for not less than 6 months.
MIN_TEMPORARY_MONTHS = 6

APP_ZH = "国家医保服务平台APP或“国家异地就医备案”微信小程序"
APP_EN = "the national medical insurance app or the national cross-region filing mini program"


class FilingStatus(StrEnum):
    """Life cycle of a filing record; nothing is ever deleted."""

    PENDING_REVIEW = "PENDING_REVIEW"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    SUPERSEDED = "SUPERSEDED"

    @property
    def zh(self) -> str:
        return {
            "PENDING_REVIEW": "待审核",
            "ACTIVE": "有效",
            "REJECTED": "未通过",
            "CANCELLED": "已取消",
            "SUPERSEDED": "已变更",
        }[self.value]


# ---------------------------------------------------------------------------------------------- materials
# The filing materials live in yidi.domain.materials (one list for rules, advisor, API and pages).

MATERIAL_CODES = frozenset(FILING_MATERIAL_CODES)


# ---------------------------------------------------------------------------------------------- values


class FilingRequest(Strict):
    """What a person (or someone on their behalf) asks for; validated against the rules by new_filing."""

    type: FilingType
    treatment_area: RegionCode  # a region code, or a province code XX0000 for the whole province
    start: Day | None = None  # None: today (or the admission day of a post-hoc filing)
    end: Day | None = None  # None: long-term, or the region's default temporary validity
    commitment: bool = False
    materials: tuple[Annotated[Code, Field(max_length=B.MATERIAL_CODE)], ...] = Field(default=(), max_length=20)
    # chosen hospitals, where the region requires them
    institutions: tuple[Annotated[Code, Field(max_length=B.INSTITUTION_CODE)], ...] = Field(default=(), max_length=20)
    admitted_on: Day | None = None  # post-hoc filing: in hospital since this day, not yet settled
    reason: Text = Field(default="", max_length=B.REASON)
    consent: bool = False  # the person's consent, attested by agency staff filing on their behalf


@dataclass(frozen=True, slots=True)
class FilingEvent:
    """One line of a filing's append-only history: who did what, on which day."""

    filing_id: str
    seq: int
    action: str  # CREATED, SUPERSEDED, CANCELLED, APPROVED, REJECTED
    status: FilingStatus
    actor_role: str
    actor: str  # masked citizen ID, institution or region code
    on_day: dt.date
    note: str = ""


@dataclass(frozen=True, slots=True)
class FilingRecord:
    """One version of a person's filing, as stored; changes make new records, nothing is deleted."""

    filing_id: str
    person_id_number: str
    insured_region: str
    type: FilingType
    treatment_area: str
    start: dt.date
    end: dt.date | None  # None: long-term, valid until changed or cancelled
    status: FilingStatus
    commitment: bool
    materials: tuple[str, ...]
    institutions: tuple[str, ...]
    created_on: dt.date
    cancelled_on: dt.date | None = None  # CANCELLED / SUPERSEDED: the filing covers days before this one
    supersedes: str | None = None
    reason: str = ""
    admitted_on: dt.date | None = None  # set for a post-hoc filing
    filed_by: str = ""
    consent: bool = False
    reviewed_on: dt.date | None = None
    review_reason: str = ""
    cancel_reason: str = ""

    @property
    def long_term(self) -> bool:
        return self.type.long_term

    @property
    def last_day(self) -> dt.date | None:
        """The last day this record covers, taking a cancellation or a change into account."""
        if self.status in (FilingStatus.CANCELLED, FilingStatus.SUPERSEDED) and self.cancelled_on is not None:
            stop = self.cancelled_on - dt.timedelta(days=1)
            return stop if self.end is None else min(stop, self.end)
        return self.end

    def area_covers(self, region: str) -> bool:
        return area_covers(self.treatment_area, region)

    def in_dates(self, day: dt.date) -> bool:
        last = self.last_day
        return self.start <= day and (last is None or day <= last)

    def counts_as_held(self) -> bool:
        """ACTIVE or waiting for review: blocks a duplicate."""
        return self.status in (FilingStatus.ACTIVE, FilingStatus.PENDING_REVIEW)

    def to_filing(self) -> Filing:
        """The engine's view of this filing."""
        return Filing(self.type, self.insured_region, self.treatment_area, self.start, self.last_day,
                      self.filing_id, frozenset(self.institutions))


# ---------------------------------------------------------------------------------------------- helpers


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (2024-08-31 + 6 -> 2025-02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(start: dt.date, months: int) -> dt.date:
    """Last day of a validity of `months` from `start` (inclusive): 2024-01-15 + 6 -> 2024-07-14."""
    return add_months(start, months) - dt.timedelta(days=1)


def area_covers(area: str, region: str) -> bool:
    """Whether a filing area (region code, or province code XX0000) covers treatment in `region`."""
    if is_province_code(area):
        return province_of(region) == area
    return region == area


def _areas_intersect(a: str, b: str) -> bool:
    if a == b:
        return True
    if is_province_code(a) or is_province_code(b):
        return province_of(a) == province_of(b)
    return False


def _dates_overlap(a0: dt.date, a1: dt.date | None, b0: dt.date, b1: dt.date | None) -> bool:
    return (a1 is None or b0 <= a1) and (b1 is None or a0 <= b1)


def _label(code: str, names: Mapping[str, str] | None) -> str:
    name = (names or {}).get(code)
    return f"{name}（{code}）" if name else code


def region_known(code: str, regions: Collection[str]) -> bool:
    """A region code in the set, or a province code some known region belongs to."""
    if code in regions:
        return True
    return is_province_code(code) and any(province_of(r) == code for r in regions)


_INACTIVE_ZH = {
    InsuranceStatus.LAPSED: "参保状态为暂停（断缴）",
    InsuranceStatus.TERMINATED: "参保状态为终止",
    InsuranceStatus.TRANSFERRING: "医保关系正在转移接续",
}


def insurance_blocked(person: Person, day: dt.date) -> bool:
    """Whether the person's status keeps them from benefits on `day` (same reading as the engine).

    status_since is the day a lapse/termination/transfer began, or the last day of a waiting period.
    """
    st, since = person.status, person.status_since
    if st in _INACTIVE_ZH:
        return since is None or since <= day
    if st is InsuranceStatus.WAITING:
        return since is None or day <= since
    return False


_CONFLICTS = frozenset({"FILING_DUPLICATE_LONG_TERM", "FILING_OVERLAP"})


def _raise(problems: list[Problem]) -> None:
    if problems:
        status = 409 if all(p.code in _CONFLICTS for p in problems) else 422
        raise YidiError.of(problems, status=status)


# ---------------------------------------------------------------------------------------------- new filing


def _check_request(
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
        p.append(problem("FILING_OWN_REGION", area_zh=_label(area, region_names), area=area,
                         own_zh=_label(own, region_names), own=own))
    elif province_of(area) == province_of(own) and not intra_province_filing:
        p.append(problem("FILING_SAME_PROVINCE", area_zh=_label(area, region_names), area=area))

    # --- person
    # A waiting period does not stop a filing: the filing only says where the person will be treated, and
    # the eligibility check reports the waiting period at admission.
    if person.status is not InsuranceStatus.WAITING and insurance_blocked(person, today):
        zh = _INACTIVE_ZH[person.status]
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
    end = request.end
    if end is not None and end < start:
        p.append(problem("DATE_ORDER", "end", detail_zh=f"备案结束日期 {end} 早于开始日期 {start}",
                         detail_en=f"filing end {end} is before its start {start}"))
    elif ft.long_term:
        if end is not None:
            p.append(problem("FILING_LONG_TERM_END"))
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
                                 area_zh=_label(area, region_names), area=area))

    # --- what the person already holds
    held = [r for r in existing if r.counts_as_held() and r.filing_id != ignore]
    if ft.long_term:
        for r in held:
            if r.long_term:
                p.append(problem("FILING_DUPLICATE_LONG_TERM", state_zh=r.status.zh, type_zh=r.type.zh,
                                 area_zh=_label(r.treatment_area, region_names), area=r.treatment_area,
                                 filing_id=r.filing_id))
    else:
        for r in held:
            if r.long_term or not _dates_overlap(start, end, r.start, r.last_day):
                continue
            same_area = _areas_intersect(area, r.treatment_area)
            if same_area or not rules.allow_multiple_temporary:
                after = (r.last_day + dt.timedelta(days=1)) if r.last_day else None
                where = "同一就医地" if same_area else "参保地规定同一时间只能有一个临时备案，"
                p.append(problem("FILING_OVERLAP", where_zh=where, state_zh=r.status.zh, type_zh=r.type.zh,
                                 area_zh=_label(r.treatment_area, region_names), area=r.treatment_area,
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
    start, end, problems = _check_request(
        request, person, existing, rules, regions, today, ignore=None, institutions=institutions,
        intra_province_filing=intra_province_filing, region_names=region_names, filed_by=filed_by,
    )
    _raise(problems)
    return _record(request, person, start, end, rules, today, filing_id, supersedes=None, filed_by=filed_by)


def _record(
    request: FilingRequest, person: Person, start: dt.date, end: dt.date | None, rules: FilingRules,
    today: dt.date, filing_id: str, supersedes: str | None, filed_by: str = "",
) -> FilingRecord:
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


# ---------------------------------------------------------------------------------------------- change, cancel


def unlock_date(record: FilingRecord, rules: FilingRules) -> dt.date | None:
    """The first day a long-term filing may be changed or cancelled (None: no lock applies)."""
    if not record.long_term or rules.min_months_before_change == 0:
        return None
    return add_months(record.start, rules.min_months_before_change)


def _check_modifiable(record: FilingRecord, rules: FilingRules, today: dt.date, what_zh: str) -> None:
    if record.status in (FilingStatus.CANCELLED, FilingStatus.SUPERSEDED, FilingStatus.REJECTED):
        raise error("FILING_NOT_ACTIVE", filing_id=record.filing_id,
                    why_zh=f"状态为“{record.status.zh}”，不能再{what_zh}",
                    why_en=f"is {record.status.value} and cannot be changed or cancelled")
    if record.status is FilingStatus.ACTIVE and record.last_day is not None and record.last_day < today:
        raise error("FILING_NOT_ACTIVE", filing_id=record.filing_id,
                    why_zh=f"已于 {record.last_day} 到期，无需{what_zh}；如需继续就医请重新备案",
                    why_en=f"ended on {record.last_day}; file again if needed")
    unlock = unlock_date(record, rules)
    # the lock guards against switching back and forth; a filing not yet started has not been used
    if record.status is FilingStatus.ACTIVE and unlock is not None and record.start <= today < unlock:
        raise error("FILING_LOCKED", start=record.start,
                    min_months_before_change=rules.min_months_before_change, unlock=unlock)


def change_filing(
    record: FilingRecord,
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
) -> tuple[FilingRecord, FilingRecord]:
    """Replace `record` by a new filing built from `request`; returns (old record after, new record).

    Store both. The new record names the old one in `supersedes`. Without review, the old record becomes
    SUPERSEDED at once and covers the days before the new one starts. With review, the old record is
    returned unchanged (still ACTIVE, so the person is never left without cover) and is superseded when
    the new one is approved (review_filing with `replaced`).
    Errors: FILING_NOT_ACTIVE, FILING_LOCKED (409), and every new_filing problem for the new request.
    """
    _check_modifiable(record, rules, today, "变更")
    start, end, problems = _check_request(
        request, person, existing, rules, regions, today, ignore=record.filing_id, institutions=institutions,
        intra_province_filing=intra_province_filing, region_names=region_names, filed_by=filed_by,
    )
    _raise(problems)
    new = _record(request, person, start, end, rules, today, filing_id, supersedes=record.filing_id,
                  filed_by=filed_by)
    if new.status is FilingStatus.PENDING_REVIEW:
        return record, new
    return _supersede(record, new, today), new


def _supersede(old: FilingRecord, new: FilingRecord, today: dt.date) -> FilingRecord:
    return replace(old, status=FilingStatus.SUPERSEDED, cancelled_on=max(today, new.start),
                   cancel_reason=f"变更为备案 {new.filing_id}")


def cancel_filing(record: FilingRecord, rules: FilingRules, today: dt.date, reason: str = "") -> FilingRecord:
    """Cancel a filing from today (a pending one is withdrawn); the record stays, marked CANCELLED.

    Temporary filings may be cancelled early; long-term ones only after the region's lock period.
    Errors: FILING_NOT_ACTIVE (already cancelled, superseded, rejected or ended), FILING_LOCKED (409).
    """
    _check_modifiable(record, rules, today, "取消")
    return replace(record, status=FilingStatus.CANCELLED, cancelled_on=today, cancel_reason=reason)


def review_filing(
    record: FilingRecord,
    approve: bool,
    reason: str,
    today: dt.date,
    replaced: FilingRecord | None = None,
) -> tuple[FilingRecord, FilingRecord | None]:
    """An agency's decision on a PENDING_REVIEW filing; returns (reviewed record, replaced record after).

    When an approved record supersedes another (a change under review), pass that record as `replaced`:
    it comes back SUPERSEDED from today (or the new start, if later). A rejection needs a reason the
    person can act on. Errors: FILING_NOT_PENDING (409), FILING_REASON_REQUIRED, FILING_REPLACED_MISMATCH.
    """
    if record.status is not FilingStatus.PENDING_REVIEW:
        raise error("FILING_NOT_PENDING", filing_id=record.filing_id, state_zh=record.status.zh,
                    state=record.status.value)
    if not approve and not reason.strip():
        raise error("FILING_REASON_REQUIRED")
    if replaced is not None and replaced.filing_id != record.supersedes:
        raise error("FILING_REPLACED_MISMATCH", filing_id=record.filing_id,
                    supersedes=record.supersedes or "—", replaced=replaced.filing_id)
    if not approve:
        return replace(record, status=FilingStatus.REJECTED, reviewed_on=today, review_reason=reason), None
    done = replace(record, status=FilingStatus.ACTIVE, reviewed_on=today, review_reason=reason)
    old = None
    if replaced is not None and replaced.counts_as_held():
        old = _supersede(replaced, done, today)
    return done, old


# ---------------------------------------------------------------------------------------------- lookup

# When several filings cover the same visit, the one with the better benefit applies: long-term first
# (no ratio cut), then referral and emergency (cut at most 10 points) before other temporary (20).
_RANK = {
    FilingType.RETIREE_RESETTLED: 0,
    FilingType.LONG_TERM_RESIDENT: 0,
    FilingType.RESIDENT_WORKER: 0,
    FilingType.REFERRAL: 1,
    FilingType.EMERGENCY: 1,
    FilingType.OTHER_TEMPORARY: 2,
}


def covers(record: FilingRecord, region: str, day: dt.date, institution: str | None = None) -> bool:
    """Whether this record (ACTIVE, or for days before its cancellation) covers treatment there that day."""
    if record.status not in (FilingStatus.ACTIVE, FilingStatus.CANCELLED, FilingStatus.SUPERSEDED):
        return False
    if not (record.area_covers(region) and record.in_dates(day)):
        return False
    return not (record.institutions and institution is not None and institution not in record.institutions)


def filing_for(
    records: Iterable[FilingRecord], region: str, day: dt.date, institution: str | None = None
) -> FilingRecord | None:
    """The filing that covers treatment in `region` on `day` (at `institution`, where hospitals were chosen).

    A province code covers every region of the province. A cancelled or superseded record still covers
    the days before it ended, so a past visit is judged by the filing held then. PENDING_REVIEW and
    REJECTED records never cover.
    """
    found = [r for r in records if covers(r, region, day, institution)]
    if not found:
        return None
    found.sort(key=lambda r: (r.status is not FilingStatus.ACTIVE, _RANK[r.type], -r.start.toordinal()))
    return found[0]
