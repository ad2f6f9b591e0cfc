"""A person's export of their data on the in-memory store: their rows and nobody else's.

The export through HTTP on SQLite and PostgreSQL (every table pointing at the person) is proved by
tests/claims/test_personal_data_api.py and tests/api/test_family_links.py.
"""

from __future__ import annotations

import pytest

from tests.support.memory import MOTHER, SON, STRANGER, TODAY
from yidi.domain.enums import FilingType
from yidi.domain.errors import YidiError
from yidi.domain.family import FamilyLink, LinkState, Relationship, Side
from yidi.domain.filing_rules import FilingRequest
from yidi.services import accounts, filings
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.services.personal_data import export_person
from yidi.store.memory import MemoryStore

TO_GUANGZHOU = FilingRequest(type=FilingType.OTHER_TEMPORARY, treatment_area="440100", commitment=True,
                             materials=("credential", "filing_form", "commitment_letter"))
TO_SHANGHAI = TO_GUANGZHOU.model_copy(update={"treatment_area": "310100"})


@pytest.fixture
def ctx(world: tuple[Context, MemoryStore]) -> Context:
    """Her son asked to act for her and she confirmed."""
    ctx, store = world
    store.tables.family_links["L1"] = FamilyLink("L1", SON, MOTHER, Relationship.PARENT, LinkState.CONFIRMED,
                                                 TODAY, TODAY, confirmed_by=Side.RELATIVE)
    return ctx


def test_the_export_holds_the_persons_rows_and_nobody_elses(ctx: Context) -> None:
    mine = filings.file(ctx, Principal(Role.PERSON, MOTHER), TO_GUANGZHOU).record.filing_id
    filings.file(ctx, Principal(Role.PERSON, STRANGER), TO_SHANGHAI)  # a stranger's filing: never in hers
    accounts.create_user(ctx, MOTHER, "a-long-password-1", accounts.AccountRole.PERSON, MOTHER)
    accounts.create_user(ctx, STRANGER, "a-long-password-2", accounts.AccountRole.PERSON, STRANGER)

    out = export_person(ctx, Principal(Role.PERSON, MOTHER))
    assert out["person"]["citizen_id"] == MOTHER and out["person"]["name"] == "张建国"
    assert [f["filing_id"] for f in out["filings"]] == [mine]
    assert [f["treatment_area"] for f in out["filings"]] == ["440100"]
    assert {e["filing_id"] for e in out["filing_events"]} == {mine}
    assert [(k["link_id"], k["my_side"]) for k in out["family_links"]] == [("L1", "RELATIVE")]  # her son asked
    assert [u["username"] for u in out["auth_users"]] == [MOTHER]
    assert all("password_hash" not in u for u in out["auth_users"])  # secrets never leave
    assert STRANGER not in repr(out)

    son = export_person(ctx, Principal(Role.PERSON, SON))  # the link is his data too; her filing is not
    assert son["filings"] == [] and [k["my_side"] for k in son["family_links"]] == ["REQUESTER"]


def test_only_the_person_exports_and_only_when_on_file(ctx: Context) -> None:
    with pytest.raises(YidiError) as exc:
        export_person(ctx, Principal(Role.AGENCY, "369900"))
    assert exc.value.status == 403
    with pytest.raises(YidiError) as exc:
        export_person(ctx, Principal(Role.PERSON, "110105198501010035"))
    assert (exc.value.code, exc.value.status) == ("PERSON_NOT_FOUND", 404)
