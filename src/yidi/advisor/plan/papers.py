"""The papers of a plan: for the filing to make, and for a manual claim (needed now, or kept in case) —
the very lists yidi.domain.materials and yidi.domain.claim_rules give the filing and claims services."""

from __future__ import annotations

from yidi.advisor.models import MaterialGroup, Settlement, StayReason
from yidi.advisor.plan.context import FILING_EN, Ctx, treated_of
from yidi.domain import claim_rules
from yidi.domain.claim_rules import Situation as ClaimSituation
from yidi.domain.enums import FilingType, VisitType
from yidi.domain.materials import AGENT_AUTHORISATION, FAILURE_NOTE, Material, materials_for


def material_groups(c: Ctx, st: Settlement, ftype: FilingType | None, basis: str | None) -> list[MaterialGroup]:
    out: list[MaterialGroup] = []
    if c.scope not in ("CROSS_PROVINCE", "UNKNOWN"):
        return out
    s = c.s
    filing_needed = any(r.code == "FILE" for r in st.requires) or (st.status == "MANUAL_CLAIM" and not s.filed
                                                                  and ftype is not None)
    if ftype is not None and filing_needed and ftype is not FilingType.EMERGENCY:
        items = materials_for(ftype, commitment=False)
        out.append(MaterialGroup(purpose="filing", title_zh=f"办理“{ftype.zh}”备案的材料", title_en=f"for the {FILING_EN[ftype]} filing",
                                 needed=True, items=items, cites=c.rules("R-1.3", "R-1.4")))
    if st.status == "LOCAL":
        return out
    out.append(_claim_group(c, st, ftype, basis))
    return out


def _claim_situations(c: Ctx, ftype: FilingType | None, basis: str | None) -> list[ClaimSituation]:
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


def _claim_group(c: Ctx, st: Settlement, ftype: FilingType | None, basis: str | None) -> MaterialGroup:
    """The manual-claim papers: the claims module's list (national base, each situation's, the insured
    region's pack changes), the very list its checklist asks for, with the advisor's marks on top."""
    s, v = c.s, c.version
    sits = _claim_situations(c, ftype, basis)
    region = claim_rules.region_materials(v.manual_claim) if v is not None else None
    national = dict(claim_rules.required_materials(sits, None, on_behalf=True))
    codes = dict(claim_rules.required_materials(sits, region, on_behalf=True))
    items: list[Material] = []
    for code, why in codes.items():
        zh, en = claim_rules.MATERIAL_NAMES[code]
        if code == AGENT_AUTHORISATION:
            items.append(Material(code=code, name_zh=zh, name_en=en, required=False,
                                      note_zh="他人代办时需要", note_en="if someone applies for you"))
        elif code not in national:
            items.append(Material(code=code, name_zh=zh, name_en=en, required=True, note_zh=why,
                                      note_en="required by the insured region"))
        else:
            items.append(Material(code=code, name_zh=zh, name_en=en, required=True))
    cites = c.rules("R-4.3", "R-4.1")
    # direct settlement failed although filed (system failure at discharge): the hospital's note
    if s.paid_in_full and s.filed and st.status == "MANUAL_CLAIM" and FAILURE_NOTE not in codes:
        zh, en = claim_rules.MATERIAL_NAMES[FAILURE_NOTE]
        items.append(Material(code=FAILURE_NOTE, name_zh=zh, name_en=en, required=False,
                                  note_zh="因系统故障等未能直接结算时，请医院出具，一并提交",
                                  note_en="if direct settlement failed (e.g. a system failure), ask the hospital for it"))
        cites += c.rules("R-9.15")
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
    needed = st.status in ("MANUAL_CLAIM", "BLOCKED") and bool(treated_of(c))
    return MaterialGroup(
        purpose="manual_claim",
        title_zh="回参保地手工报销的材料（具体以参保地要求为准）" if needed else "请保留好这些材料：万一不能直接结算，回参保地手工报销时要用",
        title_en="for the manual claim at the insured region" if needed else "keep these in case a manual claim is needed",
        needed=needed, items=items, note_zh=note_zh, note_en=note_en, cites=cites)
