"""门诊慢特病 certification (资格认定): the diseases of the national programme and how an application moves.

A person applies to their insured region's agency for one disease, with the diagnosis papers (scans) and
the hospital that diagnosed it. Staff of that agency approve it with a validity (from, until), return it
for more material, or reject it with a reason. A returned application goes back to the agency when the
person resubmits. Only an approved certification that is valid on the day of care lets a chronic-outpatient
visit settle as one (R-2.5, R-9.10): eligibility and settlement ask `certified_on_day`. Pure rules here: the
disease list, the states and who may move an application (a table), and the validity bounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from yidi.domain.error_catalogue import error

# The national cross-province programme: five diseases first, five more in 2024. Codes and names
# follow a public HIS mapping of the national 慢特病 list [C: verify against the official dictionary].
CHRONIC_DISEASES: Mapping[str, tuple[str, str]] = {
    "M03900": ("高血压病", "hypertension"),
    "M01600": ("糖尿病", "diabetes"),
    "M00503": ("恶性肿瘤放、化疗", "radio/chemotherapy of malignant tumours"),
    "M00500": ("恶性肿瘤门诊治疗", "outpatient treatment of malignant tumours"),
    "M07803": ("慢性肾功能不全（血液透析治疗）", "uraemia: haemodialysis"),
    "M07804": ("慢性肾功能不全（腹膜透析治疗）", "uraemia: peritoneal dialysis"),
    "M07800": ("慢性肾功能不全（非透析治疗）", "chronic renal insufficiency (no dialysis)"),
    "M08300": ("器官移植抗排异治疗", "anti-rejection therapy after organ transplantation"),
    "M05300": ("慢性阻塞性肺疾病", "chronic obstructive pulmonary disease"),
    "M00201": ("慢性乙型肝炎", "viral hepatitis B"),
    "M04600": ("冠心病", "coronary heart disease"),
    "M06900": ("类风湿关节炎", "rheumatoid arthritis"),
    "M07200": ("强直性脊柱炎", "ankylosing spondylitis"),
}

DEFAULT_VALID_YEARS = 2  # an approval without an end date given: two years, the day before the anniversary
MAX_VALID_YEARS = 5  # an approval is reviewed again at least this often (regions commonly use 1–3 years)
MAX_PAPERS = 10  # scans per application: diagnosis certificate, records, test results
MAX_OPEN_PER_PERSON = 5  # applications waiting at once (one disease each)


def disease_name(code: str) -> str:
    """The disease's Chinese name, or the code itself when it is not on the national list."""
    return CHRONIC_DISEASES.get(code, (code, code))[0]


class CertState(StrEnum):
    APPLIED = "APPLIED"
    RETURNED = "RETURNED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"

    @property
    def zh(self) -> str:
        return {"APPLIED": "待审核", "RETURNED": "退回补充材料", "APPROVED": "已认定", "REJECTED": "未通过",
                "WITHDRAWN": "已撤回"}[self.value]


class CertAction(StrEnum):
    APPLY = "APPLY"
    ADD_PAPER = "ADD_PAPER"
    RESUBMIT = "RESUBMIT"
    WITHDRAW = "WITHDRAW"
    APPROVE = "APPROVE"
    RETURN = "RETURN"
    REJECT = "REJECT"

    @property
    def zh(self) -> str:
        return {"APPLY": "提交申请", "ADD_PAPER": "上传材料", "RESUBMIT": "补充材料后重新提交", "WITHDRAW": "撤回申请",
                "APPROVE": "审核通过", "RETURN": "退回补充材料", "REJECT": "审核不通过"}[self.value]


class Actor(StrEnum):
    PERSON = "PERSON"  # the applicant
    AGENCY = "AGENCY"  # staff of the applicant's insured region (reviewer duty)


