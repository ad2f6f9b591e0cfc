"""The settlement path of a plan: can the person settle directly, what makes it possible, the steps in order,
and the basis the money follows (yidi.domain.scope) — the same reading as yidi.domain.eligibility.

At home or inside the home province the answer is the local procedure. Away, it is decided in this order:
insurance restored first; questions still open; already paid in full (manual claim); a hospital that cannot
settle after treatment; a covering filing (direct); emergency (treated as filed); a filing to make, post hoc
before discharge where the person is already treated; else what must be fixed first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yidi.advisor.models import ChannelRef, Cite, Requirement, Settlement, SettlementStatus, StayReason
from yidi.advisor.plan.context import (
    BLOCKING_STATUS,
    FILING_CHANNELS,
    FILING_EN,
    VISIT_EN,
    Ctx,
    by_when,
    treated_of,
)
from yidi.advisor.plan.filing import check_held, filing_for_reason, validity
from yidi.advisor.plan.reading import ask_visit
from yidi.domain.enums import FilingType, VisitType
from yidi.domain.scope import Scope, basis_of


@dataclass
class _Filing:
    """What the case's filing means for the path."""

    covering: FilingType | None  # the filing held covers this visit
    emergency: bool  # emergency care, counted as filed
    need: FilingType | None  # the filing to make
    planned: FilingType | None  # the type the plan follows (covering, emergency or to make)


@dataclass
class _Path:
    status: SettlementStatus
    direct: bool | None
    text_zh: str
    text_en: str
    cites: list[Cite]
    by_zh: str = ""
    by_en: str = ""
    channels: list[ChannelRef] = field(default_factory=list)


def settlement_path(c: Ctx) -> tuple[Settlement, FilingType | None, str | None]:
    """Decide the settlement path. Returns it, the filing type the money follows, and the basis."""
    blocked = _status_blocked(c)
    if c.scope in (Scope.LOCAL, Scope.INTRA_PROVINCE):
        return _at_home(c, blocked)
    return _away(c, blocked)


def chronic_uncertified_at_home(c: Ctx) -> Settlement | None:
    """A chronic-outpatient visit without the insured region's certification cannot settle as one, at home
    or in the home province either (R-2.5, R-9.10; the same reading as yidi.domain.eligibility)."""
    if c.s.visit_type is not VisitType.CHRONIC_OUTPATIENT or c.s.chronic_certified is not False:
        return None
    c.warn("CHRONIC_NOT_CERTIFIED", "还没有在参保地取得门诊慢特病待遇资格认定，不能按门诊慢特病结算。",
           "no chronic-disease qualification at the insured region yet.",
           "先在参保地申请该病种的资格认定。", "apply for the qualification at home first", c.rules("R-9.10", "R-2.5"))
    c.step("certify_chronic")
    return Settlement(status="POSSIBLE_AFTER", direct_possible=False,
                      text_zh="现在还不能按门诊慢特病结算：先在参保地取得资格认定。",
                      text_en="not yet: certify the chronic disease at the insured region first.",
                      requires=[Requirement(code="CERTIFY_CHRONIC", text_zh="在参保地取得门诊慢特病资格认定",
                                            text_en="certify the chronic disease at the insured region",
                                            cites=c.rules("R-2.5", "R-9.10"))],
                      cites=c.rules("R-2.5", "R-9.10"))


def _status_blocked(c: Ctx) -> bool:
    st = c.s.insurance_status
    if st is None:
        c.assumptions.append("假设参保状态正常（未告知参保状态）")
        return False
    if st not in BLOCKING_STATUS:
        return False
    code, zh, en = BLOCKING_STATUS[st]
    c.warn(code, f"{zh}：不能享受医保待遇，也不能直接结算。", f"{en}: no benefits and no direct settlement.",
           "先到参保地补缴或办结手续，待遇恢复后再就医结算；已发生的费用保留票据，按参保地规定申请。",
           "restore the insurance at the insured region first; keep receipts of costs meanwhile", c.rules("R-9.6", "R-1.1"))
    return True


