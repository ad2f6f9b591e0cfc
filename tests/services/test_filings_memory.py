"""Filing use cases on the in-memory store: the services run without a database (yidi.store.memory).

The same rules as tests/api/test_filings_api.py and test_family_links.py prove through HTTP on SQLite and
PostgreSQL; here they show that the services depend only on the unit of work, and that a refused use case
leaves the store exactly as it was.
"""

from __future__ import annotations

import copy

import pytest

from tests.support.memory import MOTHER, SON, STRANGER, TODAY
from yidi.domain.enums import FilingType
from yidi.domain.errors import YidiError
from yidi.domain.family import FamilyLink, LinkState, Relationship, Side
from yidi.domain.filing_rules import FilingRequest, FilingStatus
from yidi.services import filings
from yidi.services.access import Principal, Role


def person(cid: str) -> Principal:
    return Principal(Role.PERSON, cid)


TEMPORARY_GZ = FilingRequest(type=FilingType.OTHER_TEMPORARY, treatment_area="440100", commitment=True,
                             materials=("credential", "filing_form", "commitment_letter"))


def test_a_person_files_for_themself(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    view = filings.file(ctx, person(MOTHER), TEMPORARY_GZ)
    assert view.record.person_id_number == MOTHER
    assert view.record.treatment_area == "440100"
    assert [e.action for e in view.events] == ["CREATED"]
    assert view.events[0].actor_role == "person"
    assert store.tables.filings[view.record.filing_id] == view.record


def test_a_stranger_is_refused_and_nothing_changes(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    before = copy.deepcopy(store.tables)
    with pytest.raises(YidiError) as exc:
        filings.file(ctx, person(STRANGER), TEMPORARY_GZ, id_number=MOTHER)
    assert (exc.value.code, exc.value.status) == ("MAY_NOT_ACT_FOR_PERSON", 403)
    assert store.tables == before


def test_a_confirmed_relative_files_and_both_follow_it(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    store.tables.family_links["L1"] = FamilyLink("L1", SON, MOTHER, Relationship.PARENT, LinkState.CONFIRMED,
                                                 TODAY, TODAY, confirmed_by=Side.RELATIVE)
    view = filings.file(ctx, person(SON), TEMPORARY_GZ, id_number=MOTHER)
    assert view.record.person_id_number == MOTHER
    assert view.record.filed_by.startswith("person:")  # the son, masked
    assert [v.record.filing_id for v in filings.list_filings(ctx, person(SON)).items] == [view.record.filing_id]
    assert [v.record.filing_id for v in filings.list_filings(ctx, person(MOTHER)).items] == [view.record.filing_id]
    done = filings.cancel(ctx, person(SON), view.record.filing_id, "回南昌了")
    assert done.record.status is FilingStatus.CANCELLED
    assert [e.action for e in done.events] == ["CREATED", "CANCELLED"]


def test_a_requested_link_is_not_enough(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    store.tables.family_links["L2"] = FamilyLink("L2", SON, MOTHER, Relationship.PARENT, LinkState.REQUESTED, TODAY)
    with pytest.raises(YidiError) as exc:
        filings.file(ctx, person(SON), TEMPORARY_GZ, id_number=MOTHER)
    assert exc.value.code == "MAY_NOT_ACT_FOR_PERSON"
    assert store.tables.filings == {}


def test_a_refused_second_filing_rolls_back_everything(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    filings.file(ctx, person(MOTHER), TEMPORARY_GZ)
    before, commits = copy.deepcopy(store.tables), store.commits
    with pytest.raises(YidiError):  # the same area and dates again overlaps the active filing
        filings.file(ctx, person(MOTHER), TEMPORARY_GZ)
    assert store.tables == before
    assert store.commits == commits


def test_an_agency_sees_only_its_own_region(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    view = filings.file(ctx, person(MOTHER), TEMPORARY_GZ)
    own = Principal(Role.AGENCY, "369900")
    assert filings.show(ctx, own, view.record.filing_id).record == view.record
    with pytest.raises(YidiError) as exc:
        filings.show(ctx, Principal(Role.AGENCY, "440100"), view.record.filing_id)
    assert (exc.value.code, exc.value.status) == ("FILING_NOT_FOUND", 404)
