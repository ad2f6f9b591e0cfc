"""Eligibility at admission: may this visit settle directly, under which filing, and if not, every reason why.

A pure function of what the hospital presents and what the store holds (no I/O, no clock). The reasons
follow domain.md section 9; each says what happened, what the person should do next and where.

Decisions:
- A visit in the insured region itself is not a cross-region case: the answer is eligible, basis LOCAL,
  ratio category LOCAL, with an informational note NOT_CROSS_REGION (not a reason). The same holds for
  another region of the same province when the insured region's policy reads intra-province care as
  local (`cross_region.intra_province == "local"`): eligible, basis INTRA_PROVINCE, note INTRA_PROVINCE.
  Blocking reasons that do not depend on the region (insurance status, identity, open admission, chronic
  certification) still apply to such visits.
- When the province still treats intra-province care as cross-region (`intra_province == "cross_region"`),
  the visit is checked exactly like a cross-province one (filing and networked hospital), as the engine does.
- `reasons` holds only blocking reasons: eligible is exactly "no reasons". Informational notes
  (NOT_CROSS_REGION, INTRA_PROVINCE, EMERGENCY_AS_FILED, FILED_POST_HOC) are in `notes`.
- `ratio_category` is the category the bill would be computed under even when not eligible (UNFILED for a
  manual claim without a filing); None only when the person is not found.
- When a filing covers the visit it applies, even if the hospital also flagged an emergency (same order as
  the engine); without one, the hospital's emergency flag counts as filed (domain.md 1.9).
- Post-hoc filing (domain.md 1.8): `day` is the admission (visit) day and `today` the day of the check.
  A filing that does not cover the admission day but covers `today` (made after admission, before
  discharge settlement) applies, noted FILED_POST_HOC, as the engine reads it at settlement.
- An open admission at another institution blocks any visit type (the platform refuses a second
  settlement while a person is in hospital elsewhere); an open admission at this same institution is
  taken to be this admission being re-checked.
- Input that is wrong rather than a reason (an ID that fails its checksum, an unreadable gender, a
  chronic-outpatient visit without a disease code, a found person without a policy) raises YidiError.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from yidi.domain.enums import CrossRegionBasis, InsuranceStatus, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import (
    APP_EN,
    APP_ZH,
    FilingRecord,
    FilingStatus,
    filing_for,
    insurance_blocked,
    unlock_date,
)
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution, Person, province_of


class RatioCategory(StrEnum):
    """Which payment ratio rule the bill will use (the basis, refined by filing type)."""

    LOCAL = "LOCAL"  # insured-region local standards: local visit, or intra-province read as local
    LONG_TERM = "LONG_TERM"
    REFERRAL = "REFERRAL"
    EMERGENCY = "EMERGENCY"
    OTHER_TEMPORARY = "OTHER_TEMPORARY"
    UNFILED = "UNFILED"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason (or informational note): stable code, what happened, what to do, where, and its source."""

    code: str
    message_zh: str
    message_en: str
    action_zh: str
    action_en: str
    where_zh: str
    where_en: str
    section: str  # domain.md section the reason rests on, e.g. "9#1; 1.8"
    field: str = ""
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "action_zh": self.action_zh,
            "action_en": self.action_en,
            "where_zh": self.where_zh,
            "where_en": self.where_en,
            "section": self.section,
            "field": self.field,
            "blocking": self.blocking,
        }


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """The answer to one eligibility check; `eligible` is true exactly when `reasons` is empty."""

    eligible: bool
    basis: CrossRegionBasis | None
    filing: FilingRecord | None
    ratio_category: RatioCategory | None
    reasons: tuple[Reason, ...]
    notes: tuple[Reason, ...]
    insured_region: str | None
    treatment_region: str
    institution: str
    visit_type: VisitType
    day: dt.date

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        f = self.filing
        return {
            "eligible": self.eligible,
            "basis": self.basis.value if self.basis else None,
            "ratio_category": self.ratio_category.value if self.ratio_category else None,
            "filing": None if f is None else {
                "filing_id": f.filing_id,
                "type": f.type.value,
                "type_zh": f.type.zh,
                "treatment_area": f.treatment_area,
                "start": f.start.isoformat(),
                "end": f.last_day.isoformat() if f.last_day else None,
                "status": f.status.value,
            },
            "reasons": [r.as_dict() for r in self.reasons],
            "notes": [r.as_dict() for r in self.notes],
            "insured_region": self.insured_region,
            "treatment_region": self.treatment_region,
            "institution": self.institution,
            "visit_type": self.visit_type.value,
            "day": self.day.isoformat(),
        }


