"""Family links (家人关联) use cases: request one, see mine, confirm, decline, revoke, and the counter proof.

A request never tells whether the ID number and name belong to anyone: the answer is the same sentence
whether they match a person or not, nothing is stored when they do not, and the requester sees a link only
once the relative has confirmed it. Requests are rate-limited per requester (counted whatever the outcome)
and at most a few may wait, so the door cannot be used to probe who is insured. Agency staff (reviewer duty)
of the relative's insured region record the proof they checked at the counter; either side, or that agency,
may revoke a confirmed link.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from yidi.domain import bounds as B
from yidi.domain.eligibility import normalise_name
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import (
    MAX_PENDING_PER_REQUESTER,
    MAX_REQUESTS_PER_DAY,
    REQUEST_VALID_DAYS,
    Act,
    FamilyLink,
    LinkAction,
    LinkState,
    ProofKind,
    Relationship,
    Side,
    counter_confirmed,
    grants,
    may_not_act,
    move,
    new_request,
    refuse_self,
    renew_request,
)
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.reference import Person
from yidi.domain.validation import IdNumber, Strict, Text
from yidi.services.access import Principal, Role, require
from yidi.services.accounts import RateLimiter
from yidi.services.acting import person_not_found
from yidi.services.context import Context
from yidi.store.repositories.family import LinkEvent, LinkWithNames
from yidi.store.uow import Conflict, UnitOfWork

SENT_ZH = ("已提交。如果该身份证号码和姓名属于一位参保人，对方登录后会在“我的家人”中看到您的请求；对方确认后，"
           f"您就可以为其办理备案。请求 {REQUEST_VALID_DAYS} 天内有效。")
SENT_EN = ("Sent. If this ID number and name belong to an insured person, they will see your request under 'My "
           f"family' when they sign in; once they confirm, you can file for them. The request is valid for "
           f"{REQUEST_VALID_DAYS} days.")

# every request counts, matched or not (in the database, like the login limiter: across worker processes)
request_limiter = RateLimiter(limit=MAX_REQUESTS_PER_DAY, window=24 * 3600.0)


class LinkRequestIn(Strict):
    """Ask a relative to confirm that you may act for them: their ID number, their name as registered, and
    what they are to you."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)
    relationship: Relationship


@dataclass(frozen=True, slots=True)
class Sent:
    message_zh: str = SENT_ZH
    message_en: str = SENT_EN


@dataclass(frozen=True, slots=True)
class LinkView:
    """A link as one of its sides (or agency staff) sees it."""

    link: FamilyLink
    side: Side  # the viewer's side
    other_name: str
    other_id_number: str  # masked
    history: Sequence[LinkEvent] = ()

    @property
    def other_is(self) -> Relationship:
        """What the other person is to the viewer."""
        return self.link.relationship if self.side is Side.REQUESTER else self.link.relationship.inverse


@dataclass(frozen=True, slots=True)
class MyFamily:
    relatives: list[LinkView]  # I may act (or could act) for them: links I asked for and they confirmed
    awaiting_me: list[LinkView]  # requests I can confirm or decline
    acting_for_me: list[LinkView]  # links naming me as the relative, once answered


def new_link_id(today: dt.date) -> str:
    """GL + date + 10 random hex digits: unguessable."""
    return f"GL{today:%Y%m%d}{secrets.token_hex(5).upper()}"


def _not_found(link_id: str) -> YidiError:
    return error("FAMILY_LINK_NOT_FOUND", link_id=link_id)


def _view(uow: UnitOfWork, found: LinkWithNames, side: Side, *, history: bool = True) -> LinkView:
    link = found.link
    other, name = (link.relative, found.relative_name) if side is not Side.RELATIVE else \
        (link.requester, found.requester_name)
    return LinkView(link, side, name, mask_id(other), uow.family_links.events(link.link_id) if history else ())


def _event(uow: UnitOfWork, link: FamilyLink, action: LinkAction, principal: Principal, today: dt.date,
           note: str = "") -> None:
    actor = f"{principal.shown} {principal.user}".strip() if principal.role is Role.AGENCY else principal.shown
    uow.family_links.record_event(link, action=action.value, actor_role=principal.role.value, actor=actor,
                                  on_day=today, note=note)


def _me(uow: UnitOfWork, principal: Principal) -> Person | None:
    require(principal, Role.PERSON, what_zh="管理家人关联", what_en="manage family links")
    return uow.persons.get(principal.subject)


