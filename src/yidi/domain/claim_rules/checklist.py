"""A claim's situations and the checklist of papers they need (national list, region's changes)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import Field

from yidi.domain.enums import VisitType
from yidi.domain.materials import (
    AGENT_AUTHORISATION,
    CLAIM_BASE,
    CLAIM_BY_SITUATION,
    CLAIM_MATERIAL_CODES,
    CLAIM_MATERIAL_NAMES,
    ClaimSituation,
)
from yidi.domain.policy import ManualClaimRules
from yidi.domain.validation import Strict

Situation = ClaimSituation  # the situations and their papers live in yidi.domain.materials


def situations(visit_type: VisitType, *, emergency: bool, referral: bool, filed: bool,
               networked: bool = False) -> list[Situation]:
    """The situations of a claim; UNFILED when no filing covered the care and it was no emergency;
    DIRECT_FAILED when covered care (filed, or an emergency) was at a hospital networked for its visit type,
    so direct settlement should have happened and the hospital's note says why not (R-9.15)."""
    out = [Situation.INPATIENT if visit_type is VisitType.INPATIENT else Situation.OUTPATIENT]
    if emergency:
        out.append(Situation.EMERGENCY)
    if referral:
        out.append(Situation.REFERRAL)
    if not filed and not emergency:
        out.append(Situation.UNFILED)
    if networked and (filed or emergency):
        out.append(Situation.DIRECT_FAILED)
    return out


# The claim materials live in yidi.domain.materials (one list for rules, advisor, API and pages).

MATERIAL_NAMES = CLAIM_MATERIAL_NAMES
MATERIAL_CODES = CLAIM_MATERIAL_CODES


class RegionClaimMaterials(Strict):
    """An insured region's changes to the national list, per situation (sample data, [C])."""

    add: dict[Situation, list[str]] = Field(default_factory=dict)
    drop: dict[Situation, list[str]] = Field(default_factory=dict)
    note_zh: str = ""


def region_materials(rules: ManualClaimRules) -> RegionClaimMaterials:
    """The insured region's changes to the national list, as its policy pack states them (`manual_claim`).

    The one reading of the pack's materials_add / materials_drop / materials_note_zh: the claims service
    builds its checklist with it and the advisor lists a person's papers with it.
    """
    return RegionClaimMaterials.model_validate(
        {"add": rules.materials_add, "drop": rules.materials_drop, "note_zh": rules.materials_note_zh})


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One paper or datum a claim needs, and whether it is there."""

    code: str
    name_zh: str
    name_en: str
    required: bool
    satisfied: bool
    why_zh: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en, "required": self.required,
                "satisfied": self.satisfied, "why_zh": self.why_zh}


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """What the checklist reads from a claim besides its scans."""

    has_visit: bool
    invoices: int
    lines: int
    bank_account: bool
    on_behalf: bool


def required_materials(sits: Sequence[Situation], region: RegionClaimMaterials | None = None,
                       *, on_behalf: bool = False) -> list[tuple[str, str]]:
    """(material code, why) in a stable order: the base list, each situation's, the region's additions."""
    out: dict[str, str] = {c: "全国通用材料" for c in CLAIM_BASE}
    for s in sits:
        for c in CLAIM_BY_SITUATION[s]:
            out.setdefault(c, f"{s.zh}需要")
        if region is not None:
            for c in region.add.get(s, []):
                out.setdefault(c, f"参保地规定（{s.zh}）")
    if on_behalf:
        out.setdefault(AGENT_AUTHORISATION, "由他人代办")
    if region is not None:
        for s in sits:
            for c in region.drop.get(s, []):
                out.pop(c, None)
    return list(out.items())


def checklist(sits: Sequence[Situation], facts: ClaimFacts, scans: Iterable[str],
              region: RegionClaimMaterials | None = None) -> list[ChecklistItem]:
    """Every item the claim needs (papers and data), each marked present or missing."""
    have = set(scans)
    items = [
        ChecklistItem("visit", "就诊信息（医院、日期、类别、诊断）", "visit (hospital, dates, type, diagnosis)", True,
                      facts.has_visit, "申请必填"),
        ChecklistItem("invoices", "发票信息（号码、日期、金额、付款人）", "invoice data (number, date, amount, payer)", True,
                      facts.invoices > 0, "申请必填"),
        ChecklistItem("fee_lines", "费用明细（录入或上传医院导出的明细表）", "fee lines (typed in or uploaded)", True,
                      facts.lines > 0, "申请必填"),
        ChecklistItem("bank_account", "本人银行账户", "bank account in the person's name", True, facts.bank_account,
                      "报销款只支付到本人账户"),
    ]
    for code, why in required_materials(sits, region, on_behalf=facts.on_behalf):
        zh, en = MATERIAL_NAMES[code]
        items.append(ChecklistItem(code, f"扫描件：{zh}", f"scan: {en}", True, code in have, why))
    return items


def missing(items: Iterable[ChecklistItem]) -> list[ChecklistItem]:
    return [i for i in items if i.required and not i.satisfied]
