"""Family links (家人关联): the rules of who may act for whom — a person for a relative who confirmed it.

A link says "the requester may act for the relative". Only the relative can make it true: by confirming the
request while logged in, or — for a relative who cannot use the app (an elderly parent, a child) — agency
staff of the relative's insured region confirm it at the counter after checking a document (户口簿, 结婚证,
出生医学证明, 公证委托书 …). Either side may end a confirmed link; from then on the requester acts for
nobody. Pure rules here: states and who may move a link (a table), the relationship vocabulary, how long a
request waits and how many may wait, and what a confirmed link lets the requester do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError

REQUEST_VALID_DAYS = 30  # a request nobody answered lapses (and stops counting against the requester's cap)
MAX_PENDING_PER_REQUESTER = 5  # more waiting requests are not stored (the answer stays the same)
MAX_REQUESTS_PER_DAY = 10  # link requests per requester per 24 h, answered or not: probing costs days


class Relationship(StrEnum):
    """What the relative is to the requester (申请人与家人的关系)."""

    PARENT = "PARENT"
    CHILD = "CHILD"
    SPOUSE = "SPOUSE"
    GRANDPARENT = "GRANDPARENT"
    GRANDCHILD = "GRANDCHILD"
    SIBLING = "SIBLING"
    OTHER = "OTHER"

    @property
    def zh(self) -> str:
        return {"PARENT": "父母", "CHILD": "子女", "SPOUSE": "配偶", "GRANDPARENT": "祖父母、外祖父母",
                "GRANDCHILD": "孙子女、外孙子女", "SIBLING": "兄弟姐妹", "OTHER": "其他亲属"}[self.value]

    @property
    def en(self) -> str:
        return {"PARENT": "parent", "CHILD": "child", "SPOUSE": "spouse", "GRANDPARENT": "grandparent",
                "GRANDCHILD": "grandchild", "SIBLING": "sibling", "OTHER": "other relative"}[self.value]

    @property
    def inverse(self) -> Relationship:
        """What the requester is to the relative (a parent's child asks: the parent sees "子女")."""
        pairs = {"PARENT": "CHILD", "CHILD": "PARENT", "GRANDPARENT": "GRANDCHILD", "GRANDCHILD": "GRANDPARENT"}
        return Relationship(pairs.get(self.value, self.value))


class LinkState(StrEnum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"
    REVOKED = "REVOKED"

    @property
    def zh(self) -> str:
        return {"REQUESTED": "待确认", "CONFIRMED": "已确认", "DECLINED": "已拒绝", "REVOKED": "已解除"}[self.value]


class Side(StrEnum):
    """Who acts on a link: its requester, the relative it names, or agency staff at the counter."""

    REQUESTER = "REQUESTER"
    RELATIVE = "RELATIVE"
    AGENCY = "AGENCY"


class LinkAction(StrEnum):
    REQUEST = "REQUEST"
    CONFIRM = "CONFIRM"
    DECLINE = "DECLINE"
    REVOKE = "REVOKE"
    COUNTER_PROOF = "COUNTER_PROOF"

    @property
    def zh(self) -> str:
        return {"REQUEST": "发起关联", "CONFIRM": "家人确认", "DECLINE": "家人拒绝", "REVOKE": "解除关联",
                "COUNTER_PROOF": "经办机构窗口核验确认"}[self.value]


class ProofKind(StrEnum):
    """The document agency staff checked at the counter."""

    HOUSEHOLD_REGISTER = "HOUSEHOLD_REGISTER"
    MARRIAGE_CERTIFICATE = "MARRIAGE_CERTIFICATE"
    BIRTH_CERTIFICATE = "BIRTH_CERTIFICATE"
    NOTARISED_AUTHORISATION = "NOTARISED_AUTHORISATION"
    GUARDIANSHIP = "GUARDIANSHIP"
    OTHER = "OTHER"

    @property
    def zh(self) -> str:
        return {"HOUSEHOLD_REGISTER": "户口簿", "MARRIAGE_CERTIFICATE": "结婚证", "BIRTH_CERTIFICATE": "出生医学证明",
                "NOTARISED_AUTHORISATION": "公证委托书", "GUARDIANSHIP": "监护关系证明",
                "OTHER": "其他关系证明"}[self.value]


class Act(StrEnum):
    """What someone may want to do for a person."""

    FILING = "FILING"  # file, change, cancel, see filings (备案)
    ELIGIBILITY = "ELIGIBILITY"  # check whether a visit can settle directly (待遇资格)
    CLAIM = "CLAIM"  # a manual claim (手工报销): paper authorisation at the counter, not a family link
    SETTLEMENTS = "SETTLEMENTS"  # see settlements and their slips (结算记录), e.g. a child for an elderly parent
    CHRONIC = "CHRONIC"  # apply for 门诊慢特病 certification, add papers, follow it (e.g. for an elderly parent)

    @property
    def zh(self) -> str:
        return {"FILING": "办理或查看备案", "ELIGIBILITY": "查询待遇资格", "CLAIM": "申请手工报销",
                "SETTLEMENTS": "查看结算记录", "CHRONIC": "申请或查看门诊慢特病认定"}[self.value]


# What a confirmed link lets the requester do for the relative. A manual claim pays money to a bank account:
# acting for someone there needs the signed authorisation (委托书) the claim checklist asks for, checked by staff.
LINK_GRANTS: frozenset[Act] = frozenset({Act.FILING, Act.ELIGIBILITY, Act.SETTLEMENTS, Act.CHRONIC})

# (state, action) -> (new state, who may do it)
TRANSITIONS: dict[tuple[LinkState, LinkAction], tuple[LinkState, frozenset[Side]]] = {
    (LinkState.REQUESTED, LinkAction.CONFIRM): (LinkState.CONFIRMED, frozenset({Side.RELATIVE})),
    (LinkState.REQUESTED, LinkAction.DECLINE): (LinkState.DECLINED, frozenset({Side.RELATIVE})),
    (LinkState.REQUESTED, LinkAction.COUNTER_PROOF): (LinkState.CONFIRMED, frozenset({Side.AGENCY})),
    (LinkState.CONFIRMED, LinkAction.REVOKE): (LinkState.REVOKED, frozenset(Side)),
}


@dataclass(frozen=True, slots=True)
class FamilyLink:
    """One link between two persons (by citizen ID), as stored."""

    link_id: str
    requester: str
    relative: str
    relationship: Relationship
    state: LinkState
    requested_on: dt.date
    decided_on: dt.date | None = None  # confirmed or declined
    ended_on: dt.date | None = None  # revoked
    confirmed_by: Side | None = None  # RELATIVE (online) or AGENCY (counter proof)
    proof_kind: ProofKind | None = None
    proof_note: str = ""

    @property
    def live(self) -> bool:
        """REQUESTED or CONFIRMED: at most one such link per (requester, relative)."""
        return self.state in (LinkState.REQUESTED, LinkState.CONFIRMED)

    def expires_on(self) -> dt.date:
        return self.requested_on + dt.timedelta(days=REQUEST_VALID_DAYS)

    def pending(self, today: dt.date) -> bool:
        """A request the relative can still answer."""
        return self.state is LinkState.REQUESTED and today <= self.expires_on()


def grants(link: FamilyLink | None, act: Act) -> bool:
    """Whether this link lets its requester do `act` for its relative now."""
    return link is not None and link.state is LinkState.CONFIRMED and act in LINK_GRANTS


def refuse_self(requester: str, relative: str) -> None:
    if requester == relative:
        raise error("FAMILY_LINK_SELF")


def new_request(link_id: str, requester: str, relative: str, relationship: Relationship, today: dt.date) -> FamilyLink:
    refuse_self(requester, relative)
    return FamilyLink(link_id, requester, relative, relationship, LinkState.REQUESTED, today)


def renew_request(link: FamilyLink, relationship: Relationship, today: dt.date) -> FamilyLink:
    """The same pair asks again while a request waits or lapsed: it waits again from today."""
    return replace(link, relationship=relationship, requested_on=today)


def move(link: FamilyLink, action: LinkAction, side: Side, today: dt.date, *,
         proof: tuple[ProofKind, str] | None = None) -> FamilyLink:
    """The link after `side` does `action`, or the reason it may not."""
    found = TRANSITIONS.get((link.state, action))
    if found is None:
        raise error("FAMILY_LINK_STATE", state_zh=link.state.zh, action_zh=action.zh, state=link.state.value,
                    action=action.value)
    new_state, who = found
    if side not in who:
        raise error("FAMILY_LINK_FORBIDDEN", action_zh=action.zh, action_en=action.value.lower())
    if link.state is LinkState.REQUESTED and action is LinkAction.CONFIRM and not link.pending(today):
        raise error("FAMILY_LINK_EXPIRED", request_valid_days=REQUEST_VALID_DAYS)
    if new_state is LinkState.REVOKED:
        return replace(link, state=new_state, ended_on=today)
    kind, note = proof if proof is not None else (None, "")
    return replace(link, state=new_state, decided_on=today,
                   confirmed_by=side if new_state is LinkState.CONFIRMED else None, proof_kind=kind, proof_note=note)


def counter_confirmed(link_id: str, requester: str, relative: str, relationship: Relationship, today: dt.date,
                      proof: tuple[ProofKind, str]) -> FamilyLink:
    """A link agency staff confirm at the counter with no online request before it."""
    return move(new_request(link_id, requester, relative, relationship, today), LinkAction.COUNTER_PROOF,
                Side.AGENCY, today, proof=proof)


def may_not_act(act: Act) -> YidiError:
    """The one refusal for acting for someone else: the same whether that person exists or not."""
    if act in LINK_GRANTS:
        return error("MAY_NOT_ACT_FOR_PERSON", what_zh=act.zh, what_en=act.value.lower(),
                     how_zh="您只能为本人或已确认家人关联的亲属办理。请先在“我的家人”中发起关联并等对方确认，"
                            "或由对方携关系证明到其参保地医保经办机构窗口办理关联",
                     how_en="only for yourself or for a relative who confirmed a family link: request one under "
                            "'My family' and wait for their confirmation, or have the link recorded at their "
                            "agency's counter")
    return error("MAY_NOT_ACT_FOR_PERSON", what_zh=act.zh, what_en=act.value.lower(),
                 how_zh="只能由本人在线办理；家人代办请持委托书和双方身份证件到参保人的参保地医保经办机构窗口办理",
                 how_en="only the person may do it online; someone acting for them brings a signed authorisation "
                        "and both ID cards to the person's insured-region agency")
