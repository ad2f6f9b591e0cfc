"""Purchases at a designated pharmacy (定点零售药店): which benefit the insured region lets them use.

docs/policy-pack.md `pharmacy`: `pays: account_only` (default) — the pooled fund pays nothing, the personal
account may pay the person's share as its own rules say; `pays: outpatient` — the outpatient benefit as
for a clinic visit; a CHRONIC_OUTPATIENT purchase (a certified 门诊慢特病) takes the chronic benefit, at a
双通道 pharmacy only and where `chronic_at_dual_channel` allows it. A pharmacy has no inpatient care.
"""

from __future__ import annotations

from yidi.domain.bill import Bill
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.engine.context import Ctx
from yidi.domain.enums import InstitutionKind, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution


def account_only(bill: Bill, inst: Institution, version: PolicyVersion, out: Breakdown, ctx: Ctx) -> bool:
    """True when this purchase may use the personal account only (the fund pays nothing); refuses a
    purchase the pack does not allow at this pharmacy."""
    if inst.kind is not InstitutionKind.PHARMACY:
        return False
    rules = version.pharmacy
    if bill.visit_type is VisitType.INPATIENT:
        raise error("PHARMACY_VISIT_TYPE", field="visit_type")
    if bill.visit_type is VisitType.CHRONIC_OUTPATIENT:
        if not (inst.dual_channel and rules.chronic_at_dual_channel):
            raise error("PHARMACY_NOT_DUAL_CHANNEL", institution=inst.code)
        out.steps.append(Step(
            "pharmacy.chronic", f"在双通道药店{inst.name}购买门诊慢特病用药，按门诊慢特病待遇结算。",
            "A chronic-disease purchase at a dual-channel pharmacy: the chronic benefit applies.",
            ctx.clause("pharmacy.chronic_at_dual_channel", rules.source, version.source)))
        return False
    if rules.pays == "outpatient":
        out.steps.append(Step(
            "pharmacy.outpatient", f"在定点零售药店{inst.name}购药，参保地规定可按普通门诊统筹结算。",
            "A pharmacy purchase: the insured region lets the outpatient benefit pay.",
            ctx.clause("pharmacy.pays", rules.source, version.source)))
        return False
    zh = f"在定点零售药店{inst.name}购药，参保地规定只能使用个人账户支付，统筹基金不支付。"
    out.steps.append(Step("pharmacy.account_only", zh,
                          "A pharmacy purchase: the insured region lets only the personal account pay.",
                          ctx.clause("pharmacy.pays", rules.source, version.source)))
    out.warnings.append(zh)
    return True
