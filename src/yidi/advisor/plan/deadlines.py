"""The deadlines of a plan: post-hoc filing, the manual claim, the filing's validity and its change lock."""

from __future__ import annotations

import datetime as dt

from yidi.advisor.models import Deadline, Settlement
from yidi.advisor.plan.context import Ctx, by_when, treated_of
from yidi.advisor.plan.filing import validity
from yidi.domain.enums import FilingType
from yidi.domain.filing_rules import add_months


def deadline_list(c: Ctx, st: Settlement, ftype: FilingType | None) -> list[Deadline]:
    out: list[Deadline] = []
    s, v = c.s, c.version
    if st.status == "POSSIBLE_AFTER" and treated_of(c) and any(r.code == "FILE" for r in st.requires):
        zh, en = by_when(s.visit_type)
        out.append(Deadline(kind="posthoc_filing", date=None, text_zh=f"补办备案：{zh}办好，才能直接结算",
                            text_en=f"post-hoc filing: {en}", cites=c.rules("R-1.8")))
    if st.status in ("MANUAL_CLAIM", "BLOCKED", "DIRECT", "POSSIBLE_AFTER", "EMERGENCY_AS_FILED") and c.scope != "LOCAL" \
            and c.scope != "INTRA_PROVINCE":
        if v is not None:
            mc = v.manual_claim
            due = s.paid_on + dt.timedelta(days=mc.deadline_days) if s.paid_on else None
            passed = due is not None and due < c.today
            zh = (f"手工报销：结算（付款）后 {mc.deadline_days} 天内向参保地申请" + (f"，即 {due} 前" if due else "")
                  + f"；审核约 {mc.processing_working_days} 个工作日")
            if st.status not in ("MANUAL_CLAIM", "BLOCKED"):
                zh = "万一需要" + zh
            out.append(Deadline(kind="manual_claim", date=due, passed=passed, text_zh=zh,
                                text_en=f"manual claim within {mc.deadline_days} days of payment" + (f" (by {due})" if due else ""),
                                cites=[*c.rules("R-4.4"), c.p("manual_claim.deadline_days", mc.source, v.source)]))
            if passed:
                c.warn("CLAIM_DEADLINE_PASSED", f"按参保地规定，手工报销应在 {due} 前申请，已经过期。",
                       f"the manual-claim deadline {due} has passed.", "请尽快联系参保地医保经办机构说明情况。",
                       "contact the insured-region agency at once", [*c.rules("R-4.4"), c.p("manual_claim.deadline_days", mc.source, v.source)])
        else:
            out.append(Deadline(kind="manual_claim", date=None, text_zh="手工报销期限由参保地规定（常见为1至2年），请向参保地确认",
                                text_en="the manual-claim deadline is set by the insured region", cites=c.rules("R-4.4")))
    if ftype is not None and st.status in ("DIRECT", "POSSIBLE_AFTER") and v is not None:
        fr = v.filing
        if ftype.long_term:
            out.append(Deadline(kind="filing_validity", date=None, text_zh="长期备案长期有效，直到变更或取消",
                                text_en="a long-term filing is valid until changed or cancelled",
                                cites=[*c.rules("R-1.6"), c.p("filing", fr.source, v.source)]))
            if fr.min_months_before_change:
                start = s.filing_start if s.filed and s.filing_start else None
                unlock = add_months(start, fr.min_months_before_change) if start else None
                out.append(Deadline(kind="change_lock", date=unlock,
                                    text_zh=f"备案后 {fr.min_months_before_change} 个月内不能变更或取消" + (f"（{unlock} 起可以）" if unlock else ""),
                                    text_en=f"no change or cancellation within {fr.min_months_before_change} months",
                                    cites=[*c.rules("R-1.7"), c.p("filing.min_months_before_change", fr.source, v.source)]))
        elif ftype is not FilingType.EMERGENCY:
            end = validity(c, ftype)
            out.append(Deadline(kind="filing_validity", date=end,
                                text_zh=f"临时备案有效期 {fr.temporary_validity_months} 个月" + (f"，到 {end}" if end else "")
                                + "；期内多次就医都能直接结算",
                                text_en=f"a temporary filing lasts {fr.temporary_validity_months} months" + (f" (to {end})" if end else ""),
                                cites=[*c.rules("R-1.6"), c.p("filing.temporary_validity_months", fr.source, v.source)]))
    return out