def request_link(ctx: Context, principal: Principal, id_number: str, name: str, relationship: Relationship) -> Sent:
    """Ask a relative to confirm that the caller may act for them. The same answer whatever is found."""
    require(principal, Role.PERSON, what_zh="发起家人关联", what_en="request family links")
    number = parse_citizen_id(id_number, "id_number").number
    today = ctx.today()
    refuse_self(principal.subject, number)
    key = f"family:{principal.subject}"
    wait = request_limiter.retry_after(ctx, key)
    if wait:
        raise error("FAMILY_LINK_RATE_LIMITED", max_requests_per_day=MAX_REQUESTS_PER_DAY, wait=wait,
                    retry_after=wait)
    request_limiter.fail(ctx, key)
    try:
        with ctx.uow() as uow:
            me, relative = uow.persons.get(principal.subject), uow.persons.get(number)
            if me is None or relative is None or normalise_name(name) != normalise_name(relative.name):
                return Sent()  # nothing stored, nothing told
            links = uow.family_links
            live = links.live_between(principal.subject, number, lock=True)
            if live is not None:
                if live.link.state is LinkState.REQUESTED:
                    renewed = renew_request(live.link, relationship, today)
                    links.save(renewed)
                    _event(uow, renewed, LinkAction.REQUEST, principal, today, "再次发起")
                return Sent()
            since = today - dt.timedelta(days=REQUEST_VALID_DAYS)
            if links.waiting_from(principal.subject, since) >= MAX_PENDING_PER_REQUESTER:
                return Sent()  # silently not stored: a visible cap would tell which requests matched
            link = new_request(new_link_id(today), principal.subject, number, relationship, today)
            links.save(link)
            _event(uow, link, LinkAction.REQUEST, principal, today)
    except Conflict:
        pass  # the same request, sent twice at once: the other one is stored
    return Sent()


def my_family(ctx: Context, principal: Principal) -> MyFamily:
    """我的家人: confirmed links I asked for, requests awaiting my answer, and links naming me."""
    today = ctx.today()
    with ctx.uow() as uow:
        me = _me(uow, principal)
        out = MyFamily([], [], [])
        if me is None:
            return out
        for found in uow.family_links.of_person(principal.subject):
            link = found.link
            if link.requester == principal.subject:
                if link.state in (LinkState.CONFIRMED, LinkState.REVOKED):  # never a request not yet answered
                    out.relatives.append(_view(uow, found, Side.REQUESTER, history=False))
            elif link.pending(today):
                out.awaiting_me.append(_view(uow, found, Side.RELATIVE, history=False))
            elif link.state is not LinkState.REQUESTED:
                out.acting_for_me.append(_view(uow, found, Side.RELATIVE, history=False))
        return out


def relative_id_number(ctx: Context, principal: Principal, link_id: str, act: Act = Act.FILING) -> str:
    """The full ID number of the relative a CONFIRMED link of the caller names (the filing form's choice, the
    settlement history's), else MAY_NOT_ACT_FOR_PERSON: the pages offer relatives by link, never by a typed number."""
    with ctx.uow() as uow:
        _me(uow, principal)
        found = uow.family_links.get(link_id)
        if found is None or found.link.requester != principal.subject or not grants(found.link, act):
            raise may_not_act(act)
        return found.link.relative


def _mine(uow: UnitOfWork, principal: Principal, link_id: str) -> tuple[LinkWithNames, Side]:
    me = _me(uow, principal)
    found = uow.family_links.get(link_id, lock=True)
    if me is None or found is None:
        raise _not_found(link_id)
    if found.link.relative == principal.subject:
        return found, Side.RELATIVE
    if found.link.requester == principal.subject and found.link.state in (LinkState.CONFIRMED, LinkState.REVOKED):
        return found, Side.REQUESTER
    raise _not_found(link_id)  # not theirs, or a request the relative has not answered yet


def _act(ctx: Context, principal: Principal, link_id: str, action: LinkAction, note: str = "") -> LinkView:
    today = ctx.today()
    with ctx.uow() as uow:
        found, side = _mine(uow, principal, link_id)
        return _apply(uow, found, side, action, principal, today, note)


