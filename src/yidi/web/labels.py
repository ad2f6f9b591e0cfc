"""The one table of what pages show for a code: (kind, code) -> (中文, English), e.g. ("visit_type", "INPATIENT").

Where the domain already names a value in Chinese (an enum's `.zh`), that name is taken from it, so no label
is written twice; this module adds the English beside it and labels the stored statuses that have no enum.
Templates call `label(kind, code)` (yidi.web.common passes it with the page's language); an unknown code is
shown as it is, so a new value is visible rather than blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Protocol

from yidi.advisor.models import StayReason
from yidi.domain.chronic import CHRONIC_DISEASES, CertState
from yidi.domain.claim_rules.states import ClaimState
from yidi.domain.enums import (
    Category,
    CrossRegionBasis,
    FilingType,
    InstitutionKind,
    ItemClass,
    Level,
    Scheme,
    VisitType,
)
from yidi.domain.family import LinkState, Relationship
from yidi.domain.filing_rules.records import FilingStatus
from yidi.domain.materials import FILING_MATERIAL_NAMES, ClaimSituation
from yidi.domain.visit_states import STATE_EN as VISIT_STATE_EN
from yidi.domain.visit_states import STATE_ZH as VISIT_STATE_ZH
from yidi.services.access import Duty, Role


class _Named(Protocol):
    """An enum member that names itself in Chinese."""

    @property
    def value(self) -> str: ...
    @property
    def zh(self) -> str: ...


def _from_enum(values: Iterable[_Named], en: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {v.value: (v.zh, en[v.value]) for v in values}


LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "visit_type": _from_enum(VisitType, {"INPATIENT": "inpatient", "OUTPATIENT": "outpatient",
                                         "CHRONIC_OUTPATIENT": "chronic-disease outpatient"}),
    "scheme": _from_enum(Scheme, {"EMPLOYEE": "employee insurance", "RESIDENT": "resident insurance"}),
    "category": _from_enum(Category, {"ACTIVE": "working", "RETIRED": "retired"}) | {"ALL": ("所有人员", "everyone")},
    "cut_mode": {"subtract": ("降低支付比例（减百分点）", "ratio lowered by points"),
                 "multiply": ("按比例折减", "ratio scaled down"),
                 "first_selfpay": ("个人先行自付一定比例", "a share paid first by the person")},
    "cap_pool": {"basic": ("统筹基金年度最高支付限额", "pooled fund, annual cap"),
                 "outpatient": ("门诊年度限额", "outpatient annual cap"),
                 "chronic": ("门诊慢特病年度限额", "chronic-disease outpatient annual cap")},
    "level": _from_enum(Level, {"L1": "grade 1", "L2": "grade 2", "L3": "grade 3", "UNRATED": "unrated"})
    | {"ALL": ("各级医院", "every grade")},
    "item_class": _from_enum(ItemClass, {"A": "class A", "B": "class B (a share paid first)",
                                         "C": "class C (self-funded)"}),
    "filing_type": _from_enum(FilingType, {
        "RETIREE_RESETTLED": "retiree resettled elsewhere", "LONG_TERM_RESIDENT": "long-term resident elsewhere",
        "RESIDENT_WORKER": "posted to work elsewhere", "REFERRAL": "referral", "EMERGENCY": "emergency",
        "OTHER_TEMPORARY": "other temporary trip"}),
    "filing_status": _from_enum(FilingStatus, {
        "PENDING_REVIEW": "pending review", "ACTIVE": "in force", "REJECTED": "rejected", "CANCELLED": "cancelled",
        "SUPERSEDED": "changed"}),
    "filing_event": {"CREATED": ("提交", "filed"), "CANCELLED": ("取消", "cancelled"),
                     "SUPERSEDED": ("被新的备案取代", "superseded"), "APPROVED": ("审核通过", "approved"),
                     "REJECTED": ("审核未通过", "rejected")},
    "filing_material": dict(FILING_MATERIAL_NAMES),
    "claim_status": _from_enum(ClaimState, {
        "DRAFT": "draft", "SUBMITTED": "submitted", "IN_REVIEW": "in review", "RETURNED": "returned for papers",
        "APPROVED": "approved, to be paid", "PAID": "paid", "REJECTED": "rejected", "APPEALED": "under appeal",
        "UPHELD": "rejection upheld on appeal"}),
    # what happened to a claim (its history) and what a reviewer just did (the page's notice after an action)
    "claim_event": {"CREATED": ("创建草稿", "draft created"), "EDITED": ("修改", "edited"),
                    "DOCUMENT_ADDED": ("上传材料", "scan added"), "DOCUMENT_REMOVED": ("删除材料", "scan removed"),
                    "SUBMIT": ("提交", "submitted"), "START_REVIEW": ("开始审核", "review started"),
                    "RETURN": ("退回补充材料", "returned for papers"), "APPROVE": ("审核通过", "approved"),
                    "REJECT": ("不予报销", "rejected"), "PAY": ("支付", "paid"), "BATCHED": ("编入支付批次", "put in a payment batch"),
                    "LINE_EXCLUDED": ("剔除明细", "line excluded"), "LINE_INCLUDED": ("恢复明细", "line included"),
                    "APPEAL": ("申请复核", "appealed"), "APPEAL_APPROVE": ("复核通过", "approved on appeal"),
                    "APPEAL_UPHOLD": ("复核维持不予报销", "rejection upheld on appeal")},
    "claim_situation": _from_enum(ClaimSituation, {"INPATIENT": "inpatient", "OUTPATIENT": "outpatient",
                                                   "EMERGENCY": "emergency", "REFERRAL": "referral",
                                                   "UNFILED": "not filed",
                                                   "DIRECT_FAILED": "not settled directly at a networked hospital"}),
    "review_done": {"review": ("已开始审核", "Review started"), "approve": ("已审核通过", "Approved"),
                    "reject": ("已作出不予报销决定", "Rejected"), "return": ("已退回补充材料", "Returned for papers"),
                    "exclude": ("已剔除该明细", "Line excluded"), "include": ("已恢复该明细", "Line included"),
                    "uphold": ("已复核：维持不予报销", "Rejection upheld")},
    "ratio_category": {"LOCAL": ("按参保地本地标准", "local standards"), "LONG_TERM": ("长期备案人员标准", "long-term filing"),
                       "REFERRAL": ("转诊人员标准", "referral"), "EMERGENCY": ("急诊抢救人员标准", "emergency"),
                       "OTHER_TEMPORARY": ("其他临时外出就医人员标准", "other temporary trip"),
                       "UNFILED": ("未备案人员标准", "not filed")},
    "link_state": _from_enum(LinkState, {"REQUESTED": "awaiting confirmation", "CONFIRMED": "confirmed",
                                         "DECLINED": "declined", "REVOKED": "ended"}),
    "relationship": {r.value: (r.zh, r.en) for r in Relationship},
    "stay_reason": _from_enum(StayReason, {
        "lives": "lives there", "works": "works there", "retired": "retired there", "referred": "referred",
        "emergency": "emergency", "travelling": "travelling"}),
    "basis": _from_enum(CrossRegionBasis, {
        "LOCAL": "treated at home", "INTRA_PROVINCE": "elsewhere in the province",
        "LONG_TERM": "cross-province, long-term filing", "TEMPORARY": "cross-province, temporary filing",
        "UNFILED": "cross-province, not filed"}),
    "insurance_status": {"ACTIVE": ("正常", "active"), "LAPSED": ("暂停（断缴）", "lapsed"),
                         "TERMINATED": ("终止", "terminated"), "WAITING": ("等待期", "waiting period"),
                         "TRANSFERRING": ("转移接续中", "being transferred")},
    "settlement_status": {"SETTLED": ("已结算", "settled"), "REVOKED": ("已撤销", "revoked")},
    "institution_kind": _from_enum(InstitutionKind, {"HOSPITAL": "hospital or clinic", "PHARMACY": "retail pharmacy"}),
    "cert_state": _from_enum(CertState, {"APPLIED": "awaiting review", "RETURNED": "returned for papers",
                                         "APPROVED": "certified", "REJECTED": "not certified", "WITHDRAWN": "withdrawn"}),
    "chronic_disease": dict(CHRONIC_DISEASES),  # 门诊慢特病 of the national programme, as the domain names them
    # a purchase at a pharmacy is stored as an outpatient visit there: named as what the person did
    "purchase": {"OUTPATIENT": ("药店购药", "pharmacy purchase"),
                 "CHRONIC_OUTPATIENT": ("药店购药（门诊慢特病）", "pharmacy purchase (chronic disease)")},
    "line_result": {"IN_SCOPE": ("医保目录内", "covered"), "OUT_OF_CATALOGUE": ("目录外（自费）", "not listed (self-paid)"),
                    "CLASS_C": ("丙类（全自费）", "class C (self-funded)"),
                    "NOT_FOR_VISIT_TYPE": ("本类就诊不报销", "not covered for this visit type"),
                    "NOT_IN_FORCE": ("当天不在目录内", "not listed on the day")},
    "visit_status": {k: (zh, VISIT_STATE_EN[k]) for k, zh in VISIT_STATE_ZH.items()},
    "line_status": {"ACTIVE": ("有效", "in force"), "WITHDRAWN": ("已撤销", "withdrawn")},
    "batch_status": {"OPEN": ("待支付", "to be paid"), "PAID": ("已支付", "paid")},
    "clearing_status": {"OPEN": ("未结束（可重算）", "open (may run again)"), "CLOSED": ("已结束", "closed")},
    "clearing_answer": {"CONFIRMED": ("已确认", "confirmed"), "DISPUTED": ("有争议", "disputed")},
    "dispute_status": {"OPEN": ("待裁定", "open"), "UPHELD": ("争议成立", "upheld"), "REJECTED": ("已驳回", "rejected")},
    # the desk's daily reconciliation (对账): the totals compared, and why a settlement is listed
    "reconcile_total": {"count": ("笔数", "count"), "medfee_sumamt": ("医疗费总额", "total fees"),
                        "fund_pay_sumamt": ("基金支付", "fund"), "acct_pay": ("个人账户支付", "account"),
                        "cash_payamt": ("现金支付", "cash")},
    "reconcile_problem": {"CHECK": ("请与本院记录逐笔核对", "check against your records"),
                          "UNKNOWN_TO_US": ("医保系统没有这笔", "unknown to yidi"),
                          "AMOUNT_DIFFERS": ("金额不一致", "amounts differ"),
                          "MISSING_AT_HOSPITAL": ("本院未报这笔", "missing from your list")},
    "role": {Role.PERSON: ("参保人", "insured person"), Role.HOSPITAL: ("医疗机构", "hospital"),
             Role.AGENCY: ("经办机构", "agency"), Role.CLEARING: ("清算机构", "clearing operator")},
    "duty": {Duty.REVIEWER: ("审核", "reviewer"), Duty.PAYER: ("支付", "payer"),
             Duty.ADMINISTRATOR: ("管理", "administrator")},
}


def label_pair(kind: str, code: object) -> tuple[str, str]:
    """(中文, English) of a code; the code itself for both when the table does not know it."""
    key = code.value if isinstance(code, StrEnum) else str(code)
    return LABELS.get(kind, {}).get(key, (key, key))


def label(kind: str, code: object, lang: str) -> str:
    zh, en = label_pair(kind, code)
    return en if lang == "en" else zh


def choices(kind: str, values: Iterable[StrEnum], lang: str) -> list[tuple[str, str]]:
    """A form's options for an enum, each named in the page's language from this table (code, shown name)."""
    return [(v.value, label(kind, v, lang)) for v in values]


def options(kind: str, lang: str) -> list[tuple[str, str]]:
    """A form's options for every code of one table (e.g. the chronic diseases), in the page's language."""
    return [(code, label(kind, code, lang)) for code in LABELS[kind]]
