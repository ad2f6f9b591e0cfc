"""The advisor's planner: advise(situation, packs, today) -> Plan. Pure: no I/O, no clock.

What a person should do, in their own case: whether direct settlement is possible and what makes it
possible, the steps in order and where, the papers, the deadlines, the money (ratios from the insured
region's pack; a bill estimated by the settlement engine itself), and the warnings that change everything.

Decisions (each also said where it is applied):
- Unknown fields are asked only when the answer depends on them; the rest of the plan is still given
  under stated assumptions (`assumptions_zh`), so a person gets a useful answer at once.
- An unknown insurance status is not asked: nearly everyone is insured normally, so the plan assumes it
  and its first step tells the person to check it (domain.md 1.1).
- Emergency care counts as filed (1.9) and is by definition already under way (treated = true).
- Money follows the path the plan leads to: the filing held, else the filing recommended, else unfiled
  (a manual claim after paying in full is judged as unfiled, as the engine does at the insured region).
- A bill given as a total only is estimated as one class-A in-scope line of the treatment catalogue: the
  most the fund could pay for that total (self-funded and class-B items lower it). The assumption is
  printed with the estimate. Given lines, they are calculated as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from yidi.advisor.knowledge import Knowledge, knowledge
from yidi.advisor.models import (
    ChannelRef,
    Choice,
    Cite,
    Deadline,
    Estimate,
    MaterialGroup,
    MaterialItem,
    Money,
    Plan,
    PlanStep,
    Question,
    RatioRow,
    Requirement,
    Settlement,
    SettlementStatus,
    Situation,
    StayReason,
    Warning,
)
from yidi.domain import claim_rules
from yidi.domain.bill import Bill, FeeLine, FilingIn, PersonIn
from yidi.domain.claim_rules import Situation as ClaimSituation
from yidi.domain.engine import calculate
from yidi.domain.enums import (
    Category,
    CrossRegionBasis,
    FilingType,
    InsuranceStatus,
    ItemClass,
    Level,
    Scheme,
    VisitType,
)
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import add_months, area_covers, materials_for, validity_end
from yidi.domain.ids import check_character
from yidi.domain.money import HUNDRED, ONE, ZERO, fmt, pct
from yidi.domain.packset import PackSet
from yidi.domain.policy import PolicyVersion, Source, pick
from yidi.domain.reference import Institution, province_of

_BLOCKING_STATUS = {
    InsuranceStatus.LAPSED: ("INSURANCE_LAPSED", "参保状态为暂停（断缴）", "insurance suspended (contributions lapsed)"),
    InsuranceStatus.TERMINATED: ("INSURANCE_TERMINATED", "参保状态为终止", "insurance terminated"),
    InsuranceStatus.TRANSFERRING: ("INSURANCE_TRANSFERRING", "医保关系正在转移接续", "insurance being transferred"),
    InsuranceStatus.WAITING: ("INSURANCE_WAITING", "处于医保待遇等待期", "in a waiting period"),
}
_REASON_FILING = {
    StayReason.LIVES: FilingType.LONG_TERM_RESIDENT,
    StayReason.WORKS: FilingType.RESIDENT_WORKER,
    StayReason.RETIRED: FilingType.RETIREE_RESETTLED,
    StayReason.REFERRED: FilingType.REFERRAL,
    StayReason.EMERGENCY: FilingType.EMERGENCY,
    StayReason.TRAVELLING: FilingType.OTHER_TEMPORARY,
}
_FILING_EN = {
    FilingType.RETIREE_RESETTLED: "resettled retiree",
    FilingType.LONG_TERM_RESIDENT: "long-term resident",
    FilingType.RESIDENT_WORKER: "resident worker",
    FilingType.REFERRAL: "referral",
    FilingType.EMERGENCY: "emergency",
    FilingType.OTHER_TEMPORARY: "other temporary treatment",
}
_VISIT_EN = {VisitType.INPATIENT: "inpatient", VisitType.OUTPATIENT: "outpatient",
             VisitType.CHRONIC_OUTPATIENT: "chronic-disease outpatient"}
_BASIS_ZH = {"LOCAL": "参保地本地就医", "INTRA_PROVINCE": "省内异地就医（按参保地本地标准）",
             "LONG_TERM": "跨省长期备案", "TEMPORARY": "跨省临时外出就医备案", "UNFILED": "跨省未备案"}
_FILING_CHANNELS = ("national_app", "filing_mini_program", "state_council_app", "agency_window")
_ONLINE_FIRST = ("national_app", "filing_mini_program", "agency_window")


@dataclass
class _Ctx:
    """What the planner builds up while it reads the situation."""

    s: Situation
    packs: PackSet
    today: dt.date
    k: Knowledge
    version: PolicyVersion | None = None
    inst: Institution | None = None
    current: str | None = None
    scope: str = "UNKNOWN"
    questions: list[Question] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    steps: list[PlanStep] = field(default_factory=list)
    derived: dict[str, object] = field(default_factory=dict)

    # --- citations
    def d(self, *sections: str) -> list[Cite]:
        return [Cite(kind="domain", ref=f"domain.md {s}", title=self.k.section_title(s)) for s in sections]

    def p(self, parameter: str, *sources: Source | None) -> Cite:
        assert self.s.insured_region is not None and self.version is not None
        src = next((x for x in sources if x is not None), None)
        return Cite(kind="pack", ref=f"{self.s.insured_region}@{self.version.effective_from} {parameter}",
                    title=self.packs.cite(src.doc) if src else "", article=src.article if src else "")

    def region_name(self, code: str | None) -> str:
        if code is None:
            return "就医地"
        r = self.packs.regions.get(code)
        if r is not None:
            return r.name
        prov = next((x.province_name for x in self.packs.regions.values() if x.province == code and x.province_name), "")
        return prov or code

    def channels(self, ids: tuple[str, ...] | list[str]) -> list[ChannelRef]:
        return [ChannelRef(id=c.id, name_zh=c.name_zh, name_en=c.name_en, kind=c.kind)
                for c in (self.k.channels[i] for i in ids)]

    def step(self, step_id: str, **values: object) -> None:
        if any(st.id == step_id for st in self.steps):
            return
        t = self.k.steps[step_id]
        vals = {k: str(v) for k, v in values.items()}
        self.steps.append(PlanStep(order=len(self.steps) + 1, id=step_id, text_zh=t.text_zh.format_map(_Safe(vals)),
                                   text_en=t.text_en.format_map(_Safe(vals)), where=self.channels(t.where),
                                   cites=self.d(*t.sections)))

    def warn(self, code: str, zh: str, en: str, action_zh: str, action_en: str, cites: list[Cite]) -> None:
        self.warnings.append(Warning(code=code, text_zh=zh, text_en=en, action_zh=action_zh, action_en=action_en,
                                     cites=cites))

    def ask(self, fld: str, zh: str, en: str, why_zh: str, why_en: str, choices: list[tuple[str, str, str]],
            cites: list[Cite]) -> None:
        self.questions.append(Question(field=fld, text_zh=zh, text_en=en, why_zh=why_zh, why_en=why_en,
                                       choices=[Choice(value=v, label_zh=z, label_en=e) for v, z, e in choices],
                                       cites=cites))


class _Safe(dict[str, str]):
    """format_map values; a placeholder the planner did not fill stays visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def advise(situation: Situation, packs: PackSet, today: dt.date, *, kb: Knowledge | None = None) -> Plan:
    """The plan for `situation` on `today`, using the insured region's policy in force that day."""
    c = _Ctx(situation, packs, today, kb or knowledge())
    _resolve(c)
    _scope_questions(c)
    settlement, ftype, basis = _settle(c)
    materials = _materials(c, settlement, ftype, basis)
    deadlines = _deadlines(c, settlement, ftype)
    money = _money(c, ftype, basis)
    understood = {**situation.known(), **{k: v for k, v in c.derived.items() if v is not None}}
    return Plan(
        today=today, situation=understood, assumptions_zh=c.assumptions, scope=c.scope,
        questions=c.questions, settlement=settlement, steps=c.steps, materials=materials, deadlines=deadlines,
        money=money, warnings=c.warnings, pack=f"{packs.name}@{packs.version}",
    )