def _apply(uow: UnitOfWork, found: LinkWithNames, side: Side, action: LinkAction, principal: Principal, today: dt.date,
           note: str = "", proof: tuple[ProofKind, str] | None = None, proof_by: str = "") -> LinkView:
    done = move(found.link, action, side, today, proof=proof)
    uow.family_links.save(done, proof_by=proof_by)
    _event(uow, done, action, principal, today, note)
    again = uow.family_links.get(done.link_id)
    assert again is not None
    return _view(uow, again, Side.RELATIVE if side is Side.AGENCY else side)


def confirm(ctx: Context, principal: Principal, link_id: str) -> LinkView:
    """The relative agrees: the requester may now file for them and follow their filings."""
    return _act(ctx, principal, link_id, LinkAction.CONFIRM)


def decline(ctx: Context, principal: Principal, link_id: str) -> LinkView:
    return _act(ctx, principal, link_id, LinkAction.DECLINE)


def revoke(ctx: Context, principal: Principal, link_id: str, reason: str = "") -> LinkView:
    """Either side ends a confirmed link; from now on the requester acts for the relative no more. Agency staff
    of the relative's insured region may end it at the counter too."""
    if principal.role is not Role.AGENCY:
        return _act(ctx, principal, link_id, LinkAction.REVOKE, reason)
    today = ctx.today()
    with ctx.uow() as uow:
        found = uow.family_links.get(link_id, lock=True)
        if found is None or found.relative_region != principal.subject:
            raise _not_found(link_id)
        return _apply(uow, found, Side.AGENCY, LinkAction.REVOKE, principal, today, reason)


def record_counter_proof(ctx: Context, principal: Principal, requester_id_number: str, relative_id_number: str,
                         relationship: Relationship, proof_kind: ProofKind, proof_note: str) -> LinkView:
    """经办机构窗口核验: staff of the relative's insured region confirm a link after checking a document —
    a waiting request is confirmed, or a new link is made confirmed."""
    require(principal, Role.AGENCY, what_zh="记录家人关系证明", what_en="record family link proof")
    req_no = parse_citizen_id(requester_id_number, "requester_id_number").number
    rel_no = parse_citizen_id(relative_id_number, "relative_id_number").number
    today = ctx.today()
    proof = (proof_kind, proof_note.strip())
    proof_by = f"{principal.subject} {principal.user}".strip()[:40]
    try:
        return _counter(ctx, principal, req_no, rel_no, relationship, proof, proof_by, today)
    except Conflict:  # two counters recording the same pair at once: the other one is stored
        raise error("FAMILY_LINK_EXISTS") from None


def _counter(ctx: Context, principal: Principal, req_no: str, rel_no: str, relationship: Relationship,
             proof: tuple[ProofKind, str], proof_by: str, today: dt.date) -> LinkView:
    proof_kind = proof[0]
    with ctx.uow() as uow:
        relative = uow.persons.get(rel_no)
        if relative is None or relative.insured_region != principal.subject:
            raise person_not_found("relative_id_number")
        if uow.persons.get(req_no) is None:
            raise person_not_found("requester_id_number")
        links = uow.family_links
        live = links.live_between(req_no, rel_no, lock=True)
        if live is not None and live.link.state is LinkState.CONFIRMED:
            raise error("FAMILY_LINK_EXISTS")
        if live is not None:
            return _apply(uow, live, Side.AGENCY, LinkAction.COUNTER_PROOF, principal, today, proof_kind.zh,
                          proof, proof_by)
        link = counter_confirmed(new_link_id(today), req_no, rel_no, relationship, today, proof)
        links.save(link, proof_by=proof_by)
        _event(uow, link, LinkAction.COUNTER_PROOF, principal, today, proof_kind.zh)
        found = links.get(link.link_id)
        assert found is not None
        return _view(uow, found, Side.RELATIVE)


def links_of(ctx: Context, principal: Principal, id_number: str) -> list[LinkView]:
    """Agency staff: every link naming a person insured in their region (either side), with history."""
    require(principal, Role.AGENCY, what_zh="查看家人关联", what_en="see family links")
    number = parse_citizen_id(id_number, "id_number").number
    with ctx.uow() as uow:
        person = uow.persons.get(number)
        if person is None or person.insured_region != principal.subject:
            raise person_not_found()
        return [_view(uow, f, Side.RELATIVE if f.link.relative == number else Side.REQUESTER)
                for f in uow.family_links.of_person(number)]
