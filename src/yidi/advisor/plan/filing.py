"""The filing side of a case: which filing type the reason for the stay calls for, whether the filing a
person holds covers this visit, and how long a temporary one lasts (docs/rules.md R-1.2, R-1.6, R-1.7)."""

from __future__ import annotations

import datetime as dt

from yidi.advisor.models import StayReason
from yidi.advisor.plan.context import REASON_FILING, Ctx, category_of, treated_of
from yidi.domain.enums import Category, FilingType
from yidi.domain.filing_rules import area_covers, validity_end


def filing_for_reason(c: Ctx) -> FilingType | None:
    s = c.s
    if s.reason is None:
        return None
    ft = REASON_FILING[s.reason]
    if ft is FilingType.RETIREE_RESETTLED and category_of(c) is Category.ACTIVE:
        ft = FilingType.LONG_TERM_RESIDENT  # the resettled-retiree type is for retirees only
    if ft is FilingType.REFERRAL and s.referral_certificate is False:
        ft = FilingType.OTHER_TEMPORARY  # no certificate: other temporary, with its larger cut
    return ft


def check_held(c: Ctx, held: FilingType | None) -> tuple[FilingType | None, FilingType | None]:
    """Whether the filing the person holds covers this visit. Returns (covering type, type to file instead)."""
    s = c.s
    if held is None:
        return None, None
    day = s.admitted_on or c.today
    if s.filing_area is not None and c.current is not None and not area_covers(s.filing_area, c.current):
        lock = c.version.filing.min_months_before_change if c.version else 6
        c.warn("FILING_OTHER_AREA", f"您的备案就医地是{c.region_name(s.filing_area)}，不是现在的{c.region_name(c.current)}，这次不能用它结算。",
               f"your filing is for {s.filing_area}, not {c.current}.",
               "为实际就医地另办临时外出就医备案，或变更备案。", "file a temporary filing for where you are, or change it",
               c.rules("R-9.3", "R-9.4", "R-1.7"))
        c.step("change_filing_area", lock_months=lock)
        return None, filing_for_reason(c) if not held.long_term else (
            filing_for_reason(c) if c.s.reason in (StayReason.REFERRED, StayReason.EMERGENCY) else FilingType.OTHER_TEMPORARY)
    end = s.filing_end
    if end is None and s.filing_start is not None and not held.long_term and c.version is not None:
        end = validity_end(s.filing_start, c.version.filing.temporary_validity_months)
    if end is not None and day > end:
        c.warn("FILING_EXPIRED", f"您的备案已于 {end} 到期，不覆盖 {day} 的就医。", f"your filing ended on {end}.",
               "重新办理备案（临时备案有效期不少于6个月）。", "file again", c.rules("R-9.2", "R-1.6"))
        return None, held
    if s.filing_start is not None and s.filing_start > day and not (treated_of(c) and s.filing_start <= c.today):
        c.warn("FILING_NOT_YET_VALID", f"您的备案 {s.filing_start} 才生效，{day} 还没生效。", f"your filing starts on {s.filing_start}.",
               "把备案开始日期改到就医当天，或另办临时备案。", "change the start date or file a temporary one", c.rules("R-9.2", "R-1.7"))
        return None, held
    if s.filing_area is None and c.current is not None:
        c.assumptions.append(f"假设您的备案就医地是{c.region_name(c.current)}（未告知备案地）")
    return held, None


def validity(c: Ctx, ft: FilingType) -> dt.date | None:
    if c.version is None or ft.long_term or ft is FilingType.EMERGENCY:
        return None
    if c.s.filed and c.s.filing_end is not None:
        return c.s.filing_end
    start = c.s.filing_start if c.s.filed and c.s.filing_start else (c.s.admitted_on if treated_of(c) and c.s.admitted_on else c.today)
    return validity_end(start, c.version.filing.temporary_validity_months)