# ------------------------------------------------------------------------------------------ reading the case


def _resolve(c: _Ctx) -> None:
    """Look up the insured region's policy and the hospital; reject codes that do not exist."""
    s, packs = c.s, c.packs
    if s.insured_region is not None:
        if s.insured_region not in packs.regions:
            raise YidiError("ADVICE_REGION_UNKNOWN", f"参保地统筹区编码 {s.insured_region} 不存在",
                            f"unknown insured region {s.insured_region}", "insured_region")
        found = packs.policy_for(s.insured_region, c.today)
        if found is None:
            c.warn("NO_POLICY", f"暂无{c.region_name(s.insured_region)}在 {c.today} 生效的医保政策数据，报销比例、报销期限等地区参数无法给出",
                   f"no policy of {s.insured_region} in force on {c.today}: ratios and deadlines cannot be given",
                   "请向参保地医保经办机构咨询具体比例和期限。", "ask the insured-region agency for its figures",
                   c.d("2.1", "4.4"))
        else:
            c.version = found[1]
    if s.current_region is not None and s.current_region not in packs.regions:
        raise YidiError("ADVICE_REGION_UNKNOWN", f"就医地统筹区编码 {s.current_region} 不存在",
                        f"unknown treatment region {s.current_region}", "current_region")
    c.current = s.current_region
    if s.hospital is not None:
        inst = packs.institutions.get(s.hospital)
        if inst is None:
            raise YidiError("ADVICE_HOSPITAL_UNKNOWN", f"定点医疗机构编码 {s.hospital} 不存在",
                            f"unknown designated institution {s.hospital}", "hospital")
        if s.current_region is not None and inst.region != s.current_region:
            raise YidiError("ADVICE_HOSPITAL_REGION",
                            f"{inst.name}（{inst.code}）不在所填就医地 {c.region_name(s.current_region)}",
                            f"institution {inst.code} is not in the treatment region {s.current_region}", "hospital")
        c.inst = inst
        c.current = inst.region
        c.derived["current_region"] = inst.region
        c.derived["hospital_level"] = inst.level.value
    if s.insured_region is not None and c.current is not None:
        if c.current == s.insured_region:
            c.scope = "LOCAL"
        elif province_of(c.current) == province_of(s.insured_region) and (
            c.version is None or c.version.cross_region.intra_province == "local"
        ):
            c.scope = "INTRA_PROVINCE"
        else:
            c.scope = "CROSS_PROVINCE"
    if s.reason is StayReason.EMERGENCY and s.treated is None:
        c.derived["treated"] = True  # an emergency is under way by definition (1.9)
    if s.reason is StayReason.RETIRED and s.category is None:
        c.derived["category"] = Category.RETIRED.value


def _treated(c: _Ctx) -> bool | None:
    t = c.derived.get("treated", c.s.treated)
    return t if isinstance(t, bool) else None


def _category(c: _Ctx) -> Category | None:
    if c.s.category is not None:
        return c.s.category
    if "category" in c.derived:
        return Category(str(c.derived["category"]))
    if c.s.scheme is Scheme.RESIDENT:
        return Category.ACTIVE  # residents are ACTIVE unless a region says otherwise (enums.Category)
    return None


def _region_choices(c: _Ctx) -> list[tuple[str, str, str]]:
    return [(r.code, f"{r.province_name}{r.name}" if r.province_name and r.province_name != r.name else r.name, r.code)
            for r in sorted(c.packs.regions.values(), key=lambda r: r.code)]


def _scope_questions(c: _Ctx) -> None:
    """Ask for what decides the rest: where insured, where treated."""
    s = c.s
    if s.insured_region is None:
        c.ask("insured_region", "您在哪里参保（医保是哪里的）？", "Where are you insured?",
              "报销比例、备案和报销期限都按参保地的规定", "ratios, filing and claim rules are the insured region's",
              _region_choices(c), c.d("2.1"))
    if c.current is None:
        c.ask("current_region", "您在哪里（或将要在哪里）看病？", "Where are you (going to be) treated?",
              "决定是不是跨省异地就医、需不需要备案", "decides whether this is cross-province care that needs a filing",
              _region_choices(c), c.d("1.1", "9#9"))


# ------------------------------------------------------------------------------------------ settlement


def _filing_for_reason(c: _Ctx) -> FilingType | None:
    s = c.s
    if s.reason is None:
        return None
    ft = _REASON_FILING[s.reason]
    if ft is FilingType.RETIREE_RESETTLED and _category(c) is Category.ACTIVE:
        ft = FilingType.LONG_TERM_RESIDENT  # the resettled-retiree type is for retirees only (1.2)
    if ft is FilingType.REFERRAL and s.referral_certificate is False:
        ft = FilingType.OTHER_TEMPORARY  # no certificate: other temporary, with its larger cut (9#14)
    return ft