def _at_home(c: Ctx, blocked: bool) -> tuple[Settlement, FilingType | None, str | None]:
    """Care in the insured region, or inside its province read as local: the local procedure (R-9.9)."""
    if c.scope == Scope.LOCAL:
        c.warn("NOT_CROSS_REGION", "在参保地本地就医，不属于异地就医，无需备案。", "treated at home: not a cross-region case.",
               "按本地流程就医结算。", "follow the local procedure", c.rules("R-9.9"))
        step, zh, en = "local_procedure", "在参保地本地就医，按本地流程直接结算。", "local care: settles as usual"
        cites = c.rules("R-9.9")
    else:
        c.warn("INTRA_PROVINCE", f"{c.region_name(c.current)}与参保地在同一省内，不属于跨省异地就医，不用办跨省备案；按本省省内异地就医规定执行。",
               "inside the home province: not cross-province; provincial rules apply.",
               "省内是否需要备案以本省规定为准（多数省份已取消）。", "your province decides whether a filing is needed",
               c.rules("R-9.9", "R-1.1"))
        step, zh, en = ("intra_province", "省内异地就医：按本省规定直接结算，参保地按本地标准报销。",
                        "intra-province care: provincial rules, insured-region local standards")
        cites = c.rules("R-9.9", "R-1.1")
    ask_visit(c, cross=False)
    if blocked:
        c.step("resolve_status")
    uncertified = chronic_uncertified_at_home(c)
    c.step(step)
    if uncertified is not None and not blocked:
        return uncertified, None, c.scope
    status: SettlementStatus = "BLOCKED" if blocked else ("LOCAL" if c.scope == Scope.LOCAL else "INTRA_PROVINCE")
    return Settlement(status=status, direct_possible=not blocked, text_zh=zh, text_en=en, cites=cites), None, c.scope


def _away(c: Ctx, blocked: bool) -> tuple[Settlement, FilingType | None, str | None]:
    """Cross-province care (or not yet known where)."""
    s = c.s
    ask_visit(c, cross=True)
    if s.insurance_status is None:
        c.step("check_status")
    if blocked:
        c.step("resolve_status")
    requires: list[Requirement] = []
    chronic_block = _chronic_blocks(c, requires)
    hospital_block = _hospital_blocks(c, requires)
    f = _filing(c)
    path = _decide(c, f, blocked, chronic_block, hospital_block, requires)
    _path_steps(c, path, f, blocked, hospital_block)
    basis, money_ft = _money_basis(c, path.status, f)
    settlement = Settlement(
        status=path.status, direct_possible=path.direct, text_zh=path.text_zh, text_en=path.text_en,
        filing_type=f.planned, filing_type_zh=f.planned.zh if f.planned else "", channels=path.channels,
        by_when_zh=path.by_zh, by_when_en=path.by_en, requires=requires, cites=path.cites,
    )
    c.derived["filing_type_planned"] = f.planned.value if f.planned else None
    return settlement, money_ft, basis


def _chronic_blocks(c: Ctx, requires: list[Requirement]) -> bool:
    """A chronic disease must be certified at home and opened at the hospital (R-2.5, R-9.10)."""
    s = c.s
    if s.visit_type is not VisitType.CHRONIC_OUTPATIENT:
        return False
    block = False
    if s.chronic_certified is False:
        block = True
        c.warn("CHRONIC_NOT_CERTIFIED", "还没有在参保地取得门诊慢特病待遇资格认定，不能按门诊慢特病跨省直接结算。",
               "no chronic-disease qualification at the insured region yet.",
               "先在参保地申请该病种的资格认定。", "apply for the qualification at home first", c.rules("R-9.10", "R-2.5"))
        requires.append(Requirement(code="CERTIFY_CHRONIC", text_zh="在参保地取得门诊慢特病资格认定",
                                    text_en="certify the chronic disease at the insured region", cites=c.rules("R-2.5", "R-9.10")))
    if s.chronic_certified is not True:
        c.step("certify_chronic")
    c.step("choose_chronic_hospital")
    return block


def _hospital_blocks(c: Ctx, requires: list[Requirement]) -> bool:
    """The hospital must be networked for the visit type, and have the chronic disease opened (R-2.5, R-9.5)."""
    s, vt = c.s, c.s.visit_type
    if c.inst is not None and vt is not None and not c.inst.networked_for(vt):
        c.warn("HOSPITAL_NOT_NETWORKED", f"{c.inst.name}未开通{vt.zh}跨省直接结算，在这里就医不能直接结算。",
               f"{c.inst.name} is not networked for cross-province {VISIT_EN[vt]} settlement.",
               "还没就医的，换一家已联网的定点医疗机构；已经在这里就医的，先付款，回参保地手工报销。",
               "choose a networked institution; if already treated here, pay and claim manually", c.rules("R-9.5", "R-2.1", "R-4.1"))
        requires.append(Requirement(code="CHOOSE_NETWORKED", text_zh=f"改到已开通{vt.zh}跨省直接结算的定点医疗机构",
                                    text_en="go to a networked institution", cites=c.rules("R-9.5", "R-2.5")))
        return True
    if (c.inst is not None and vt is VisitType.CHRONIC_OUTPATIENT and s.chronic_disease
            and s.chronic_disease not in c.inst.chronic_diseases):
        c.warn("CHRONIC_NOT_OPENED", f"{c.inst.name}未开通该门诊慢特病（{s.chronic_disease}）的跨省直接结算。",
               f"{c.inst.name} has not opened chronic disease {s.chronic_disease}.",
               "到已开通该病种的医院就医，或在此先付款后回参保地手工报销。",
               "go to a hospital that opened it, or pay and claim manually", c.rules("R-9.10", "R-2.5"))
        requires.append(Requirement(code="CHOOSE_NETWORKED", text_zh="改到已开通该病种跨省直接结算的医院",
                                    text_en="go to a hospital that opened this disease", cites=c.rules("R-9.10")))
        return True
    return False