# Where the person acts (domain.md 9: app, hospital insurance office, insured-region agency).
_APP = (APP_ZH, APP_EN)
_HOSPITAL = ("本院医保办", "this hospital's insurance office (医保办)")
_AGENCY = ("参保地医保经办机构", "the medical insurance agency of the insured region")
_PREVIOUS = ("原住院医院医保办", "the insurance office of the hospital where the person is admitted")


def _where(*places: tuple[str, str]) -> tuple[str, str]:
    return "；".join(p[0] for p in places), "; ".join(p[1] for p in places)


# Every code this module can answer with, for API documentation.
REASON_CODES = (
    "PERSON_NOT_FOUND", "IDENTITY_MISMATCH", "INSURANCE_LAPSED", "INSURANCE_TERMINATED",
    "INSURANCE_TRANSFERRING", "INSURANCE_WAITING", "OPEN_ADMISSION", "NO_FILING", "FILING_EXPIRED",
    "FILING_NOT_YET_VALID", "FILING_OTHER_AREA", "FILING_HOSPITAL_NOT_CHOSEN", "FILING_PENDING_REVIEW",
    "HOSPITAL_NOT_NETWORKED", "CHRONIC_NOT_CERTIFIED", "CHRONIC_NOT_OPENED",
)
NOTE_CODES = ("NOT_CROSS_REGION", "INTRA_PROVINCE", "EMERGENCY_AS_FILED", "FILED_POST_HOC")


def _label(code: str, names: Mapping[str, str] | None) -> str:
    name = (names or {}).get(code)
    return f"{name}（{code}）" if name else code


# after NFKC: U+FF65 has become U+30FB and U+FF0E an ASCII full stop
_DOTS = str.maketrans({"\u2022": "·", "\u30fb": "·", "\u2027": "·", "\u2219": "·", ".": "·"})


def normalise_name(name: str) -> str:
    """Compare names as written: full-width folded, spaces dropped, every middle-dot variant one dot.

    Latin letters (foreigners' names) compare without case.
    """
    s = unicodedata.normalize("NFKC", name).casefold().translate(_DOTS)
    return "".join(s.split())


_GENDERS = {"M": "M", "F": "F", "1": "M", "2": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}


def parse_gender(value: str) -> str:
    """"M" or "F" from M/F, 男/女 or the platform's gend code 1/2."""
    g = _GENDERS.get(value.strip().upper())
    if g is None:
        raise YidiError("GENDER_FORMAT", f"性别应为 M/F、男/女 或 1/2，收到“{value}”",
                        f"gender must be M/F, 男/女 or 1/2, got {value!r}", "gender")
    return g


def _file_now(visit_type: VisitType) -> tuple[str, str]:
    """The post-hoc filing advice (domain.md 1.8) and the emergency-flag hint (1.9, 9#13)."""
    when_zh = "出院结算前" if visit_type is VisitType.INPATIENT else "本次结算前"
    when_en = "before discharge settlement" if visit_type is VisitType.INPATIENT else "before this visit is settled"
    return (
        f"现在就可以通过{APP_ZH}补办备案：只要在{when_zh}办好，本院即可直接结算（医保发〔2022〕22号 经办规程第16条）；"
        "如已结算，办好备案后持票据回参保地手工报销。如属急诊抢救，请本院医保办标记急诊，视同已备案。",
        f"File now through {APP_EN}: a filing completed {when_en} lets this hospital settle directly (D2022 "
        "art. 16); if already settled, file and claim manually at home. If this is an emergency, ask the "
        "hospital's insurance office to flag it: it then counts as filed.",
    )


