"""Reading a case: look up the insured region's policy and the hospital, decide the scope (yidi.domain.scope),
and ask for exactly the unknowns that change this case's answer."""

from __future__ import annotations

from yidi.advisor.models import StayReason
from yidi.advisor.plan.context import FILING_EN, VISIT_EN, Ctx, category_of, treated_of
from yidi.domain.enums import Category, FilingType, Level, Scheme, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.policy import pick
from yidi.domain.scope import Scope, scope_of

# the plan's words for a scope (cross-region care is cross-province care, or intra-province read as such)
_PLAN_SCOPE = {Scope.LOCAL: "LOCAL", Scope.INTRA_PROVINCE: "INTRA_PROVINCE", Scope.CROSS_REGION: "CROSS_PROVINCE"}


def resolve_case(c: Ctx) -> None:
    """Look up the insured region's policy and the hospital; reject codes that do not exist."""
    s, packs = c.s, c.packs
    if s.insured_region is not None:
        if s.insured_region not in packs.regions:
            raise error("ADVICE_REGION_UNKNOWN", field="insured_region", what_zh="参保地", what_en="insured",
                        region=s.insured_region)
        found = packs.policy_for(s.insured_region, c.today)
        if found is None:
            c.warn("NO_POLICY", f"暂无{c.region_name(s.insured_region)}在 {c.today} 生效的医保政策数据，报销比例、报销期限等地区参数无法给出",
                   f"no policy of {s.insured_region} in force on {c.today}: ratios and deadlines cannot be given",
                   "请向参保地医保经办机构咨询具体比例和期限。", "ask the insured-region agency for its figures",
                   c.rules("R-2.1", "R-4.4"))
        else:
            c.version = found[1]
    if s.current_region is not None and s.current_region not in packs.regions:
        raise error("ADVICE_REGION_UNKNOWN", field="current_region", what_zh="就医地", what_en="treatment",
                    region=s.current_region)
    c.current = s.current_region
    if s.hospital is not None:
        inst = packs.institutions.get(s.hospital)
        if inst is None:
            raise error("ADVICE_HOSPITAL_UNKNOWN", hospital=s.hospital)
        if s.current_region is not None and inst.region != s.current_region:
            raise error("ADVICE_HOSPITAL_REGION", name=inst.name, institution=inst.code,
                        region_zh=c.region_name(s.current_region), region=s.current_region)
        c.inst = inst
        c.current = inst.region
        c.derived["current_region"] = inst.region
        c.derived["hospital_level"] = inst.level.value
    if s.insured_region is not None and c.current is not None:
        scope = scope_of(s.insured_region, c.current, c.version.cross_region if c.version else None)
        c.scope = _PLAN_SCOPE[scope]
    if s.reason is StayReason.EMERGENCY and s.treated is None:
        c.derived["treated"] = True  # an emergency is under way by definition
    if s.reason is StayReason.RETIRED and s.category is None:
        c.derived["category"] = Category.RETIRED.value


def _region_choices(c: Ctx) -> list[tuple[str, str, str]]:
    return [(r.code, f"{r.province_name}{r.name}" if r.province_name and r.province_name != r.name else r.name, r.code)
            for r in sorted(c.packs.regions.values(), key=lambda r: r.code)]


def ask_scope(c: Ctx) -> None:
    """Ask for what decides the rest: where insured, where treated."""
    s = c.s
    if s.insured_region is None:
        c.ask("insured_region", "您在哪里参保（医保是哪里的）？", "Where are you insured?",
              "报销比例、备案和报销期限都按参保地的规定", "ratios, filing and claim rules are the insured region's",
              _region_choices(c), c.rules("R-2.1"))
    if c.current is None:
        c.ask("current_region", "您在哪里（或将要在哪里）看病？", "Where are you (going to be) treated?",
              "决定是不是跨省异地就医、需不需要备案", "decides whether this is cross-province care that needs a filing",
              _region_choices(c), c.rules("R-1.1", "R-9.9"))