def _status_blocked(c: _Ctx) -> bool:
    st = c.s.insurance_status
    if st is None:
        c.assumptions.append("假设参保状态正常（未告知参保状态）")
        return False
    if st not in _BLOCKING_STATUS:
        return False
    code, zh, en = _BLOCKING_STATUS[st]
    c.warn(code, f"{zh}：不能享受医保待遇，也不能直接结算。", f"{en}: no benefits and no direct settlement.",
           "先到参保地补缴或办结手续，待遇恢复后再就医结算；已发生的费用保留票据，按参保地规定申请。",
           "restore the insurance at the insured region first; keep receipts of costs meanwhile", c.d("9#6", "1.1"))
    return True


def _settle(c: _Ctx) -> tuple[Settlement, FilingType | None, str | None]:
    """Decide the settlement path. Returns it, the filing type the money follows, and the basis."""
    s = c.s
    blocked = _status_blocked(c)
    if c.scope == "LOCAL":
        c.warn("NOT_CROSS_REGION", "在参保地本地就医，不属于异地就医，无需备案。", "treated at home: not a cross-region case.",
               "按本地流程就医结算。", "follow the local procedure", c.d("9#9"))
        _visit_questions(c, cross=False)
        if blocked:
            c.step("resolve_status")
        uncertified = _chronic_uncertified_at_home(c)
        c.step("local_procedure")
        if uncertified is not None and not blocked:
            return uncertified, None, "LOCAL"
        return _simple(c, "BLOCKED" if blocked else "LOCAL", not blocked, "在参保地本地就医，按本地流程直接结算。",
                       "local care: settles as usual", c.d("9#9")), None, "LOCAL"
    if c.scope == "INTRA_PROVINCE":
        c.warn("INTRA_PROVINCE", f"{c.region_name(c.current)}与参保地在同一省内，不属于跨省异地就医，不用办跨省备案；按本省省内异地就医规定执行。",
               "inside the home province: not cross-province; provincial rules apply.",
               "省内是否需要备案以本省规定为准（多数省份已取消）。", "your province decides whether a filing is needed",
               c.d("9#9", "1.1"))
        _visit_questions(c, cross=False)
        if blocked:
            c.step("resolve_status")
        uncertified = _chronic_uncertified_at_home(c)
        c.step("intra_province")
        if uncertified is not None and not blocked:
            return uncertified, None, "INTRA_PROVINCE"
        return _simple(c, "BLOCKED" if blocked else "INTRA_PROVINCE", not blocked,
                       "省内异地就医：按本省规定直接结算，参保地按本地标准报销。",
                       "intra-province care: provincial rules, insured-region local standards",
                       c.d("9#9", "1.1")), None, "INTRA_PROVINCE"

    # cross-province (or not yet known)
    _visit_questions(c, cross=True)
    vt = s.visit_type
    treated = _treated(c)
    paid = s.paid_in_full
    if s.insurance_status is None:
        c.step("check_status")
    if blocked:
        c.step("resolve_status")
    requires: list[Requirement] = []

    # chronic disease: certified at home and opened at the hospital (2.5, 9#10)
    chronic_block = False
    if vt is VisitType.CHRONIC_OUTPATIENT:
        if s.chronic_certified is False:
            chronic_block = True
            c.warn("CHRONIC_NOT_CERTIFIED", "还没有在参保地取得门诊慢特病待遇资格认定，不能按门诊慢特病跨省直接结算。",
                   "no chronic-disease qualification at the insured region yet.",
                   "先在参保地申请该病种的资格认定。", "apply for the qualification at home first", c.d("9#10", "2.5"))
            requires.append(Requirement(code="CERTIFY_CHRONIC", text_zh="在参保地取得门诊慢特病资格认定",
                                        text_en="certify the chronic disease at the insured region", cites=c.d("2.5", "9#10")))
        if s.chronic_certified is not True:
            c.step("certify_chronic")
        c.step("choose_chronic_hospital")

    # the hospital: networked for this visit type (2.5, 9#5)
    hospital_block = False
    if c.inst is not None and vt is not None and not c.inst.networked_for(vt):
        hospital_block = True
        c.warn("HOSPITAL_NOT_NETWORKED", f"{c.inst.name}未开通{vt.zh}跨省直接结算，在这里就医不能直接结算。",
               f"{c.inst.name} is not networked for cross-province {_VISIT_EN[vt]} settlement.",
               "还没就医的，换一家已联网的定点医疗机构；已经在这里就医的，先付款，回参保地手工报销。",
               "choose a networked institution; if already treated here, pay and claim manually", c.d("9#5", "2.1", "4.1"))
        requires.append(Requirement(code="CHOOSE_NETWORKED", text_zh=f"改到已开通{vt.zh}跨省直接结算的定点医疗机构",
                                    text_en="go to a networked institution", cites=c.d("9#5", "2.5")))
    elif (c.inst is not None and vt is VisitType.CHRONIC_OUTPATIENT and s.chronic_disease
          and s.chronic_disease not in c.inst.chronic_diseases):
        hospital_block = True
        c.warn("CHRONIC_NOT_OPENED", f"{c.inst.name}未开通该门诊慢特病（{s.chronic_disease}）的跨省直接结算。",
               f"{c.inst.name} has not opened chronic disease {s.chronic_disease}.",
               "到已开通该病种的医院就医，或在此先付款后回参保地手工报销。",
               "go to a hospital that opened it, or pay and claim manually", c.d("9#10", "2.5"))
        requires.append(Requirement(code="CHOOSE_NETWORKED", text_zh="改到已开通该病种跨省直接结算的医院",
                                    text_en="go to a hospital that opened this disease", cites=c.d("9#10")))

    # the filing (1.2-1.9, 9#1-4)
    held = s.filing_type if s.filed else None
    covering, fix_type = _check_held(c, held)
    want = _filing_for_reason(c)
    emergency = s.reason is StayReason.EMERGENCY and covering is None
    ftype: FilingType | None = covering
    need_filing: FilingType | None = None
    if covering is None and not emergency:
        need_filing = fix_type or want
        if need_filing is None and s.filed is not True and s.reason is None and c.scope != "UNKNOWN":
            pass  # reason asked in _visit_questions
        ftype = need_filing
    if emergency:
        ftype = FilingType.EMERGENCY
    if ftype is FilingType.REFERRAL and covering is None and s.referral_certificate is not True:
        c.step("get_referral_certificate")

    area = c.region_name(c.current)
    when_zh, when_en = _by_when(vt)
    cites_flow: list[Cite] = []
    status: SettlementStatus
    text_zh = text_en = ""
    by_zh = by_en = ""
    chans: list[ChannelRef] = []
    if blocked:
        status, direct = "BLOCKED", False
        text_zh, text_en = "参保状态异常，暂不能享受待遇，更不能直接结算。", "no benefits until the insurance is restored."
        requires.insert(0, Requirement(code="RESTORE_INSURANCE", text_zh="到参保地恢复正常参保状态",
                                       text_en="restore the insurance at the insured region", cites=c.d("9#6")))
        cites_flow = c.d("9#6")
    elif c.scope == "UNKNOWN" or (covering is None and not emergency and need_filing is None) or vt is None:
        status, direct = "UNKNOWN", None
        text_zh = "需要先回答上面的问题，才能判断能否直接结算。"
        text_en = "answer the questions above to know whether direct settlement is possible."
        cites_flow = c.d("1.2", "2.5")
    elif paid:
        status, direct = "MANUAL_CLAIM", False
        text_zh = "已经全额付款：不能再直接结算，请回参保地申请手工报销。"
        text_en = "already paid in full: claim manually at the insured region."
        cites_flow = c.d("4.1", "1.8")
    elif hospital_block and treated:
        status, direct = "MANUAL_CLAIM", False
        text_zh = "这家医院不能跨省直接结算：先付款，回参保地手工报销。"
        text_en = "this hospital cannot settle cross-province: pay and claim manually."
        cites_flow = c.d("9#5", "2.1", "4.1")
    elif covering is not None and not hospital_block and not chronic_block:
        status, direct = "DIRECT", True
        text_zh = f"您已办理{covering.zh}备案，在已联网的定点医疗机构可以直接结算，只付个人负担部分。"
        text_en = f"filed as {_FILING_EN[covering]}: settles directly at networked institutions."
        cites_flow = c.d("1.2", "2.5", "5.1")
    elif emergency and not hospital_block and not chronic_block:
        status, direct = "EMERGENCY_AS_FILED", True
        text_zh = "急诊抢救视同已备案：请医院标记为急诊抢救，即可直接结算。"
        text_en = "emergency counts as filed: once the hospital flags it, it settles directly."
        cites_flow = c.d("1.9", "9#13")
    elif need_filing is not None and not hospital_block and not chronic_block:
        status, direct = "POSSIBLE_AFTER", False
        chans = c.channels(_FILING_CHANNELS)
        if treated:
            by_zh, by_en = when_zh, when_en
            text_zh = f"现在还不能直接结算：{when_zh}补办“{need_filing.zh}”备案，医院就必须给您直接结算。"
            text_en = f"not yet: file as {_FILING_EN[need_filing]} {when_en} and the hospital must settle directly."
            cites_flow = c.d("1.8", "2.4")
        else:
            by_zh, by_en = "就医前（最迟在出院结算前）", "before treatment (at the latest before discharge settlement)"
            text_zh = f"办理“{need_filing.zh}”备案后即可在已联网的定点医疗机构直接结算。"
            text_en = f"file as {_FILING_EN[need_filing]} and it settles directly at networked institutions."
            cites_flow = c.d("1.2", "1.5", "2.5")
        requires.insert(0, Requirement(code="FILE", text_zh=f"{by_zh}通过网上渠道或参保地窗口办理“{need_filing.zh}”备案",
                                       text_en=f"file as {_FILING_EN[need_filing]} {by_en}", cites=c.d("1.5", "1.8")))
    else:
        # a hospital or chronic problem before treatment: fix it first
        status, direct = "POSSIBLE_AFTER" if requires else "UNKNOWN", False
        text_zh = "现在还不能直接结算，需要先做到下面几点。"
        text_en = "not yet possible: see what it requires."
        cites_flow = c.d("2.5", "9#5", "9#10")
        if need_filing is not None:
            requires.insert(0, Requirement(code="FILE", text_zh=f"办理“{need_filing.zh}”备案",
                                           text_en=f"file as {_FILING_EN[need_filing]}", cites=c.d("1.5")))

    # steps of the path
    fvals = {"area": area, "by_when": by_zh or when_zh, "by_when_en": by_en or when_en,
             "visit_type": vt.zh if vt else "住院或门诊", "visit_type_en": _VISIT_EN[vt] if vt else "inpatient or outpatient"}
    if need_filing is not None and need_filing is not FilingType.EMERGENCY and not blocked:
        fvals |= {"filing_type": need_filing.zh, "filing_type_en": _FILING_EN[need_filing]}
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
    ft_held = covering or (need_filing if status != "MANUAL_CLAIM" else None)
    if ft_held is not None and ft_held.long_term:
        c.step("return_home_treatment")
    if status in ("DIRECT", "POSSIBLE_AFTER") and ft_held is not None and not ft_held.long_term and c.version:
        end = _validity(c, ft_held)
        if end is not None:
            c.step("renew_filing", validity_end=end.isoformat())
    if paid is None and treated and status in ("POSSIBLE_AFTER", "DIRECT", "EMERGENCY_AS_FILED"):
        c.assumptions.append("假设还没有出院结算（如已全额付款，请回答上面的问题）")

    basis = None
    if status != "UNKNOWN":
        if (status == "MANUAL_CLAIM" or paid) and covering is None and not emergency:
            basis = "UNFILED"
        elif ftype is not None:
            basis = "LONG_TERM" if ftype.long_term else "TEMPORARY"
        else:
            basis = "UNFILED"
    money_ft = None if basis == "UNFILED" else (ftype or need_filing)
    if basis == "UNFILED" and c.version is not None and not c.version.cross_region.unfiled_payable:
        c.warn("UNFILED_NOT_PAYABLE", "参保地规定：未备案的跨省就医费用基金不予支付。", "unfiled cross-province costs are not paid.",
               "能补办备案的尽快补办（出院结算前）。", "file before discharge settlement if still possible",
               [*c.d("2.4"), c.p("cross_region.unfiled_payable", c.version.cross_region.source, c.version.source)])
    settlement = Settlement(
        status=status, direct_possible=direct, text_zh=text_zh, text_en=text_en,
        filing_type=ftype, filing_type_zh=ftype.zh if ftype else "", channels=chans, by_when_zh=by_zh,
        by_when_en=by_en, requires=requires, cites=cites_flow,
    )
    c.derived["filing_type_planned"] = ftype.value if ftype else None
    return settlement, money_ft, basis


