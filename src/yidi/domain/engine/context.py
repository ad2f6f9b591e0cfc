"""What a calculation works on: the institution and policy version a bill resolves to, and clause citing."""

from __future__ import annotations

from dataclasses import dataclass

from yidi.domain.bill import Bill
from yidi.domain.breakdown import Clause
from yidi.domain.error_catalogue import problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.packset import PackSet
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution, Person, province_of
from yidi.domain.sources import Source


@dataclass(slots=True)
class Ctx:
    """What the steps need to cite clauses."""

    packs: PackSet
    region: str
    version: str

    def clause(self, parameter: str, *sources: Source | None, also: tuple[str, ...] = ()) -> Clause:
        src = next((s for s in sources if s is not None), None)
        return Clause(
            self.region,
            f"{self.packs.name}@{self.packs.version}",
            self.version,
            parameter,
            self.packs.cite(src.doc) if src else "",
            src.article if src else "",
            also,
        )


def resolve(bill: Bill, person: Person, packs: PackSet) -> tuple[Institution, PolicyVersion]:
    """The bill's institution and the insured region's policy version in force; every problem at once."""
    problems: list[Problem] = []
    inst = packs.institutions.get(bill.institution)
    if inst is None:
        problems.append(problem("INSTITUTION_UNKNOWN", institution=bill.institution))
    if person.insured_region not in packs.regions:
        problems.append(problem("REGION_UNKNOWN", "person.insured_region",
                                what_zh="参保地统筹区编码", what_en="pooling region",
                                region=person.insured_region))
    if bill.filing is not None and bill.filing.treatment_area not in packs.regions and not (
        bill.filing.treatment_area.endswith("0000")
        and any(province_of(c) == bill.filing.treatment_area for c in packs.regions)
    ):
        problems.append(problem("REGION_UNKNOWN", "filing.treatment_area",
                                what_zh="备案就医地编码", what_en="treatment area",
                                region=bill.filing.treatment_area))
    found = packs.policy_for(person.insured_region, bill.day) if person.insured_region in packs.regions else None
    if person.insured_region in packs.regions and found is None:
        problems.append(problem("POLICY_NOT_IN_FORCE", region=person.insured_region, day=bill.day))
    if inst is not None and packs.catalogue_for(inst.region) is None:
        problems.append(problem("CATALOGUE_MISSING", region=inst.region))
    if problems:
        raise YidiError.of(problems)
    assert inst is not None and found is not None
    return inst, found[1]
