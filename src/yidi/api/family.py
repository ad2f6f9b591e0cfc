"""Routes for family links (家人关联): a person's own (`/me/relatives`) and agency staff's counter (`/family-links`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from yidi.api.deps import Caller, Ctx
from yidi.domain import bounds as B
from yidi.domain.family import LinkState, ProofKind, Relationship, Side
from yidi.domain.validation import IdNumber, Strict, Text
from yidi.http.errors import ErrorOut
from yidi.http.json_body import JsonRoute
from yidi.services import family
from yidi.services.family import LinkRequestIn, LinkView

me_router = APIRouter(prefix="/me/relatives", tags=["family 家人关联"], route_class=JsonRoute)
agency_router = APIRouter(prefix="/family-links", tags=["family 家人关联"], route_class=JsonRoute)
LinkId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


class SentOut(BaseModel):
    message_zh: str
    message_en: str


class RevokeIn(Strict):
    reason: Text = Field(default="", max_length=B.REASON)


class CounterProofIn(Strict):
    """What agency staff checked at the counter: who may act for whom, and the document seen."""

    requester_id_number: IdNumber
    relative_id_number: IdNumber
    relationship: Relationship = Field(description="what the relative is to the requester")
    proof_kind: ProofKind
    proof_note: Text = Field(min_length=1, max_length=B.PROOF_NOTE, description="document number or note")


class PersonQueryIn(Strict):
    id_number: IdNumber


class LinkEventOut(BaseModel):
    seq: int
    action: str
    state: LinkState
    actor_role: str
    actor: str
    on_day: dt.date
    note: str


class LinkOut(BaseModel):
    link_id: str
    side: Side = Field(description="the viewer's side: REQUESTER (may act for the other) or RELATIVE")
    other_name: str
    other_id_number: str = Field(description="masked")
    relationship: Relationship = Field(description="what the relative is to the requester")
    other_is_zh: str = Field(description="what the other person is to the viewer")
    state: LinkState
    state_zh: str
    requested_on: dt.date
    decided_on: dt.date | None
    ended_on: dt.date | None
    confirmed_by: Side | None
    proof_kind: ProofKind | None
    history: list[LinkEventOut] | None = None


class MyFamilyOut(BaseModel):
    relatives: list[LinkOut]
    awaiting_me: list[LinkOut]
    acting_for_me: list[LinkOut]


def link_out(v: LinkView, *, history: bool = True) -> LinkOut:
    k = v.link
    return LinkOut(
        link_id=k.link_id, side=v.side, other_name=v.other_name, other_id_number=v.other_id_number,
        relationship=k.relationship, other_is_zh=v.other_is.zh, state=k.state, state_zh=k.state.zh,
        requested_on=k.requested_on, decided_on=k.decided_on, ended_on=k.ended_on, confirmed_by=k.confirmed_by,
        proof_kind=k.proof_kind,
        history=[LinkEventOut(seq=e.seq, action=e.action, state=e.state, actor_role=e.actor_role, actor=e.actor,
                              on_day=e.on_day, note=e.note) for e in v.history] if history else None)


@me_router.post("", response_model=SentOut, status_code=status.HTTP_202_ACCEPTED,
                responses={429: {"model": ErrorOut, "description": "FAMILY_LINK_RATE_LIMITED"}}, summary="发起家人关联 Ask a relative to confirm a family link (same answer whatever is found)")
def request_link(ctx: Ctx, caller: Caller, body: LinkRequestIn) -> SentOut:
    sent = family.request_link(ctx, caller, body.id_number, body.name, body.relationship)
    return SentOut(message_zh=sent.message_zh, message_en=sent.message_en)


@me_router.get("", response_model=MyFamilyOut, summary="我的家人 My family links and requests awaiting me")
def my_family(ctx: Ctx, caller: Caller) -> MyFamilyOut:
    mine = family.my_family(ctx, caller)
    return MyFamilyOut(relatives=[link_out(v, history=False) for v in mine.relatives],
                       awaiting_me=[link_out(v, history=False) for v in mine.awaiting_me],
                       acting_for_me=[link_out(v, history=False) for v in mine.acting_for_me])


@me_router.post("/{link_id}/confirm", response_model=LinkOut, summary="确认家人关联 Confirm (the relative)")
def confirm(ctx: Ctx, caller: Caller, link_id: LinkId) -> LinkOut:
    return link_out(family.confirm(ctx, caller, link_id))


@me_router.post("/{link_id}/decline", response_model=LinkOut, summary="拒绝 Decline (the relative)")
def decline(ctx: Ctx, caller: Caller, link_id: LinkId) -> LinkOut:
    return link_out(family.decline(ctx, caller, link_id))


@me_router.post("/{link_id}/revoke", response_model=LinkOut, summary="解除家人关联 Revoke (either side)")
def revoke(ctx: Ctx, caller: Caller, link_id: LinkId, body: RevokeIn | None = None) -> LinkOut:
    return link_out(family.revoke(ctx, caller, link_id, body.reason if body else ""))


@agency_router.post("", response_model=LinkOut, status_code=status.HTTP_201_CREATED,
                    summary="窗口核验家人关系 Record the proof checked at the counter (agency reviewer)")
def counter_proof(ctx: Ctx, caller: Caller, body: CounterProofIn) -> LinkOut:
    return link_out(family.record_counter_proof(ctx, caller, body.requester_id_number, body.relative_id_number,
                                                body.relationship, body.proof_kind, body.proof_note))


@agency_router.post("/query", response_model=list[LinkOut],
                    summary="某参保人的家人关联 Links of a person insured in the region (agency; ID in the body, not the URL)")
def links_of(ctx: Ctx, caller: Caller, body: PersonQueryIn) -> list[LinkOut]:
    return [link_out(v) for v in family.links_of(ctx, caller, body.id_number)]


@agency_router.post("/{link_id}/revoke", response_model=LinkOut, summary="解除家人关联 Revoke at the counter (agency)")
def agency_revoke(ctx: Ctx, caller: Caller, link_id: LinkId, body: RevokeIn | None = None) -> LinkOut:
    return link_out(family.revoke(ctx, caller, link_id, body.reason if body else ""))