def _chronic_uncertified_at_home(c: _Ctx) -> Settlement | None:
    """A chronic-outpatient visit without the insured region's certification cannot settle as one, at home
    or in the home province either (2.5, 9#10; the same reading as yidi.domain.eligibility)."""
    if c.s.visit_type is not VisitType.CHRONIC_OUTPATIENT or c.s.chronic_certified is not False:
        return None
    c.warn("CHRONIC_NOT_CERTIFIED", "还没有在参保地取得门诊慢特病待遇资格认定，不能按门诊慢特病结算。",
           "no chronic-disease qualification at the insured region yet.",
           "先在参保地申请该病种的资格认定。", "apply for the qualification at home first", c.d("9#10", "2.5"))
    c.step("certify_chronic")
    return Settlement(status="POSSIBLE_AFTER", direct_possible=False,
                      text_zh="现在还不能按门诊慢特病结算：先在参保地取得资格认定。",
                      text_en="not yet: certify the chronic disease at the insured region first.",
                      requires=[Requirement(code="CERTIFY_CHRONIC", text_zh="在参保地取得门诊慢特病资格认定",
                                            text_en="certify the chronic disease at the insured region",
                                            cites=c.d("2.5", "9#10"))],
                      cites=c.d("2.5", "9#10"))


def _simple(c: _Ctx, status: SettlementStatus, direct: bool, zh: str, en: str, cites: list[Cite]) -> Settlement:
    return Settlement(status=status, direct_possible=direct, text_zh=zh, text_en=en, cites=cites)


