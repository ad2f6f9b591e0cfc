"""A claim's states and who may move it from one to the next (ROLE_NOT_ALLOWED, CLAIM_STATE, REASON_REQUIRED)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from yidi.domain.error_catalogue import error


class ClaimState(StrEnum):
    """Life cycle of a claim: draft → submitted → in review → (returned →) approved → paid, or rejected;
    a rejected claim may be appealed once (复核): appealed → approved (then paid) or upheld (final)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    RETURNED = "RETURNED"
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"
    APPEALED = "APPEALED"
    UPHELD = "UPHELD"

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    ClaimState.DRAFT: "草稿", ClaimState.SUBMITTED: "已提交", ClaimState.IN_REVIEW: "审核中",
    ClaimState.RETURNED: "退回补充材料", ClaimState.APPROVED: "审核通过待支付", ClaimState.PAID: "已支付",
    ClaimState.REJECTED: "不予报销", ClaimState.APPEALED: "复核中",
    ClaimState.UPHELD: "复核维持不予报销",
}


class ClaimAction(StrEnum):
    SUBMIT = "SUBMIT"
    START_REVIEW = "START_REVIEW"
    RETURN = "RETURN"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    PAY = "PAY"
    APPEAL = "APPEAL"
    APPEAL_APPROVE = "APPEAL_APPROVE"
    APPEAL_UPHOLD = "APPEAL_UPHOLD"


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
    # 复核: the person (or staff at a window for them) appeals a rejection once, saying why; a second reviewer
    # decides (yidi.domain.claim_rules.appeal says who and until when)
    ClaimAction.APPEAL: (frozenset({ClaimState.REJECTED}), ClaimState.APPEALED, frozenset({"person", "agency"}), True),
    ClaimAction.APPEAL_APPROVE: (frozenset({ClaimState.APPEALED}), ClaimState.APPROVED, frozenset({"agency"}), False),
    ClaimAction.APPEAL_UPHOLD: (frozenset({ClaimState.APPEALED}), ClaimState.UPHELD, frozenset({"agency"}), True),
}
EDITABLE = frozenset({ClaimState.DRAFT, ClaimState.RETURNED})
# An invoice on a claim in one of these states is taken: no other claim may carry it. A rejected claim
# releases its invoices (the person may claim them again where the rejection says, e.g. another region);
# an appeal takes them back (if no other claim took them meanwhile), an upheld rejection releases them again.
HOLDS_INVOICES = frozenset(ClaimState) - {ClaimState.REJECTED, ClaimState.UPHELD}
# the states of a claim whose last decision was a rejection (appealed since, or upheld): statistics count them so
REJECTED_STATES = frozenset({ClaimState.REJECTED.value, ClaimState.APPEALED.value, ClaimState.UPHELD.value})

_ACTION_ZH = {
    ClaimAction.SUBMIT: "提交", ClaimAction.START_REVIEW: "开始审核", ClaimAction.RETURN: "退回补充材料",
    ClaimAction.APPROVE: "审核通过", ClaimAction.REJECT: "不予报销", ClaimAction.PAY: "支付",
    ClaimAction.APPEAL: "申请复核", ClaimAction.APPEAL_APPROVE: "复核通过", ClaimAction.APPEAL_UPHOLD: "复核维持原决定",
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
