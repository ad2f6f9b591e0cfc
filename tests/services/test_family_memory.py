"""Family link use cases on the in-memory store: ask, answer, act, end — and a request that names nobody
stores nothing. Proved through HTTP on SQLite and PostgreSQL by tests/api/test_family_links.py."""

from __future__ import annotations

import copy

import pytest

from tests.support.memory import MOTHER, SON, STRANGER
from yidi.domain.errors import YidiError
from yidi.domain.family import LinkState, ProofKind, Relationship
from yidi.services import family
from yidi.services.access import Duty, Principal, Role


def person(cid: str) -> Principal:
    return Principal(Role.PERSON, cid)


def test_a_request_naming_nobody_stores_nothing(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    before = copy.deepcopy(store.tables)
    sent = family.request_link(ctx, person(SON), MOTHER, "张建军", Relationship.PARENT)  # not her name
    assert sent == family.Sent()  # the same answer as a match: nothing told
    assert [k for k, _at in store.tables.rate_limit_hits] == [f"family:{SON}"]  # the request counts, whatever it named
    store.tables.rate_limit_hits.clear()
    assert store.tables == before  # and nothing else is stored


def test_ask_confirm_then_revoke(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    assert family.request_link(ctx, person(SON), MOTHER, "张建国", Relationship.PARENT) == family.Sent()
    (link,) = store.tables.family_links.values()
    assert (link.requester, link.relative, link.state) == (SON, MOTHER, LinkState.REQUESTED)
    assert family.my_family(ctx, person(SON)).relatives == []  # not shown before she answers
    (waiting,) = family.my_family(ctx, person(MOTHER)).awaiting_me
    assert waiting.other_is is Relationship.CHILD and waiting.other_id_number != SON  # masked
    done = family.confirm(ctx, person(MOTHER), link.link_id)
    assert done.link.state is LinkState.CONFIRMED
    assert [e.action for e in done.history] == ["REQUEST", "CONFIRM"]
    assert family.relative_id_number(ctx, person(SON), link.link_id) == MOTHER
    with pytest.raises(YidiError) as exc:  # the stranger cannot use the son's link
        family.relative_id_number(ctx, person(STRANGER), link.link_id)
    assert exc.value.code == "MAY_NOT_ACT_FOR_PERSON"
    ended = family.revoke(ctx, person(SON), link.link_id, "不再需要")
    assert ended.link.state is LinkState.REVOKED
    assert store.tables.family_links[link.link_id].state is LinkState.REVOKED


def test_agency_counter_proof_confirms_at_once(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    staff = Principal(Role.AGENCY, "369900", frozenset({Duty.REVIEWER}), "li.reviewer")
    view = family.record_counter_proof(ctx, staff, SON, MOTHER, Relationship.PARENT, ProofKind.HOUSEHOLD_REGISTER,
                                       "户口簿 第3页")
    assert view.link.state is LinkState.CONFIRMED
    with pytest.raises(YidiError) as exc:  # the same pair again
        family.record_counter_proof(ctx, staff, SON, MOTHER, Relationship.PARENT, ProofKind.HOUSEHOLD_REGISTER, "")
    assert (exc.value.code, exc.value.status) == ("FAMILY_LINK_EXISTS", 409)
    assert [v.link.link_id for v in family.links_of(ctx, staff, MOTHER)] == [view.link.link_id]
    with pytest.raises(YidiError) as exc:  # another region's staff do not see her
        family.links_of(ctx, Principal(Role.AGENCY, "440100", frozenset({Duty.REVIEWER})), MOTHER)
    assert exc.value.status == 404