def _by_when(vt: VisitType | None) -> tuple[str, str]:
    if vt is VisitType.INPATIENT or vt is None:
        return "出院结算前", "before discharge settlement"
    return "本次就诊结算前", "before this visit is settled"


def _check_held(c: _Ctx, held: FilingType | None) -> tuple[FilingType | None, FilingType | None]:
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
               c.d("9#3", "9#4", "1.7"))
        c.step("change_filing_area", lock_months=lock)
        return None, _filing_for_reason(c) if not held.long_term else (
            _filing_for_reason(c) if c.s.reason in (StayReason.REFERRED, StayReason.EMERGENCY) else FilingType.OTHER_TEMPORARY)
    end = s.filing_end
    if end is None and s.filing_start is not None and not held.long_term and c.version is not None:
        end = validity_end(s.filing_start, c.version.filing.temporary_validity_months)
    if end is not None and day > end:
        c.warn("FILING_EXPIRED", f"您的备案已于 {end} 到期，不覆盖 {day} 的就医。", f"your filing ended on {end}.",
               "重新办理备案（临时备案有效期不少于6个月）。", "file again", c.d("9#2", "1.6"))
        return None, held
    if s.filing_start is not None and s.filing_start > day and not (_treated(c) and s.filing_start <= c.today):
        c.warn("FILING_NOT_YET_VALID", f"您的备案 {s.filing_start} 才生效，{day} 还没生效。", f"your filing starts on {s.filing_start}.",
               "把备案开始日期改到就医当天，或另办临时备案。", "change the start date or file a temporary one", c.d("9#2", "1.7"))
        return None, held
    if s.filing_area is None and c.current is not None:
        c.assumptions.append(f"假设您的备案就医地是{c.region_name(c.current)}（未告知备案地）")
    return held, None


def _validity(c: _Ctx, ft: FilingType) -> dt.date | None:
    if c.version is None or ft.long_term or ft is FilingType.EMERGENCY:
        return None
    if c.s.filed and c.s.filing_end is not None:
        return c.s.filing_end
    start = c.s.filing_start if c.s.filed and c.s.filing_start else (c.s.admitted_on if _treated(c) and c.s.admitted_on else c.today)
    return validity_end(start, c.version.filing.temporary_validity_months)


def _visit_questions(c: _Ctx, *, cross: bool) -> None:
    """Ask for the unknowns that change this case's answer."""
    s = c.s
    if s.visit_type is None:
        c.ask("visit_type", "是住院、普通门诊（含买药），还是门诊慢特病？", "Inpatient, outpatient or chronic-disease outpatient?",
              "能否直接结算、要不要慢特病认定、报销比例都因就医类型而不同", "direct settlement, certification and ratios differ by visit type",
              [(v.value, v.zh, _VISIT_EN[v]) for v in VisitType], c.d("2.5"))
    if cross and c.scope in ("CROSS_PROVINCE", "UNKNOWN"):
        if s.filed is None and s.reason is not StayReason.EMERGENCY:
            c.ask("filed", "您办过异地就医备案吗？", "Have you filed for treatment elsewhere?",
                  "已备案的可以直接结算；没备案的要先备案（或补办）", "filed care settles directly; otherwise file first (or post hoc)",
                  [("true", "办过", "yes"), ("false", "没办过", "no")], c.d("1.2", "9#1"))
        if s.filed and s.filing_type is None:
            c.ask("filing_type", "办的是哪种备案？", "Which filing type?", "长期和临时备案的报销比例不同",
                  "long-term and temporary filings get different ratios",
                  [(f.value, f.zh, _FILING_EN[f]) for f in FilingType], c.d("1.2", "2.2", "2.3"))
        if not s.filed and s.reason is None:
            c.ask("reason", "您为什么在那里看病？", "Why are you treated there?", "决定该办哪种备案",
                  "decides which filing type to choose",
                  [(r.value, r.zh, r.value) for r in StayReason], c.d("1.2"))
        if s.reason is StayReason.REFERRED and not s.filed and s.referral_certificate is None:
            c.ask("referral_certificate", "参保地医院给您开了转诊证明吗？", "Do you have a referral certificate?",
                  "有转诊证明办转诊备案，没有只能办其他临时外出就医备案，比例降得更多",
                  "with it, a referral filing; without it, other temporary with a larger cut",
                  [("true", "有", "yes"), ("false", "没有", "no")], c.d("1.3", "9#14", "2.3"))
        if _treated(c) is None and not s.filed:
            c.ask("treated", "已经在那里住院或看病了吗？", "Are you already being treated there?",
                  "已经入院的要在出院结算前补办备案", "if admitted, the filing must be made before discharge settlement",
                  [("true", "已经在就医/住院", "yes"), ("false", "还没有", "not yet")], c.d("1.8"))
        if _treated(c) and s.paid_in_full is None:
            c.ask("paid_in_full", "已经出院（就诊结束）并全额自付了吗？", "Already discharged and paid in full?",
                  "出院结算前还能补办备案直接结算；全额付款后只能回参保地手工报销",
                  "before discharge settlement a filing still allows direct settlement; after paying in full only a manual claim",
                  [("true", "已经全额付款", "yes, paid in full"), ("false", "还没结算", "not settled yet")], c.d("1.8", "4.1"))
    if s.visit_type is VisitType.CHRONIC_OUTPATIENT and s.chronic_certified is None:
        c.ask("chronic_certified", "这个慢特病已经在参保地做过待遇资格认定吗？", "Is the chronic disease certified at the insured region?",
              "没认定的不能按门诊慢特病结算", "without certification it cannot settle as a chronic disease",
              [("true", "已认定", "yes"), ("false", "没有", "no")], c.d("2.5", "9#10"))
    if c.version is not None and s.scheme is None:
        c.ask("scheme", "您参加的是职工医保还是城乡居民医保？", "Employee or resident scheme?",
              "两种医保的起付线和报销比例不同", "deductibles and ratios differ",
              [(x.value, x.zh, x.value.lower()) for x in Scheme], c.d("3.4"))
    if c.version is not None and _category(c) is None and s.scheme is not Scheme.RESIDENT and _category_matters(c):
        c.ask("category", "您是在职还是退休？", "Active or retired?", "在职和退休的报销比例或起付线不同",
              "ratios or deductibles differ between active and retired",
              [(x.value, x.zh, x.value.lower()) for x in Category], c.d("3.4"))