def _filing(c: Ctx) -> _Filing:
    """The filing held, emergency, or the filing to make (R-1.2–R-1.9, R-9.1–R-9.4)."""
    s = c.s
    covering, fix_type = check_held(c, s.filing_type if s.filed else None)
    want = filing_for_reason(c)
    emergency = s.reason is StayReason.EMERGENCY and covering is None
    need = (fix_type or want) if covering is None and not emergency else None
    planned = FilingType.EMERGENCY if emergency else (covering if covering is not None else need)
    if planned is FilingType.REFERRAL and covering is None and s.referral_certificate is not True:
        c.step("get_referral_certificate")
    return _Filing(covering, emergency, need, planned)


def _decide(c: Ctx, f: _Filing, blocked: bool, chronic_block: bool, hospital_block: bool,
            requires: list[Requirement]) -> _Path:
    """The status of the path, what it says and rests on; what makes it possible goes first in `requires`."""
    vt, treated, need = c.s.visit_type, treated_of(c), f.need
    if blocked:
        requires.insert(0, Requirement(code="RESTORE_INSURANCE", text_zh="到参保地恢复正常参保状态",
                                       text_en="restore the insurance at the insured region", cites=c.rules("R-9.6")))
        return _Path("BLOCKED", False, "参保状态异常，暂不能享受待遇，更不能直接结算。",
                     "no benefits until the insurance is restored.", c.rules("R-9.6"))
    if c.scope == "UNKNOWN" or (f.covering is None and not f.emergency and need is None) or vt is None:
        return _Path("UNKNOWN", None, "需要先回答上面的问题，才能判断能否直接结算。",
                     "answer the questions above to know whether direct settlement is possible.", c.rules("R-1.2", "R-2.5"))
    if c.s.paid_in_full:
        return _Path("MANUAL_CLAIM", False, "已经全额付款：不能再直接结算，请回参保地申请手工报销。",
                     "already paid in full: claim manually at the insured region.", c.rules("R-4.1", "R-1.8"))
    if hospital_block and treated:
        return _Path("MANUAL_CLAIM", False, "这家医院不能跨省直接结算：先付款，回参保地手工报销。",
                     "this hospital cannot settle cross-province: pay and claim manually.",
                     c.rules("R-9.5", "R-2.1", "R-4.1"))
    fixable = not hospital_block and not chronic_block
    if f.covering is not None and fixable:
        return _Path("DIRECT", True, f"您已办理{f.covering.zh}备案，在已联网的定点医疗机构可以直接结算，只付个人负担部分。",
                     f"filed as {FILING_EN[f.covering]}: settles directly at networked institutions.",
                     c.rules("R-1.2", "R-2.5", "R-5.1"))
    if f.emergency and fixable:
        return _Path("EMERGENCY_AS_FILED", True, "急诊抢救视同已备案：请医院标记为急诊抢救，即可直接结算。",
                     "emergency counts as filed: once the hospital flags it, it settles directly.", c.rules("R-1.9", "R-9.13"))
    if need is not None and fixable:
        when_zh, when_en = by_when(vt)
        if treated:
            path = _Path("POSSIBLE_AFTER", False, f"现在还不能直接结算：{when_zh}补办“{need.zh}”备案，医院就必须给您直接结算。",
                         f"not yet: file as {FILING_EN[need]} {when_en} and the hospital must settle directly.",
                         c.rules("R-1.8", "R-2.4"), when_zh, when_en)
        else:
            path = _Path("POSSIBLE_AFTER", False, f"办理“{need.zh}”备案后即可在已联网的定点医疗机构直接结算。",
                         f"file as {FILING_EN[need]} and it settles directly at networked institutions.",
                         c.rules("R-1.2", "R-1.5", "R-2.5"), "就医前（最迟在出院结算前）",
                         "before treatment (at the latest before discharge settlement)")
        path.channels = c.channels(FILING_CHANNELS)
        requires.insert(0, Requirement(code="FILE", text_zh=f"{path.by_zh}通过网上渠道或参保地窗口办理“{need.zh}”备案",
                                       text_en=f"file as {FILING_EN[need]} {path.by_en}", cites=c.rules("R-1.5", "R-1.8")))
        return path
    # a hospital or chronic problem before treatment: fix it first
    path = _Path("POSSIBLE_AFTER" if requires else "UNKNOWN", False, "现在还不能直接结算，需要先做到下面几点。",
                 "not yet possible: see what it requires.", c.rules("R-2.5", "R-9.5", "R-9.10"))
    if need is not None:
        requires.insert(0, Requirement(code="FILE", text_zh=f"办理“{need.zh}”备案",
                                       text_en=f"file as {FILING_EN[need]}", cites=c.rules("R-1.5")))
    return path