_STATUS_REASON: dict[InsuranceStatus, tuple[str, str, str, str, str]] = {
    InsuranceStatus.LAPSED: (
        "INSURANCE_LAPSED", "参保状态为暂停（断缴）", "insurance is suspended (contributions lapsed)",
        "请到参保地补缴医保费用、恢复正常参保；待遇恢复后，按参保地规定可回参保地申请报销本次费用。",
        "pay the missing contributions at the insured region; once benefits resume, claim there if rules allow",
    ),
    InsuranceStatus.TERMINATED: (
        "INSURANCE_TERMINATED", "参保状态为终止", "insurance is terminated",
        "请到参保地医保经办机构核实参保状态；如已在其他地区参保，请以新参保地的参保身份就医和办理备案。",
        "check your status with the insured-region agency; if insured elsewhere now, use that insurance",
    ),
    InsuranceStatus.TRANSFERRING: (
        "INSURANCE_TRANSFERRING", "医保关系正在转移接续", "insurance is being transferred between regions",
        "请到转入地医保经办机构办结医保关系转移接续，办结后即可正常享受待遇。",
        "complete the transfer at the receiving region's agency; benefits follow once it is done",
    ),
}


def check_eligibility(
    person: Person | None,
    id_number: str,
    name: str,
    institution: Institution,
    visit_type: VisitType,
    day: dt.date,
    filings: Sequence[FilingRecord],
    policy: PolicyVersion | None,
    *,
    gender: str | None = None,
    emergency: bool = False,
    open_admissions: Sequence[tuple[str, dt.date]] = (),
    chronic_disease: str | None = None,
    today: dt.date | None = None,
    region_names: Mapping[str, str] | None = None,
) -> EligibilityResult:
    """Decide whether a visit can settle directly and give every reason it cannot (domain.md 9).

    `person`: the insured record found for `id_number`, or None. `day`: the visit (admission) day;
    `today`: the day of the check (default `day`; later while the person is in hospital). `filings`: the
    person's filing records, any status. `policy`: the insured region's policy version in force on `day`.
    `open_admissions`: (institution code, admitted since) of admissions not yet discharge-settled.
    """
    cid = parse_citizen_id(id_number)
    presented_gender = parse_gender(gender) if gender else None
    if visit_type is VisitType.CHRONIC_OUTPATIENT and not (chronic_disease or "").strip():
        raise YidiError("CHRONIC_DISEASE_REQUIRED", "门诊慢特病就医须给出病种编码", "a chronic-outpatient "
                        "visit needs the chronic disease code", "chronic_disease")
    check_day = today or day
    reasons: list[Reason] = []
    notes: list[Reason] = []
    region = institution.region

    def result(basis: CrossRegionBasis | None, ratio: RatioCategory | None,
               filing: FilingRecord | None = None) -> EligibilityResult:
        return EligibilityResult(
            eligible=not reasons, basis=basis, filing=filing, ratio_category=ratio, reasons=tuple(reasons),
            notes=tuple(notes), insured_region=person.insured_region if person else None,
            treatment_region=region, institution=institution.code, visit_type=visit_type, day=day,
        )

    # --- who is this (domain.md 9#7)
    if presented_gender is not None and presented_gender != cid.gender:
        zh_g = {"M": "男", "F": "女"}
        reasons.append(Reason(
            "IDENTITY_MISMATCH",
            f"所填性别（{zh_g[presented_gender]}）与身份证号码不符：该号码对应{zh_g[cid.gender]}性（号码第17位表示性别）",
            f"the gender given ({presented_gender}) does not match the ID number ({cid.gender})",
            "请核对所填性别和身份证号码；如参保登记信息有误，请到参保地医保经办机构更正，就医时可改用医保电子凭证。",
            "check the gender and ID number; have wrong registration data corrected at the insured region, and "
            "use the e-credential meanwhile",
            *_where(_HOSPITAL, _AGENCY), "9#7", "gender",
        ))
    if person is None:
        reasons.append(Reason(
            "PERSON_NOT_FOUND",
            f"按身份证号码 {mask_id(cid.number)} 查不到参保信息",
            f"no insured person found for ID {mask_id(cid.number)}",
            f"请核对身份证号码；确认已参加基本医疗保险（可在{APP_ZH}查询参保信息）；刚参保或信息有误的，请联系参保地医保经办机构。",
            f"check the ID number; confirm you are insured (look it up in {APP_EN}); if newly insured or the data "
            "is wrong, contact the insured-region agency",
            *_where(_APP, _AGENCY), "9#7; 1.1", "id_number",
        ))
        _open_admissions(reasons, institution, day, open_admissions)
        return result(None, None)

    if person.citizen_id.number != cid.number:
        reasons.append(Reason(
            "IDENTITY_MISMATCH",
            f"身份证号码 {mask_id(cid.number)} 与参保记录（{mask_id(person.citizen_id.number)}）不一致",
            "the ID number does not match the insured record",
            "请核对身份证号码或医保卡；卡片信息有误时改用医保电子凭证或身份证号码就医，并到参保地医保经办机构更正。",
            "check the ID number or card; use the e-credential or ID number instead of a faulty card and have the "
            "record corrected at the insured region",
            *_where(_HOSPITAL, _AGENCY), "9#7", "id_number",
        ))
    if normalise_name(name) != normalise_name(person.name):
        reasons.append(Reason(
            "IDENTITY_MISMATCH",
            f"所填姓名“{name.strip()}”与参保登记姓名不一致",
            "the name given does not match the insured record",
            "请核对姓名（少数民族姓名请注意中间的间隔点“·”）；如参保登记信息有误，请到参保地医保经办机构更正。",
            "check the spelling of the name (including the middle dot of minority names); have wrong "
            "registration data corrected at the insured region",
            *_where(_HOSPITAL, _AGENCY), "9#7", "name",
        ))

    # --- insurance status on the visit day (domain.md 1.1, 9#6)
    if insurance_blocked(person, day):
        since = person.status_since
        if person.status is InsuranceStatus.WAITING:
            until = f"至 {since}" if since else ""
            reasons.append(Reason(
                "INSURANCE_WAITING",
                f"处于医保待遇等待期{until}，等待期内不能享受医保待遇",
                f"in a waiting period{' until ' + since.isoformat() if since else ''}: no benefits yet",
                "等待期满后才能享受待遇；等待期内的费用由个人负担，请保留票据，按参保地规定咨询能否补报。",
                "benefits start after the waiting period; keep the receipts and ask the insured region whether "
                "costs meanwhile can be claimed",
                *_where(_AGENCY), "9#6", "person",
            ))
        else:
            code, zh, en, act_zh, act_en = _STATUS_REASON[person.status]
            reasons.append(Reason(
                code, f"{zh}{f'（自 {since} 起）' if since else ''}，不能享受医保待遇",
                f"{en}{f' since {since}' if since else ''}: no benefits", act_zh, act_en,
                *_where(_AGENCY), "9#6; 1.1", "person",
            ))

    _open_admissions(reasons, institution, day, open_admissions)

    # --- chronic disease certified at home (domain.md 2.5, 9#10): applies to local visits too
    disease = (chronic_disease or "").strip()
    if visit_type is VisitType.CHRONIC_OUTPATIENT and disease not in person.chronic_diseases:
        reasons.append(Reason(
            "CHRONIC_NOT_CERTIFIED",
            f"未在参保地取得门诊慢特病（{disease}）待遇资格认定",
            f"no chronic-disease qualification for {disease} at the insured region",
            "请先到参保地医保经办机构（或其线上渠道）申请该病种的门诊慢特病资格认定，认定后即可按门诊慢特病结算。",
            "apply for the chronic-disease qualification at the insured region first",
            *_where(_AGENCY), "9#10; 2.5", "chronic_disease",
        ))

    if policy is None:
        raise YidiError("POLICY_NOT_FOUND", f"参保地 {person.insured_region} 在 {day} 没有生效的医保政策",
                        f"no policy of insured region {person.insured_region} in force on {day}", "day")
    insured = person.insured_region

    # --- local, or intra-province read as local: not a cross-region case
    if region == insured:
        notes.append(Reason(
            "NOT_CROSS_REGION", "在参保地本地就医，不属于异地就医，无需备案，按参保地本地政策结算",
            "treated in the insured region itself: not a cross-region case, no filing needed, local rules apply",
            "按本地就医流程办理即可。", "follow the local procedure", *_where(_HOSPITAL), "9#9", blocking=False,
        ))
        return result(CrossRegionBasis.LOCAL, RatioCategory.LOCAL)
    if province_of(region) == province_of(insured) and policy.cross_region.intra_province == "local":
        notes.append(Reason(
            "INTRA_PROVINCE",
            f"在参保省内的 {_label(region, region_names)} 就医，不属于跨省异地就医；按本省省内异地就医规定执行，参保地按本地政策结算",
            "treated in another region of the insured province: not cross-province; provincial rules apply and "
            "the insured region pays at its local standards",
            "无需办理跨省异地就医备案；省内是否需要备案以本省规定为准（多数省份已取消）。",
            "no cross-province filing is needed; provincial rules decide whether an intra-province one is",
            *_where(_HOSPITAL, _AGENCY), "9#9; 1.1", blocking=False,
        ))
        return result(CrossRegionBasis.INTRA_PROVINCE, RatioCategory.LOCAL)

    # --- cross-region: the hospital must be networked for this visit type (domain.md 2.5, 9#5)
    if not institution.networked_for(visit_type):
        reasons.append(Reason(
            "HOSPITAL_NOT_NETWORKED",
            f"{institution.name}未开通{visit_type.zh}跨省直接结算",
            f"{institution.name} is not networked for cross-province direct settlement of "
            f"{visit_type.value.lower().replace('_', ' ')} care",
            f"请选择已开通{visit_type.zh}跨省直接结算的定点医疗机构（可在{APP_ZH}查询）；"
            "如在本院就医，需先全额自付，再持票据回参保地手工报销。",
            f"choose an institution networked for this visit type (search in {APP_EN}); if treated here, pay in "
            "full and claim manually at the insured region",
            *_where(_APP, _HOSPITAL), "9#5; 2.1", "institution",
        ))
    elif visit_type is VisitType.CHRONIC_OUTPATIENT and disease not in institution.chronic_diseases:
        reasons.append(Reason(
            "CHRONIC_NOT_OPENED",
            f"{institution.name}未开通该门诊慢特病（{disease}）的跨省直接结算",
            f"{institution.name} has not opened chronic disease {disease} for cross-province settlement",
            f"请到已开通该病种跨省直接结算的定点医疗机构就医（可在{APP_ZH}查询）；在本院就医需先自付，再回参保地手工报销。",
            f"go to an institution that has opened this disease (search in {APP_EN}); if treated here, pay and "
            "claim manually at the insured region",
            *_where(_APP, _HOSPITAL), "9#10; 2.5", "chronic_disease",
        ))

    # --- the filing that covers the visit (domain.md 1, 9#1-4, 13)
    filing = filing_for(filings, region, day, institution.code)
    if filing is None and check_day > day:
        later = filing_for(filings, region, check_day, institution.code)
        if later is not None:
            filing = later
            notes.append(Reason(
                "FILED_POST_HOC",
                f"备案 {later.filing_id} 于入院后补办（{later.start} 起），在出院结算前办好，本次可直接结算",
                f"filing {later.filing_id} was made after admission and before discharge settlement: direct "
                "settlement applies",
                "出院时在本院直接结算即可。", "settle directly at discharge",
                *_where(_HOSPITAL), "1.8", blocking=False,
            ))
    if filing is not None:
        basis = CrossRegionBasis.LONG_TERM if filing.long_term else CrossRegionBasis.TEMPORARY
        # temporary filing types and their ratio categories share names (REFERRAL, EMERGENCY, OTHER_TEMPORARY)
        ratio = RatioCategory.LONG_TERM if filing.long_term else RatioCategory(filing.type.value)
        return result(basis, ratio, filing)
    if emergency:
        notes.append(Reason(
            "EMERGENCY_AS_FILED",
            "医院已将本次就医标记为急诊抢救，视同已备案，可直接结算",
            "the hospital flagged the visit as an emergency: it counts as filed and settles directly",
            "请保留急诊抢救病历；如参保地另有要求，出院后按其规定补办手续。",
            "keep the emergency records",
            *_where(_HOSPITAL), "1.9; 9#13", blocking=False,
        ))
        return result(CrossRegionBasis.TEMPORARY, RatioCategory.EMERGENCY)

    _filing_reasons(reasons, filings, institution, visit_type, day, check_day, policy, region_names)
    return result(CrossRegionBasis.UNFILED, RatioCategory.UNFILED)


