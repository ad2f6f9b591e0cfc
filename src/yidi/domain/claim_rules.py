"""Manual reimbursement (手工报销) rules: claim states and who moves them, situations, the materials
checklist, the deadline, and what a scan really is (pure: no I/O, no clock; `today` is passed in).

Decisions on what the sources leave open (docs/rules.md R-4.1–R-4.4; regional practice):
- Situations. A claim is in one or more of INPATIENT / OUTPATIENT (by visit type; chronic outpatient
  counts as OUTPATIENT), EMERGENCY (the person says the care was an emergency), REFERRAL (referred by a
  hospital of the insured region) and UNFILED (no filing covered the care and it was no emergency). Each
  situation adds its papers to the national base list of 4.3; the insured region may add or drop items
  (`RegionClaimMaterials`).
- The deadline runs from the discharge date for inpatient care and from the earliest invoice date
  otherwise (each invoice must be within it, so the earliest decides); it is checked at the first
  submission only — a claim returned for more material does not lose its place because the agency took
  time.
- Scans are PDF, JPEG or PNG, recognised by their first bytes; a name or declared type that says
  otherwise is refused (a renamed .exe is not a PDF).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
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

# ---------------------------------------------------------------------------------------------- states


class ClaimState(StrEnum):
    """Life cycle of a claim: draft → submitted → in review → (returned →) approved → paid, or rejected."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    RETURNED = "RETURNED"
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    ClaimState.DRAFT: "草稿", ClaimState.SUBMITTED: "已提交", ClaimState.IN_REVIEW: "审核中",
    ClaimState.RETURNED: "退回补充材料", ClaimState.APPROVED: "审核通过待支付", ClaimState.PAID: "已支付",
    ClaimState.REJECTED: "不予报销",
}


class ClaimAction(StrEnum):
    SUBMIT = "SUBMIT"
    START_REVIEW = "START_REVIEW"
    RETURN = "RETURN"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    PAY = "PAY"


# (action) -> (states it may start from, the state it leads to, the roles that may do it, reason required)
# "person" means the insured person or agency staff acting at a service window on their behalf; the
# review actions belong to the insured region's agency alone.
TRANSITIONS: Mapping[ClaimAction, tuple[frozenset[ClaimState], ClaimState, frozenset[str], bool]] = {
    ClaimAction.SUBMIT: (frozenset({ClaimState.DRAFT, ClaimState.RETURNED}), ClaimState.SUBMITTED,
                         frozenset({"person", "agency"}), False),
    ClaimAction.START_REVIEW: (frozenset({ClaimState.SUBMITTED}), ClaimState.IN_REVIEW, frozenset({"agency"}), False),
    ClaimAction.RETURN: (frozenset({ClaimState.IN_REVIEW}), ClaimState.RETURNED, frozenset({"agency"}), True),
    ClaimAction.APPROVE: (frozenset({ClaimState.IN_REVIEW}), ClaimState.APPROVED, frozenset({"agency"}), False),
    ClaimAction.REJECT: (frozenset({ClaimState.SUBMITTED, ClaimState.IN_REVIEW}), ClaimState.REJECTED,
                         frozenset({"agency"}), True),
    ClaimAction.PAY: (frozenset({ClaimState.APPROVED}), ClaimState.PAID, frozenset({"agency"}), False),
}
EDITABLE = frozenset({ClaimState.DRAFT, ClaimState.RETURNED})
# An invoice on a claim in one of these states is taken: no other claim may carry it. A rejected claim
# releases its invoices (the person may claim them again where the rejection says, e.g. another region).
HOLDS_INVOICES = frozenset(ClaimState) - {ClaimState.REJECTED}

_ACTION_ZH = {
    ClaimAction.SUBMIT: "提交", ClaimAction.START_REVIEW: "开始审核", ClaimAction.RETURN: "退回补充材料",
    ClaimAction.APPROVE: "审核通过", ClaimAction.REJECT: "不予报销", ClaimAction.PAY: "支付",
}


def transition(state: ClaimState, action: ClaimAction, role: str, reason: str = "") -> ClaimState:
    """The state an action leads to, or CLAIM_STATE (409) / ROLE_NOT_ALLOWED (403) / REASON_REQUIRED (422)."""
    starts, target, roles, needs_reason = TRANSITIONS[action]
    if role not in roles:
        raise error("ROLE_NOT_ALLOWED", role=role, what_zh=f"{_ACTION_ZH[action]}报销申请",
                    what_en=f"{action.value.lower()} a claim", allowed="/".join(sorted(roles)))
    if state not in starts:
        raise error("CLAIM_STATE", state_zh=state.zh, state=state.value, action_zh=_ACTION_ZH[action],
                    action_en=action.value.lower(), allowed_zh=[s.zh for s in sorted(starts)],
                    allowed_en=sorted(s.value for s in starts))
    if needs_reason and not reason.strip():
        raise error("REASON_REQUIRED", action_zh=_ACTION_ZH[action], action_en=action.value.lower())
    return target


