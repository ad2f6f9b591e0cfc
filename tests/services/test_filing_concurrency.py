"""Two filings for one person at the same moment: the duplicate check holds under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from yidi.demo.dataset import DemoPerson
from yidi.domain.enums import FilingType
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import FilingRequest
from yidi.services import filings
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.repositories import Filings, Persons


def test_concurrent_long_term_filings_only_one_wins(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["dibao"]  # holds no filing
    me = Principal(Role.PERSON, p.id_number)
    areas = ["440100", "440300", "110100", "310100", "510100", "360100"]

    def attempt(area: str) -> str:
        req = FilingRequest(type=FilingType.LONG_TERM_RESIDENT, treatment_area=area, commitment=True,
                            materials=("credential", "filing_form"))
        try:
            return filings.file(ctx, me, req).record.filing_id
        except YidiError as err:
            return err.code

    with ThreadPoolExecutor(len(areas)) as pool:
        results = list(pool.map(attempt, areas))
    won = [r for r in results if r.startswith("BA")]
    assert len(won) == 1, results
    assert set(results) - set(won) <= {"FILING_DUPLICATE_LONG_TERM", "FILING_SAME_PROVINCE"}
    with unit_of_work(ctx.sessions) as s:
        row = Persons(s).row(p.id_number)
        assert row is not None and len(Filings(s).of_person(row.citizen_id)) == 1