def ask_visit(c: Ctx, *, cross: bool) -> None:
    """Ask for the unknowns that change this case's answer."""
    s = c.s
    if s.visit_type is None:
        c.ask("visit_type", "是住院、普通门诊（含买药），还是门诊慢特病？", "Inpatient, outpatient or chronic-disease outpatient?",
              "能否直接结算、要不要慢特病认定、报销比例都因就医类型而不同", "direct settlement, certification and ratios differ by visit type",
              [(v.value, v.zh, VISIT_EN[v]) for v in VisitType], c.rules("R-2.5"))
    if cross and c.scope in ("CROSS_PROVINCE", "UNKNOWN"):
        if s.filed is None and s.reason is not StayReason.EMERGENCY:
            c.ask("filed", "您办过异地就医备案吗？", "Have you filed for treatment elsewhere?",
                  "已备案的可以直接结算；没备案的要先备案（或补办）", "filed care settles directly; otherwise file first (or post hoc)",
                  [("true", "办过", "yes"), ("false", "没办过", "no")], c.rules("R-1.2", "R-9.1"))
        if s.filed and s.filing_type is None:
            c.ask("filing_type", "办的是哪种备案？", "Which filing type?", "长期和临时备案的报销比例不同",
                  "long-term and temporary filings get different ratios",
                  [(f.value, f.zh, FILING_EN[f]) for f in FilingType], c.rules("R-1.2", "R-2.2", "R-2.3"))
        if not s.filed and s.reason is None:
            c.ask("reason", "您为什么在那里看病？", "Why are you treated there?", "决定该办哪种备案",
                  "decides which filing type to choose",
                  [(r.value, r.zh, r.value) for r in StayReason], c.rules("R-1.2"))
        if s.reason is StayReason.REFERRED and not s.filed and s.referral_certificate is None:
            c.ask("referral_certificate", "参保地医院给您开了转诊证明吗？", "Do you have a referral certificate?",
                  "有转诊证明办转诊备案，没有只能办其他临时外出就医备案，比例降得更多",
                  "with it, a referral filing; without it, other temporary with a larger cut",
                  [("true", "有", "yes"), ("false", "没有", "no")], c.rules("R-1.3", "R-9.14", "R-2.3"))
        if treated_of(c) is None and not s.filed:
            c.ask("treated", "已经在那里住院或看病了吗？", "Are you already being treated there?",
                  "已经入院的要在出院结算前补办备案", "if admitted, the filing must be made before discharge settlement",
                  [("true", "已经在就医/住院", "yes"), ("false", "还没有", "not yet")], c.rules("R-1.8"))
        if treated_of(c) and s.paid_in_full is None:
            c.ask("paid_in_full", "已经出院（就诊结束）并全额自付了吗？", "Already discharged and paid in full?",
                  "出院结算前还能补办备案直接结算；全额付款后只能回参保地手工报销",
                  "before discharge settlement a filing still allows direct settlement; after paying in full only a manual claim",
                  [("true", "已经全额付款", "yes, paid in full"), ("false", "还没结算", "not settled yet")], c.rules("R-1.8", "R-4.1"))
    if s.visit_type is VisitType.CHRONIC_OUTPATIENT and s.chronic_certified is None:
        c.ask("chronic_certified", "这个慢特病已经在参保地做过待遇资格认定吗？", "Is the chronic disease certified at the insured region?",
              "没认定的不能按门诊慢特病结算", "without certification it cannot settle as a chronic disease",
              [("true", "已认定", "yes"), ("false", "没有", "no")], c.rules("R-2.5", "R-9.10"))
    if c.version is not None and s.scheme is None:
        c.ask("scheme", "您参加的是职工医保还是城乡居民医保？", "Employee or resident scheme?",
              "两种医保的起付线和报销比例不同", "deductibles and ratios differ",
              [(x.value, x.zh, x.value.lower()) for x in Scheme], c.rules("R-3.4"))
    if c.version is not None and category_of(c) is None and s.scheme is not Scheme.RESIDENT and _category_matters(c):
        c.ask("category", "您是在职还是退休？", "Active or retired?", "在职和退休的报销比例或起付线不同",
              "ratios or deductibles differ between active and retired",
              [(x.value, x.zh, x.value.lower()) for x in Category], c.rules("R-3.4"))


def _category_matters(c: Ctx) -> bool:
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