# ---------------------------------------------------------------------------------------------- situations

Situation = ClaimSituation  # the situations and their papers live in yidi.domain.materials


def situations(visit_type: VisitType, *, emergency: bool, referral: bool, filed: bool) -> list[Situation]:
    """The situations of a claim; UNFILED when no filing covered the care and it was no emergency."""
    out = [Situation.INPATIENT if visit_type is VisitType.INPATIENT else Situation.OUTPATIENT]
    if emergency:
        out.append(Situation.EMERGENCY)
    if referral:
        out.append(Situation.REFERRAL)
    if not filed and not emergency:
        out.append(Situation.UNFILED)
    return out


# ---------------------------------------------------------------------------------------------- materials
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


# ---------------------------------------------------------------------------------------------- deadline


def deadline_start(visit_type: VisitType, discharged_on: dt.date | None, invoice_dates: Sequence[dt.date]
                   ) -> dt.date | None:
    """The day the claim deadline counts from: discharge for inpatient care, else the earliest invoice."""
    if visit_type is VisitType.INPATIENT and discharged_on is not None:
        return discharged_on
    return min(invoice_dates) if invoice_dates else discharged_on


def deadline(start: dt.date | None, deadline_days: int) -> dt.date | None:
    """The last day a claim may be submitted."""
    return None if start is None else start + dt.timedelta(days=deadline_days)


def check_deadline(start: dt.date | None, deadline_days: int, today: dt.date) -> None:
    last = deadline(start, deadline_days)
    if last is not None and today > last:
        raise error("CLAIM_DEADLINE_PASSED", start=start, deadline_days=deadline_days, last_day=last)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """n working days (Monday to Friday) after `day`; public holidays are not known here [C]."""
    d = day
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


# ---------------------------------------------------------------------------------------------- scans

SCAN_TYPES: Mapping[str, tuple[bytes, tuple[str, ...], str]] = {
    # kind -> (magic bytes, file name endings, media type)
    "pdf": (b"%PDF-", (".pdf",), "application/pdf"),
    "jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg"), "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", (".png",), "image/png"),
}


def sniff(data: bytes, filename: str, declared: str | None, max_bytes: int) -> str:
    """The scan's real type ("pdf" / "jpeg" / "png"), or the reason it is refused.

    The content decides; the name and the declared media type must agree with it, so a file that says one
    thing and is another is refused rather than stored under a false label.
    """
    if not data:
        raise error("SCAN_EMPTY")
    if len(data) > max_bytes:
        raise error("SCAN_TOO_LARGE", what_zh=f"{len(data)} 字节，上限 {max_bytes} 字节",
                    what_en=f"{len(data)} bytes, limit {max_bytes}")
    kind = next((k for k, (magic, _e, _m) in SCAN_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise error("SCAN_TYPE_UNSUPPORTED")
    _magic, endings, media = SCAN_TYPES[kind]
    name = filename.lower()
    known_endings = tuple(e for _m, es, _t in SCAN_TYPES.values() for e in es)
    if name.endswith(known_endings) and not name.endswith(endings):
        raise error("SCAN_TYPE_MISMATCH", detail_zh=f"文件名“{filename}”与内容（{kind.upper()}）不符",
                    detail_en=f"file name {filename!r} does not match its content ({kind})")
    if "." in name and not name.endswith(known_endings):
        raise error("SCAN_TYPE_MISMATCH", detail_zh=f"文件扩展名不受支持：“{filename}”（请用 .pdf/.jpg/.png）",
                    detail_en=f"unsupported file name ending: {filename!r} (use .pdf, .jpg or .png)")
    decl = (declared or "").split(";")[0].strip().lower()
    if decl and decl not in ("application/octet-stream", media) and not (kind == "jpeg" and decl == "image/jpg"):
        raise error("SCAN_TYPE_MISMATCH", detail_zh=f"声明的文件类型 {decl} 与内容（{kind.upper()}）不符",
                    detail_en=f"declared type {decl} does not match the content ({kind})")
    return kind


def media_type(kind: str) -> str:
    return SCAN_TYPES[kind][2]
