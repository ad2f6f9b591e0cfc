"""Why no filing covers a visit: every specific cause found (pending, expired, not yet valid, hospital not
chosen, another area), else NO_FILING — each with what to do now (docs/rules.md R-1.5–R-1.8, R-9.1–R-9.4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from yidi.domain.eligibility.result import AGENCY, APP, HOSPITAL, Reason, label, where
from yidi.domain.enums import InstitutionKind, VisitType
from yidi.domain.filing_rules import APP_EN, APP_ZH, FilingRecord, FilingStatus, unlock_date
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution


def file_now(visit_type: VisitType, pharmacy: bool = False) -> tuple[str, str]:
    """The post-hoc filing advice (R-1.8) and the emergency-flag hint (R-1.9, R-9.13); at a pharmacy (whose
    region's pack says `pharmacy.filing_required`, the default) file first, then buy."""
    if pharmacy:
        return (
            f"参保地规定在外地定点药店购药须先备案：请通过{APP_ZH}办理备案（就医地选本药店所在地），办好后再来本店结算；"
            "也可以先自费购买，保留票据回参保地按规定报销。",
            f"The insured region wants a filing for purchases at pharmacies elsewhere: file through {APP_EN} (the "
            "treatment area where this pharmacy is), then settle here; or pay yourself and claim at home.",
        )
    when_zh = "出院结算前" if visit_type is VisitType.INPATIENT else "本次结算前"
    when_en = "before discharge settlement" if visit_type is VisitType.INPATIENT else "before this visit is settled"
    return (
        f"现在就可以通过{APP_ZH}补办备案：只要在{when_zh}办好，本院即可直接结算（医保发〔2022〕22号 经办规程第16条）；"
        "如已结算，办好备案后持票据回参保地手工报销。如属急诊抢救，请本院医保办标记急诊，视同已备案。",
        f"File now through {APP_EN}: a filing completed {when_en} lets this hospital settle directly (D2022 "
        "art. 16); if already settled, file and claim manually at home. If this is an emergency, ask the "
        "hospital's insurance office to flag it: it then counts as filed.",
    )


def filing_reasons(
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
    file_zh, file_en = file_now(visit_type, institution.kind is InstitutionKind.PHARMACY)
    here = label(region, names)
    start_count = len(reasons)
    active = [r for r in filings if r.status is FilingStatus.ACTIVE]

    pending = [r for r in filings if r.status is FilingStatus.PENDING_REVIEW and r.area_covers(region)
               and (r.in_dates(day) or r.in_dates(check_day))]
    for r in pending[:1]:
        reasons.append(Reason(
            "FILING_PENDING_REVIEW",
            f"备案 {r.filing_id}（{r.type.zh}，{label(r.treatment_area, names)}）正在参保地审核，尚未生效",
            f"filing {r.filing_id} is waiting for review by the insured region and is not in force yet",
            "审核通过后即可直接结算；请联系参保地医保经办机构尽快审核，务必在出院（本次）结算前完成；"
            "来不及的，先自付，审核通过后回参保地手工报销。",
            "it settles directly once approved: ask the insured-region agency to review it before settlement; "
            "otherwise pay and claim manually after approval",
            *where(AGENCY, APP), "R-9.1; R-1.5", "filings",
        ))

    here_area = [r for r in active if r.area_covers(region)]
    expired = sorted((r for r in here_area if r.last_day is not None and r.last_day < day), key=lambda r: r.start)
    if expired:
        r = expired[-1]
        reasons.append(Reason(
            "FILING_EXPIRED",
            f"备案 {r.filing_id}（{r.type.zh}，{label(r.treatment_area, names)}）已于 {r.last_day} 到期，不覆盖 {day} 的就医",
            f"filing {r.filing_id} ended on {r.last_day} and does not cover {day}",
            "请重新办理备案（临时外出就医备案有效期不少于6个月）。" + file_zh,
            "file again (a temporary filing is valid for at least 6 months). " + file_en,
            *where(APP, HOSPITAL), "R-9.2; R-1.6; R-1.8", "filings",
        ))
    future = sorted((r for r in here_area if r.start > day), key=lambda r: r.start)
    if future:
        r = future[0]
        reasons.append(Reason(
            "FILING_NOT_YET_VALID",
            f"备案 {r.filing_id}（{r.type.zh}，{label(r.treatment_area, names)}）自 {r.start} 起生效，{day} 尚未生效",
            f"filing {r.filing_id} starts on {r.start}, after the visit day {day}",
            "可在生效前把备案开始日期变更为就医当天，或另行办理临时外出就医备案。" + file_zh,
            "change the filing to start on the visit day (allowed before it starts) or file a temporary one. "
            + file_en,
            *where(APP, HOSPITAL), "R-9.2; R-1.7; R-1.8", "filings",
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
            *where(APP, AGENCY), "R-1.5; R-9.3", "filings",
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
            f"备案 {r.filing_id}（{r.type.zh}）的就医地是 {label(r.treatment_area, names)}，不是本次就医的 {here}",
            f"filing {r.filing_id} covers {r.treatment_area}, not {region} where you are treated",
            lock + file_zh, lock_en + file_en,
            *where(APP, HOSPITAL), "R-9.3; R-1.7; R-1.8", "filings",
        ))

    if len(reasons) == start_count:
        reasons.append(Reason(
            "NO_FILING",
            f"没有覆盖本次就医（{here}，{day}）的跨省异地就医备案",
            f"no cross-province filing covers treatment in {region} on {day}",
            file_zh, file_en, *where(APP, HOSPITAL), "R-9.1; R-1.8; R-1.9", "filings",
        ))