def _path_steps(c: Ctx, path: _Path, f: _Filing, blocked: bool, hospital_block: bool) -> None:
    """The steps of the path, in order, and what the plan assumes about it."""
    s, vt, treated, paid, status = c.s, c.s.visit_type, treated_of(c), c.s.paid_in_full, path.status
    when_zh, when_en = by_when(vt)
    fvals = {"area": c.region_name(c.current), "by_when": path.by_zh or when_zh, "by_when_en": path.by_en or when_en,
             "visit_type": vt.zh if vt else "住院或门诊", "visit_type_en": VISIT_EN[vt] if vt else "inpatient or outpatient"}
    if f.need is not None and f.need is not FilingType.EMERGENCY and not blocked:
        fvals |= {"filing_type": f.need.zh, "filing_type_en": FILING_EN[f.need]}
        c.step("file_posthoc" if treated and not paid else "file_online", **fvals)
    if status in ("DIRECT", "POSSIBLE_AFTER", "EMERGENCY_AS_FILED", "UNKNOWN") and not treated and c.inst is None \
            and vt is not VisitType.CHRONIC_OUTPATIENT:
        c.step("choose_hospital", **fvals)
    if hospital_block and not treated:
        c.step("choose_hospital", **fvals)
    if status in ("DIRECT", "POSSIBLE_AFTER", "EMERGENCY_AS_FILED") and not paid:
        c.step("present_credential")
        if status == "EMERGENCY_AS_FILED":
            c.step("flag_emergency")
        c.step("settle_directly")
        c.step("if_settlement_fails")
    if status == "MANUAL_CLAIM" or (status == "BLOCKED" and treated):
        if not paid:
            c.step("pay_and_keep_papers")
        mc = c.version.manual_claim if c.version else None
        due = s.paid_on + dt.timedelta(days=mc.deadline_days) if (mc and s.paid_on) else None
        c.step("manual_claim", deadline=due.isoformat() if due else "参保地规定的期限",
               days=mc.deadline_days if mc else "参保地规定的", working_days=mc.processing_working_days if mc else "20")
    ft_held = f.covering or (f.need if status != "MANUAL_CLAIM" else None)
    if ft_held is not None and ft_held.long_term:
        c.step("return_home_treatment")
    if status in ("DIRECT", "POSSIBLE_AFTER") and ft_held is not None and not ft_held.long_term and c.version:
        end = validity(c, ft_held)
        if end is not None:
            c.step("renew_filing", validity_end=end.isoformat())
    if paid is None and treated and status in ("POSSIBLE_AFTER", "DIRECT", "EMERGENCY_AS_FILED"):
        c.assumptions.append("假设还没有出院结算（如已全额付款，请回答上面的问题）")


def _money_basis(c: Ctx, status: SettlementStatus, f: _Filing) -> tuple[str | None, FilingType | None]:
    """The basis the money follows and its filing type: the filing held, else the one recommended, else
    unfiled — a manual claim after paying in full is judged as unfiled, as the engine does at home."""
    if status == "UNKNOWN":
        return None, f.planned or f.need
    judged_unfiled = (status == "MANUAL_CLAIM" or c.s.paid_in_full) and f.covering is None and not f.emergency
    basis, _ = basis_of(Scope.CROSS_REGION, None if judged_unfiled else f.planned)
    money_ft = None if basis == "UNFILED" else (f.planned or f.need)
    v = c.version
    if basis == "UNFILED" and v is not None and not v.cross_region.unfiled_payable:
        c.warn("UNFILED_NOT_PAYABLE", "参保地规定：未备案的跨省就医费用基金不予支付。", "unfiled cross-province costs are not paid.",
               "能补办备案的尽快补办（出院结算前）。", "file before discharge settlement if still possible",
               [*c.rules("R-2.4"), c.p("cross_region.unfiled_payable", v.cross_region.source, v.source)])
    return basis.value, money_ft