def _open_admissions(
    reasons: list[Reason], institution: Institution, day: dt.date, open_admissions: Sequence[tuple[str, dt.date]]
) -> None:
    for code, since in open_admissions:
        if code == institution.code or since > day:
            continue
        reasons.append(Reason(
            "OPEN_ADMISSION",
            f"您在医疗机构 {code} 自 {since} 起有尚未出院结算的住院记录",
            f"an admission at institution {code} since {since} is still open (not discharge-settled)",
            "请原住院医院先办理出院结算，或撤销该住院登记，之后才能在本院直接结算。",
            "the hospital of the open admission must settle the discharge or revoke the admission first",
            *_where(_PREVIOUS, _HOSPITAL), "9#11", "open_admissions",
        ))


def _filing_reasons(
    reasons: list[Reason],
    filings: Sequence[FilingRecord],
    institution: Institution,
    visit_type: VisitType,
    day: dt.date,
    check_day: dt.date,
    policy: PolicyVersion,
    names: Mapping[str, str] | None,
) -> None:
    """Why no filing covers the visit: every specific cause found, else NO_FILING."""
    region = institution.region
    file_zh, file_en = _file_now(visit_type)
    here = _label(region, names)
    start_count = len(reasons)
    active = [r for r in filings if r.status is FilingStatus.ACTIVE]

    pending = [r for r in filings if r.status is FilingStatus.PENDING_REVIEW and r.area_covers(region)
               and (r.in_dates(day) or r.in_dates(check_day))]
    for r in pending[:1]:
        reasons.append(Reason(
            "FILING_PENDING_REVIEW",
            f"备案 {r.filing_id}（{r.type.zh}，{_label(r.treatment_area, names)}）正在参保地审核，尚未生效",
            f"filing {r.filing_id} is waiting for review by the insured region and is not in force yet",
            "审核通过后即可直接结算；请联系参保地医保经办机构尽快审核，务必在出院（本次）结算前完成；"
            "来不及的，先自付，审核通过后回参保地手工报销。",
            "it settles directly once approved: ask the insured-region agency to review it before settlement; "
            "otherwise pay and claim manually after approval",
            *_where(_AGENCY, _APP), "9#1; 1.5", "filings",
        ))

    here_area = [r for r in active if r.area_covers(region)]
    expired = sorted((r for r in here_area if r.last_day is not None and r.last_day < day), key=lambda r: r.start)
    if expired:
        r = expired[-1]
        reasons.append(Reason(
            "FILING_EXPIRED",
            f"备案 {r.filing_id}（{r.type.zh}，{_label(r.treatment_area, names)}）已于 {r.last_day} 到期，不覆盖 {day} 的就医",
            f"filing {r.filing_id} ended on {r.last_day} and does not cover {day}",
            "请重新办理备案（临时外出就医备案有效期不少于6个月）。" + file_zh,
            "file again (a temporary filing is valid for at least 6 months). " + file_en,
            *_where(_APP, _HOSPITAL), "9#2; 1.6; 1.8", "filings",
        ))
    future = sorted((r for r in here_area if r.start > day), key=lambda r: r.start)
    if future:
        r = future[0]
        reasons.append(Reason(
            "FILING_NOT_YET_VALID",
            f"备案 {r.filing_id}（{r.type.zh}，{_label(r.treatment_area, names)}）自 {r.start} 起生效，{day} 尚未生效",
            f"filing {r.filing_id} starts on {r.start}, after the visit day {day}",
            "可在生效前把备案开始日期变更为就医当天，或另行办理临时外出就医备案。" + file_zh,
            "change the filing to start on the visit day (allowed before it starts) or file a temporary one. "
            + file_en,
            *_where(_APP, _HOSPITAL), "9#2; 1.7; 1.8", "filings",
        ))
    not_chosen = [r for r in here_area if r.in_dates(day) and r.institutions and institution.code not in r.institutions]
    if not_chosen:
        r = not_chosen[0]
        reasons.append(Reason(
            "FILING_HOSPITAL_NOT_CHOSEN",
            f"备案 {r.filing_id} 选定的医疗机构（{'、'.join(r.institutions)}）不包括{institution.name}",
            f"filing {r.filing_id} names chosen hospitals that do not include {institution.code}",
            "请到备案选定的医疗机构就医，或变更备案把本院加入选定医疗机构。" + file_zh,
            "go to a chosen hospital, or change the filing to add this one. " + file_en,
            *_where(_APP, _AGENCY), "1.5; 9#3", "filings",
        ))

    elsewhere = [r for r in active if not r.area_covers(region) and r.in_dates(day)]
    for r in elsewhere:
        lock = ""
        lock_en = ""
        unlock = unlock_date(r, policy.filing)
        if r.long_term:
            if unlock is not None and r.start <= check_day < unlock:
                lock = f"您的长期备案在 {unlock} 前不能变更，请另行办理临时外出就医备案（转诊或其他临时外出就医）。"
                lock_en = f"Your long-term filing cannot be changed before {unlock}: file a temporary one. "
            else:
                lock = "长期备案人员临时到其他地方就医的，请另行办理临时外出就医备案，或将长期备案变更到实际居住地。"
                lock_en = "A long-term filer treated elsewhere files a temporary filing, or changes the long-term one. "
        else:
            lock = "请为实际就医地另行办理临时外出就医备案。"
            lock_en = "File a temporary filing for the actual treatment area. "
        reasons.append(Reason(
            "FILING_OTHER_AREA",
            f"备案 {r.filing_id}（{r.type.zh}）的就医地是 {_label(r.treatment_area, names)}，不是本次就医的 {here}",
            f"filing {r.filing_id} covers {r.treatment_area}, not {region} where you are treated",
            lock + file_zh, lock_en + file_en,
            *_where(_APP, _HOSPITAL), "9#3; 1.7; 1.8", "filings",
        ))

    if len(reasons) == start_count:
        reasons.append(Reason(
            "NO_FILING",
            f"没有覆盖本次就医（{here}，{day}）的跨省异地就医备案",
            f"no cross-province filing covers treatment in {region} on {day}",
            file_zh, file_en, *_where(_APP, _HOSPITAL), "9#1; 1.8; 1.9", "filings",
        ))

