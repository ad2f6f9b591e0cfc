"""The pure rules of family links: who may move a link, what a confirmed one grants, when a request lapses."""

from __future__ import annotations

import datetime as dt

import pytest

from yidi.domain.errors import YidiError
from yidi.domain.family import (
    Act,
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
)

DAY = dt.date(2026, 3, 10)
A, B = "360104198501190556", "360181196506011130"


def code(fn, *args, **kw) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(YidiError) as exc:
        fn(*args, **kw)
    return exc.value.code


def test_only_the_relative_answers_and_either_side_revokes() -> None:
    asked = new_request("GL1", A, B, Relationship.PARENT, DAY)
    assert code(move, asked, LinkAction.CONFIRM, Side.REQUESTER, DAY) == "FAMILY_LINK_FORBIDDEN"
    ok = move(asked, LinkAction.CONFIRM, Side.RELATIVE, DAY)
    assert ok.state is LinkState.CONFIRMED and ok.confirmed_by is Side.RELATIVE and ok.decided_on == DAY
    for side in Side:
        gone = move(ok, LinkAction.REVOKE, side, DAY + dt.timedelta(days=3))
        assert gone.state is LinkState.REVOKED and gone.ended_on == DAY + dt.timedelta(days=3)
        assert code(move, gone, LinkAction.CONFIRM, Side.RELATIVE, DAY) == "FAMILY_LINK_STATE"
    no = move(asked, LinkAction.DECLINE, Side.RELATIVE, DAY)
    assert no.state is LinkState.DECLINED
    assert code(move, no, LinkAction.REVOKE, Side.RELATIVE, DAY) == "FAMILY_LINK_STATE"
    assert code(new_request, "GL2", A, A, Relationship.SPOUSE, DAY) == "FAMILY_LINK_SELF"


def test_a_request_waits_30_days() -> None:
    asked = new_request("GL1", A, B, Relationship.CHILD, DAY)
    assert asked.pending(DAY + dt.timedelta(days=30)) and not asked.pending(DAY + dt.timedelta(days=31))
    assert move(asked, LinkAction.CONFIRM, Side.RELATIVE, DAY + dt.timedelta(days=30)).state is LinkState.CONFIRMED
    late = DAY + dt.timedelta(days=31)
    assert code(move, asked, LinkAction.CONFIRM, Side.RELATIVE, late) == "FAMILY_LINK_EXPIRED"


def test_what_a_confirmed_link_grants() -> None:
    asked = new_request("GL1", A, B, Relationship.PARENT, DAY)
    linked = counter_confirmed("GL3", A, B, Relationship.PARENT, DAY, (ProofKind.HOUSEHOLD_REGISTER, "户号 0042"))
    assert linked.confirmed_by is Side.AGENCY and linked.proof_kind is ProofKind.HOUSEHOLD_REGISTER
    assert grants(linked, Act.FILING) and grants(linked, Act.ELIGIBILITY)
    assert not grants(linked, Act.CLAIM)  # a claim for someone else goes through the counter with an authorisation
    assert not grants(asked, Act.FILING) and not grants(None, Act.FILING)
    assert not grants(move(linked, LinkAction.REVOKE, Side.RELATIVE, DAY), Act.FILING)
    assert may_not_act(Act.FILING).status == 403 and may_not_act(Act.CLAIM).code == "MAY_NOT_ACT_FOR_PERSON"


def test_relationships_read_both_ways() -> None:
    assert Relationship.PARENT.inverse is Relationship.CHILD and Relationship.CHILD.inverse is Relationship.PARENT
    assert Relationship.GRANDPARENT.inverse is Relationship.GRANDCHILD
    assert Relationship.SPOUSE.inverse is Relationship.SPOUSE and Relationship.OTHER.inverse is Relationship.OTHER
    assert all(r.zh and r.inverse.inverse is r for r in Relationship)