def _category_matters(c: _Ctx) -> bool:
    """Whether active/retired changes a ratio or deductible of the scheme(s) in question."""
    assert c.version is not None
    schemes = [c.s.scheme] if c.s.scheme else [Scheme.EMPLOYEE]
    vts = [c.s.visit_type] if c.s.visit_type else list(VisitType)
    for sc in schemes:
        pol = c.version.schemes.get(sc)
        if pol is None:
            continue
        for vt in vts:
            b = pol.benefits.get(vt)
            if b is None:
                continue
            for lv in Level:
                if (pick(b.tiers, Category.ACTIVE, lv) != pick(b.tiers, Category.RETIRED, lv)
                        or pick(b.deductible.amounts, Category.ACTIVE, lv) != pick(b.deductible.amounts, Category.RETIRED, lv)):
                    return True
    return c.s.reason is StayReason.RETIRED


# ------------------------------------------------------------------------------------------ materials, deadlines


def _materials(c: _Ctx, st: Settlement, ftype: FilingType | None, basis: str | None) -> list[MaterialGroup]:
    out: list[MaterialGroup] = []
    if c.scope not in ("CROSS_PROVINCE", "UNKNOWN"):
        return out
    s = c.s
    filing_needed = any(r.code == "FILE" for r in st.requires) or (st.status == "MANUAL_CLAIM" and not s.filed
                                                                  and ftype is not None)
    if ftype is not None and filing_needed and ftype is not FilingType.EMERGENCY:
        items = [MaterialItem(code=m.code, name_zh=m.name_zh, name_en=m.name_en, required=m.required,
                              note_zh=m.note_zh, note_en=m.note_en) for m in materials_for(ftype, commitment=False)]
        out.append(MaterialGroup(purpose="filing", title_zh=f"办理“{ftype.zh}”备案的材料", title_en=f"for the {_FILING_EN[ftype]} filing",
                                 needed=True, items=items, cites=c.d("1.3", "1.4")))
    if st.status == "LOCAL":
        return out
    out.append(_claim_group(c, st, ftype, basis))
    return out


def _claim_situations(c: _Ctx, ftype: FilingType | None, basis: str | None) -> list[ClaimSituation]:
    """The manual-claim situations of this case on the plan's path (claim_rules.situations).

    Filed follows the money: the filing held or recommended counts, a claim judged as unfiled does not;
    with the path still unknown, only a stated "not filed" counts as unfiled. An unknown visit type gives
    no visit-type papers yet (the question is asked).
    """
    s = c.s
    emergency = s.reason is StayReason.EMERGENCY or ftype is FilingType.EMERGENCY
    filed = basis != "UNFILED" if basis is not None else s.filed is not False
    sits = claim_rules.situations(s.visit_type or VisitType.OUTPATIENT, emergency=emergency,
                                  referral=ftype is FilingType.REFERRAL
                                  or (s.reason is StayReason.REFERRED and s.referral_certificate is True),
                                  filed=filed)
    return sits if s.visit_type is not None else sits[1:]  # the first is always the visit type's


def _claim_group(c: _Ctx, st: Settlement, ftype: FilingType | None, basis: str | None) -> MaterialGroup:
    """The manual-claim papers: the claims module's list (national base, each situation's, the insured
    region's pack changes), the very list its checklist asks for, with the advisor's marks on top."""
    s, v = c.s, c.version
    sits = _claim_situations(c, ftype, basis)
    region = claim_rules.region_materials(v.manual_claim) if v is not None else None
    national = dict(claim_rules.required_materials(sits, None, on_behalf=True))
    codes = dict(claim_rules.required_materials(sits, region, on_behalf=True))
    items: list[MaterialItem] = []
    for code, why in codes.items():
        zh, en = claim_rules.MATERIAL_NAMES[code]
        if code == claim_rules.AGENT_AUTHORISATION:
            items.append(MaterialItem(code=code, name_zh=zh, name_en=en, required=False,
                                      note_zh="他人代办时需要", note_en="if someone applies for you"))
        elif code not in national:
            items.append(MaterialItem(code=code, name_zh=zh, name_en=en, required=True, note_zh=why,
                                      note_en="required by the insured region"))
        else:
            items.append(MaterialItem(code=code, name_zh=zh, name_en=en, required=True))
    cites = c.d("4.3", "4.1")
    # direct settlement failed although filed (system failure at discharge): the hospital's note (9#15)
    if s.paid_in_full and s.filed and st.status == "MANUAL_CLAIM" and claim_rules.FAILURE_NOTE not in codes:
        zh, en = claim_rules.MATERIAL_NAMES[claim_rules.FAILURE_NOTE]
        items.append(MaterialItem(code=claim_rules.FAILURE_NOTE, name_zh=zh, name_en=en, required=False,
                                  note_zh="因系统故障等未能直接结算时，请医院出具，一并提交",
                                  note_en="if direct settlement failed (e.g. a system failure), ask the hospital for it"))
        cites += c.d("9#15")
    added = [x for x in codes if x not in national]
    dropped = [x for x in national if x not in codes]
    note_zh = note_en = ""
    if v is not None and (added or dropped):
        mc = v.manual_claim
        if added:
            cites.append(c.p("manual_claim.materials_add", mc.source, v.source))
        if dropped:
            cites.append(c.p("manual_claim.materials_drop", mc.source, v.source))
        parts = [f"另需{'、'.join(claim_rules.MATERIAL_NAMES[x][0] for x in added)}" if added else "",
                 f"不需要{'、'.join(claim_rules.MATERIAL_NAMES[x][0] for x in dropped)}" if dropped else ""]
        note_zh = mc.materials_note_zh or "参保地规定：" + "；".join(p for p in parts if p)
        note_en = "the insured region's changes: " + "; ".join(
            p for p in (f"also {', '.join(added)}" if added else "", f"not {', '.join(dropped)}" if dropped else "") if p)
    needed = st.status in ("MANUAL_CLAIM", "BLOCKED") and bool(_treated(c))
    return MaterialGroup(
        purpose="manual_claim",
        title_zh="回参保地手工报销的材料（具体以参保地要求为准）" if needed else "请保留好这些材料：万一不能直接结算，回参保地手工报销时要用",
        title_en="for the manual claim at the insured region" if needed else "keep these in case a manual claim is needed",
        needed=needed, items=items, note_zh=note_zh, note_en=note_en, cites=cites)


