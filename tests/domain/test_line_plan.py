"""The fee lines' plans kept with the pack set (engine/line_plan.py) are the plans resolved afresh."""

from __future__ import annotations

import copy
import pickle

import pytest

from tests.batch.randpacks import random_packs
from yidi.domain.engine.line_plan import plans_for, resolve
from yidi.domain.enums import VisitType


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_kept_plan_equals_the_plan_resolved_afresh(seed: int) -> None:
    packs = random_packs(seed)
    versions = [v for pol in packs.policies.values() for v in pol.versions]
    seen = set()
    for version in versions:
        for cat in packs.catalogues.values():
            for item in cat.items:
                for vt in VisitType:
                    kept = plans_for(packs, vt, version.rules, cat).of(item)
                    assert kept == resolve(item, vt, version.rules, cat)
                    assert plans_for(packs, vt, version.rules, cat).of(item) is kept  # resolved once, then kept
                    seen.add((kept.status, kept.group >= 0, kept.group_rest, kept.b_full))
    # every kind of plan was drawn: excluded, grouped (rest apart or coinsured), class-B rest in full
    assert {s for s, *_ in seen} == {"IN_SCOPE", "CLASS_C", "NOT_FOR_VISIT_TYPE"}
    assert {(g, r) for _, g, r, _ in seen} >= {(True, True), (True, False), (False, False)}
    assert any(b for *_, b in seen)
    # a copy (or a pickle: another process) keeps none of them: they are keyed by ids its objects do not have
    assert packs.memo and copy.deepcopy(packs).memo == {} and pickle.loads(pickle.dumps(packs)).memo == {}
    packs.reindex()  # a pack set indexed again keeps nothing it derived before
    assert packs.memo == {}
