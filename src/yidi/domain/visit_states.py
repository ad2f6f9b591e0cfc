"""A visit's life at the hospital (入院 → 出院 → 结算, and back): which transaction is allowed in which state.

States: OPEN (admitted or registered), DISCHARGED (出院办理 2402 done, not settled), SETTLED, CANCELLED
(入院撤销 2404 / 挂号撤销 2202). A settlement revoked (2305) leaves an inpatient visit DISCHARGED (the person
left; the hospital settles again, or cancels the discharge with 2405) and an outpatient visit OPEN. An
inpatient visit OPEN or DISCHARGED is an open admission: the person is not free to be admitted elsewhere
until it is settled or cancelled (cancel needs its discharge cancelled and its fee lines withdrawn first,
as on the national platform: undo runs 2305 → 2405 → 2302 → 2404).
"""

from __future__ import annotations

from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError

OPEN, DISCHARGED, SETTLED, CANCELLED = "OPEN", "DISCHARGED", "SETTLED", "CANCELLED"
# not settled and not cancelled: lines may change, pre-settle and settle may run; inpatient ones are admissions
UNSETTLED = (OPEN, DISCHARGED)

STATE_ZH = {OPEN: "在院（已登记）", DISCHARGED: "已出院未结算", SETTLED: "已结算", CANCELLED: "已撤销登记"}
STATE_EN = {OPEN: "open", DISCHARGED: "discharged, not settled", SETTLED: "settled", CANCELLED: "cancelled"}

# transition -> (states it may start from, visit types it applies to, zh name, en name)
TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[VisitType, ...], str, str]] = {
    "cancel": ((OPEN,), tuple(VisitType), "撤销入院（挂号）登记", "cancel the registration"),
    "change": (UNSETTLED, tuple(VisitType), "变更就诊信息", "change the visit"),
    "discharge": ((OPEN,), (VisitType.INPATIENT,), "办理出院", "discharge"),
    "discharge_cancel": ((DISCHARGED,), (VisitType.INPATIENT,), "撤销出院", "cancel the discharge"),
}

# what the hospital does first, by the state that stands in the way
_TODO = {
    OPEN: ("该就诊尚未办理出院", "the visit has not been discharged"),
    DISCHARGED: ("请先撤销出院（出院撤销）", "cancel the discharge first"),
    SETTLED: ("请先撤销结算（结算撤销）", "revoke the settlement first"),
    CANCELLED: ("该登记已撤销，请重新办理登记", "the registration was cancelled; register the visit again"),
}


def after_revoke(visit_type: VisitType) -> str:
    """The state a revoked settlement leaves its visit in: an admission stays discharged (the person left),
    an outpatient visit is open again."""
    return DISCHARGED if visit_type is VisitType.INPATIENT else OPEN


# the visit types a transaction code is for: the inpatient codes (24xx) and the outpatient ones (22xx)
ADMISSIONS = (VisitType.INPATIENT,)
OUTPATIENT_VISITS = (VisitType.OUTPATIENT, VisitType.CHRONIC_OUTPATIENT)


def check_transition(transition: str, visit_type: VisitType, state: str, mdtrt_id: str,
                     only: tuple[VisitType, ...] | None = None) -> None:
    """Refuse a transition from the wrong state (VISIT_STATE_NOT_ALLOWED) or of the wrong visit type
    (VISIT_TYPE_NOT_ALLOWED; `only`: the types the caller's transaction code is for); both 409 and change
    nothing."""
    states, types, zh, en = TRANSITIONS[transition]
    allowed = tuple(t for t in types if only is None or t in only)
    if visit_type not in allowed:
        raise error("VISIT_TYPE_NOT_ALLOWED", mdtrt_id=mdtrt_id, action_zh=zh, action_en=en,
                    visit_type=visit_type.value.lower(), visit_type_zh=visit_type.zh,
                    allowed_zh="、".join(t.zh for t in allowed), allowed_en=", ".join(t.value.lower() for t in allowed))
    if state not in states:
        todo_zh, todo_en = _TODO.get(state, ("", ""))
        raise error("VISIT_STATE_NOT_ALLOWED", mdtrt_id=mdtrt_id, action_zh=zh, action_en=en,
                    state_zh=STATE_ZH.get(state, state), state_en=STATE_EN.get(state, state),
                    todo_zh=todo_zh, todo_en=todo_en)


def refuse_active_lines(active_lines: int, mdtrt_id: str) -> YidiError | None:
    """A registration is cancelled only without fee lines: they are withdrawn first (费用明细撤销)."""
    if active_lines:
        return error("VISIT_HAS_LINES", mdtrt_id=mdtrt_id, count=active_lines)
    return None