def _deadlines(c: _Ctx, st: Settlement, ftype: FilingType | None) -> list[Deadline]:
    out: list[Deadline] = []
    s, v = c.s, c.version
    if st.status == "POSSIBLE_AFTER" and _treated(c) and any(r.code == "FILE" for r in st.requires):
        zh, en = _by_when(s.visit_type)
        out.append(Deadline(kind="posthoc_filing", date=None, text_zh=f"补办备案：{zh}办好，才能直接结算",
                            text_en=f"post-hoc filing: {en}", cites=c.d("1.8")))
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
                                cites=[*c.d("4.4"), c.p("manual_claim.deadline_days", mc.source, v.source)]))
            if passed:
                c.warn("CLAIM_DEADLINE_PASSED", f"按参保地规定，手工报销应在 {due} 前申请，已经过期。",
                       f"the manual-claim deadline {due} has passed.", "请尽快联系参保地医保经办机构说明情况。",
                       "contact the insured-region agency at once", [*c.d("4.4"), c.p("manual_claim.deadline_days", mc.source, v.source)])
        else:
            out.append(Deadline(kind="manual_claim", date=None, text_zh="手工报销期限由参保地规定（常见为1至2年），请向参保地确认",
                                text_en="the manual-claim deadline is set by the insured region", cites=c.d("4.4")))
    if ftype is not None and st.status in ("DIRECT", "POSSIBLE_AFTER") and v is not None:
        fr = v.filing
        if ftype.long_term:
            out.append(Deadline(kind="filing_validity", date=None, text_zh="长期备案长期有效，直到变更或取消",
                                text_en="a long-term filing is valid until changed or cancelled",
                                cites=[*c.d("1.6"), c.p("filing", fr.source, v.source)]))
            if fr.min_months_before_change:
                start = s.filing_start if s.filed and s.filing_start else None
                unlock = add_months(start, fr.min_months_before_change) if start else None
                out.append(Deadline(kind="change_lock", date=unlock,
                                    text_zh=f"备案后 {fr.min_months_before_change} 个月内不能变更或取消" + (f"（{unlock} 起可以）" if unlock else ""),
                                    text_en=f"no change or cancellation within {fr.min_months_before_change} months",
                                    cites=[*c.d("1.7"), c.p("filing.min_months_before_change", fr.source, v.source)]))
        elif ftype is not FilingType.EMERGENCY:
            end = _validity(c, ftype)
            out.append(Deadline(kind="filing_validity", date=end,
                                text_zh=f"临时备案有效期 {fr.temporary_validity_months} 个月" + (f"，到 {end}" if end else "")
                                + "；期内多次就医都能直接结算",
                                text_en=f"a temporary filing lasts {fr.temporary_validity_months} months" + (f" (to {end})" if end else ""),
                                cites=[*c.d("1.6"), c.p("filing.temporary_validity_months", fr.source, v.source)]))
    return out


# ------------------------------------------------------------------------------------------ money


def _away(version: PolicyVersion, basis: str, ft: FilingType | None, r: Decimal) -> tuple[Decimal, Decimal]:
    """(ratio applied away, extra first self-pay share) for a home ratio r — the engine's reading (2.2-2.4)."""
    cr = version.cross_region
    if basis in ("LOCAL", "INTRA_PROVINCE"):
        return r, ZERO
    if basis == "LONG_TERM":
        return r * cr.long_term_ratio_factor, ZERO
    if basis == "UNFILED" and not cr.unfiled_payable:
        return ZERO, ZERO
    cut = cr.cut_for(ft if basis == "TEMPORARY" else None)
    if not cut:
        return r, ZERO
    if cr.cut_mode == "subtract":
        return max(ZERO, r - cut / HUNDRED), ZERO
    if cr.cut_mode == "multiply":
        return r * (ONE - cut / HUNDRED), ZERO
    return r, cut / HUNDRED