# (state, action) -> (new state, who may do it). Papers are added while the agency is not deciding on them.
TRANSITIONS: dict[tuple[CertState, CertAction], tuple[CertState, Actor]] = {
    (CertState.APPLIED, CertAction.ADD_PAPER): (CertState.APPLIED, Actor.PERSON),
    (CertState.RETURNED, CertAction.ADD_PAPER): (CertState.RETURNED, Actor.PERSON),
    (CertState.RETURNED, CertAction.RESUBMIT): (CertState.APPLIED, Actor.PERSON),
    (CertState.APPLIED, CertAction.WITHDRAW): (CertState.WITHDRAWN, Actor.PERSON),
    (CertState.RETURNED, CertAction.WITHDRAW): (CertState.WITHDRAWN, Actor.PERSON),
    (CertState.APPLIED, CertAction.APPROVE): (CertState.APPROVED, Actor.AGENCY),
    (CertState.APPLIED, CertAction.RETURN): (CertState.RETURNED, Actor.AGENCY),
    (CertState.APPLIED, CertAction.REJECT): (CertState.REJECTED, Actor.AGENCY),
}

OPEN_STATES = frozenset({CertState.APPLIED, CertState.RETURNED})


@dataclass(frozen=True, slots=True)
class Certification:
    """One application for one disease and, once approved, the certification itself."""

    cert_id: str
    citizen_id: str
    insured_region: str
    disease: str
    hospital: str  # the hospital that diagnosed it (code or name as the person gave it)
    diagnosed_on: dt.date
    state: CertState
    applied_on: dt.date
    decided_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    reason: str = ""  # why it was returned or rejected, what to add

    def valid_on(self, day: dt.date) -> bool:
        return (self.state is CertState.APPROVED and self.valid_from is not None and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))


def move(cert: Certification, action: CertAction, actor: Actor) -> Certification:
    """The application after `action` by `actor`, or the refusal (state or role) by code."""
    found = TRANSITIONS.get((cert.state, action))
    if found is None:
        raise error("CHRONIC_CERT_STATE", state=cert.state.value, state_zh=cert.state.zh, action=action.value,
                    action_zh=action.zh)
    new_state, who = found
    if who is not actor:
        raise error("CHRONIC_CERT_STATE", state=cert.state.value, state_zh=cert.state.zh, action=action.value,
                    action_zh=action.zh)
    return replace(cert, state=new_state)


def check_disease(code: str) -> None:
    if code not in CHRONIC_DISEASES:
        raise error("CHRONIC_DISEASE_NOT_LISTED", disease=code)


def check_diagnosed(diagnosed_on: dt.date, today: dt.date) -> None:
    if diagnosed_on > today:
        raise error("CHRONIC_DIAGNOSIS_DATE", field="diagnosed_on", diagnosed_on=diagnosed_on.isoformat())


def check_validity(valid_from: dt.date, valid_until: dt.date, diagnosed_on: dt.date) -> None:
    """An approval starts no earlier than the diagnosis and lasts at most MAX_VALID_YEARS (then renewed)."""
    if valid_from < diagnosed_on or valid_until < valid_from or valid_until > _years_later(valid_from, MAX_VALID_YEARS):
        raise error("CHRONIC_VALIDITY", valid_from=valid_from.isoformat(),
                    valid_until=valid_until.isoformat(), max_years=MAX_VALID_YEARS,
                    diagnosed_on=diagnosed_on.isoformat())


def default_until(valid_from: dt.date) -> dt.date:
    return _years_later(valid_from, DEFAULT_VALID_YEARS) - dt.timedelta(days=1)


def decided(cert: Certification, day: dt.date, *, valid_from: dt.date | None = None,
            valid_until: dt.date | None = None, reason: str = "") -> Certification:
    """The application with the agency's decision written on it (validity for an approval, else the reason)."""
    return replace(cert, decided_on=day, valid_from=valid_from, valid_until=valid_until, reason=reason)


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def certified_on_day(certs: list[Certification], disease: str, day: dt.date) -> Certification | None:
    """The approved certification of `disease` valid on `day`, if any (the newest approval wins)."""
    valid = [c for c in certs if c.disease == disease and c.valid_on(day)]
    return max(valid, key=lambda c: (c.decided_on or c.applied_on, c.cert_id)) if valid else None
