"""What the planner works with while it reads a case: the situation, the policy in force, what it has
found so far, how it cites rules and pack clauses, and the small readings every part shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yidi.advisor.knowledge import Knowledge
from yidi.advisor.models import (
    ChannelRef,
    Choice,
    Cite,
    PlanStep,
    Question,
    Situation,
    StayReason,
    Warning,
)
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.packset import PackSet
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution
from yidi.domain.rulebook import rule
from yidi.domain.sources import Source

BLOCKING_STATUS = {
    InsuranceStatus.LAPSED: ("INSURANCE_LAPSED", "参保状态为暂停（断缴）", "insurance suspended (contributions lapsed)"),
    InsuranceStatus.TERMINATED: ("INSURANCE_TERMINATED", "参保状态为终止", "insurance terminated"),
    InsuranceStatus.TRANSFERRING: ("INSURANCE_TRANSFERRING", "医保关系正在转移接续", "insurance being transferred"),
    InsuranceStatus.WAITING: ("INSURANCE_WAITING", "处于医保待遇等待期", "in a waiting period"),
}
REASON_FILING = {
    StayReason.LIVES: FilingType.LONG_TERM_RESIDENT,
    StayReason.WORKS: FilingType.RESIDENT_WORKER,
    StayReason.RETIRED: FilingType.RETIREE_RESETTLED,
    StayReason.REFERRED: FilingType.REFERRAL,
    StayReason.EMERGENCY: FilingType.EMERGENCY,
    StayReason.TRAVELLING: FilingType.OTHER_TEMPORARY,
}
FILING_EN = {
    FilingType.RETIREE_RESETTLED: "resettled retiree",
    FilingType.LONG_TERM_RESIDENT: "long-term resident",
    FilingType.RESIDENT_WORKER: "resident worker",
    FilingType.REFERRAL: "referral",
    FilingType.EMERGENCY: "emergency",
    FilingType.OTHER_TEMPORARY: "other temporary treatment",
}
VISIT_EN = {VisitType.INPATIENT: "inpatient", VisitType.OUTPATIENT: "outpatient",
             VisitType.CHRONIC_OUTPATIENT: "chronic-disease outpatient"}
BASIS_ZH = {"LOCAL": "参保地本地就医", "INTRA_PROVINCE": "省内异地就医（按参保地本地标准）",
             "LONG_TERM": "跨省长期备案", "TEMPORARY": "跨省临时外出就医备案", "UNFILED": "跨省未备案"}
FILING_CHANNELS = ("national_app", "filing_mini_program", "state_council_app", "agency_window")


@dataclass
class Ctx:
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
    def rules(self, *anchors: str) -> list[Cite]:
        """Cite sections of docs/rules.md, each with the policy documents it rests on."""
        return [Cite(kind="rules", ref=a, title=rule(a).title, article=rule(a).source) for a in anchors]

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
                                   cites=self.rules(*t.sections)))

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


def treated_of(c: Ctx) -> bool | None:
    t = c.derived.get("treated", c.s.treated)
    return t if isinstance(t, bool) else None


def category_of(c: Ctx) -> Category | None:
    if c.s.category is not None:
        return c.s.category
    if "category" in c.derived:
        return Category(str(c.derived["category"]))
    if c.s.scheme is Scheme.RESIDENT:
        return Category.ACTIVE  # residents are ACTIVE unless a region says otherwise (enums.Category)
    return None


def by_when(vt: VisitType | None) -> tuple[str, str]:
    if vt is VisitType.INPATIENT or vt is None:
        return "出院结算前", "before discharge settlement"
    return "本次就诊结算前", "before this visit is settled"