def _money(c: _Ctx, ft: FilingType | None, basis: str | None) -> Money | None:
    s, v = c.s, c.version
    cat = _category(c)
    if v is None or s.scheme is None or s.visit_type is None or basis is None:
        return None
    if cat is None:
        cat = Category.ACTIVE
        c.assumptions.append("报销比例按在职人员计算（未告知在职或退休）")
    pol = v.schemes.get(s.scheme)
    benefit = pol.benefits.get(s.visit_type) if pol else None
    if pol is None or benefit is None:
        c.warn("NO_BENEFIT", f"参保地政策数据中没有{s.scheme.zh}的{s.visit_type.zh}待遇。",
               f"no {s.visit_type.value} benefit of the {s.scheme.value} scheme in the pack.", "", "", c.d("2.1"))
        return None
    levels = [c.inst.level] if c.inst else ([s.hospital_level] if s.hospital_level else [Level.L1, Level.L2, Level.L3])
    rows = []
    for lv in levels:
        tiers = pick(benefit.tiers, cat, lv)
        ded = pick(benefit.deductible.amounts, cat, lv)
        assert tiers is not None and ded is not None
        r = tiers[0].ratio
        away, extra = _away(v, basis, ft, r)
        un_r = un_x = None
        if basis in ("LONG_TERM", "TEMPORARY"):
            un_r, un_x = _away(v, "UNFILED", None, r)
        tz = "；".join(f"{fmt(t.lower)}–{'以上' if t.upper is None else fmt(t.upper)} {pct(t.ratio)}" for t in tiers) if len(tiers) > 1 else ""
        rows.append(RatioRow(level=lv, level_zh=lv.zh, deductible=ded, home_ratio=r, away_ratio=away, away_first_selfpay=extra,
                             unfiled_ratio=un_r, unfiled_first_selfpay=un_x, tiers_zh=tz))
    cr = v.cross_region
    basis_zh = _BASIS_ZH[basis] + (f"（{ft.zh}）" if ft and basis == "TEMPORARY" else "")
    row = rows[0]
    if row.away_first_selfpay:
        how = f"政策范围内费用先由个人自付 {pct(row.away_first_selfpay)}，其余按 {pct(row.away_ratio)} 报销"
    else:
        how = f"统筹基金按 {pct(row.away_ratio)} 报销"
    diff = "与在参保地就医相同" if row.away_ratio == row.home_ratio and not row.away_first_selfpay else f"在参保地就医为 {pct(row.home_ratio)}"
    after = "参保状态恢复后，" if c.s.insurance_status in _BLOCKING_STATUS else ""
    text_zh = f"{after}{basis_zh}：{row.level_zh}医院起付线 {fmt(row.deductible)} 元，{how}（{diff}）。" + \
        ("" if len(rows) == 1 else "其他等级医院见下表。")
    cites = [*c.d("2.1", "3.2"), c.p(f"schemes.{s.scheme.value}.benefits.{s.visit_type.value}", benefit.source, pol.source, v.source)]
    if basis in ("TEMPORARY", "UNFILED"):
        param = f"cross_region.cut.{ft.value}" if basis == "TEMPORARY" and ft else "cross_region.unfiled_cut"
        cites += [*c.d("2.3" if basis == "TEMPORARY" else "2.4"), c.p(param + f" (cut_mode {cr.cut_mode})", cr.source, v.source)]
    elif basis == "LONG_TERM":
        cites += [*c.d("2.2"), c.p("cross_region.long_term_ratio_factor", cr.source, v.source)]
    money = Money(basis=basis, basis_zh=basis_zh, filing_type=ft, scheme=s.scheme, category=cat, visit_type=s.visit_type,
                  text_zh=text_zh, text_en=f"{basis}: fund ratio {pct(row.away_ratio)} away vs {pct(row.home_ratio)} at home"
                  + (f", after a {pct(row.away_first_selfpay)} first self-pay" if row.away_first_selfpay else ""),
                  rows=rows, cites=cites)
    if s.bill_total is not None or s.bill_lines:
        est, note = _estimate(c, ft, basis, cat)
        money.estimate, money.estimate_note_zh = est, note
    return money


def placeholder_id(region: str) -> str:
    """A valid, obviously synthetic citizen ID for estimates (born 1970-01-01, sequence 001)."""
    first17 = f"{region}19700101001"
    return first17 + check_character(first17)


def estimate_bill(c_or_situation: Situation, packs: PackSet, today: dt.date, ft: FilingType | None, basis: str,
                  category: Category) -> tuple[Bill | None, str]:
    """The Bill the advisor estimates for a situation (None and a reason when it cannot build one)."""
    s = c_or_situation
    assert s.insured_region is not None and s.scheme is not None and s.visit_type is not None
    inst: Institution | None = packs.institutions.get(s.hospital) if s.hospital else None
    region = inst.region if inst else s.current_region
    if region is None:
        return None, "不知道就医地，无法估算费用"
    if inst is None:
        cands = sorted((i for i in packs.institutions.values() if i.region == region and i.networked_for(s.visit_type)
                        and (s.hospital_level is None or i.level is s.hospital_level)), key=lambda i: i.code)
        if not cands:
            return None, "就医地没有符合条件的联网定点医疗机构数据，无法估算"
        inst = cands[0]
    day = s.admitted_on or today
    lines = list(s.bill_lines or [])
    if not lines:
        cat = packs.catalogue_for(region)
        item = None
        if cat is not None:
            assert s.bill_total is not None
            total = s.bill_total
            item = next((it for it in sorted(cat.items, key=lambda i: i.code)
                         if it.item_class is ItemClass.A and it.in_force(day)
                         and (it.visit_types is None or s.visit_type in it.visit_types)
                         and (it.price_cap is None or it.price_cap >= total)), None)
        if item is None:
            return None, "就医地目录中没有可用于估算的甲类项目，无法按总额估算"
        lines = [FeeLine(line_id="1", code=item.code, name="估算总额（按甲类政策范围内费用）", quantity=Decimal(1),
                         unit_price=s.bill_total)]
    filing = None
    emergency = False
    if basis in ("LONG_TERM", "TEMPORARY") and ft is not None:
        if ft is FilingType.EMERGENCY:
            emergency = True
        else:
            filing = FilingIn(type=ft, treatment_area=s.filing_area if (s.filed and s.filing_area) else region, start=day)
    # the person's status goes in as told: a lapsed person's estimate shows no benefits, as settlement would
    person = PersonIn(id_number=placeholder_id(s.insured_region), name="估算", insured_region=s.insured_region,
                      scheme=s.scheme, category=category, status=s.insurance_status or InsuranceStatus.ACTIVE, chronic_diseases=[s.chronic_disease] if s.chronic_disease else [])
    bill = Bill(bill_id="ESTIMATE", visit_type=s.visit_type, institution=inst.code, admission_date=day, person=person,
                filing=filing, emergency=emergency, lines=lines)
    return bill, f"按{inst.name}（{inst.level.zh}）估算"


def _estimate(c: _Ctx, ft: FilingType | None, basis: str, cat: Category) -> tuple[Estimate | None, str]:
    s = c.s
    bill, where = estimate_bill(s, c.packs, c.today, ft, basis, cat)
    if bill is None:
        return None, where
    b = calculate(bill, c.packs)
    if s.bill_lines:
        zh = "按您给出的费用明细，用与医院结算相同的计算估算；未含本年此前的累计（起付线、封顶线）"
        en = "your lines, calculated by the settlement engine; no prior accumulators this year"
    else:
        zh = (f"假设总额 {fmt(s.bill_total or ZERO)} 元全部是政策范围内甲类费用，这是最多能报的金额；实际有自费、乙类项目时会少一些。"
              "未含本年此前的累计")
        en = "assumes the whole total is class-A in-scope cost: an upper bound; no prior accumulators"
    zh = f"{where}。{zh}"
    return Estimate(assumption_zh=zh, assumption_en=en, bill=bill.model_dump(mode="json", by_alias=True),
                    medfee_sumamt=b.medfee_sumamt, fund_pay_sumamt=b.fund_pay_sumamt, psn_part_amt=b.psn_part_amt,
                    breakdown=b.as_dict(), explanation_zh=[st.text_zh for st in b.steps]), ""


__all__ = ["CrossRegionBasis", "advise", "estimate_bill", "placeholder_id"]
