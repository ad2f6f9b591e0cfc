"""The set-based engine equals the per-bill engine to the fen, on 20,000 random settlements.

Random packs (randpacks.py) cover every rule variant, and what a purchase at a pharmacy may use (account
only or the outpatient benefit; chronic purchases at 双通道 pharmacies); the settlements come in per-person sequences
(about eight bills a person-year) so deductibles, tier positions and caps carry from bill to bill and
are reached inside bills. The per-bill engine is chained over each person-year in settlement order
(rows.run_per_bill) and every amount of every breakdown must match.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl
import pytest

from tests.batch.randpacks import random_packs
from yidi.batch.backend import PolarsBackend
from yidi.batch.generate import generate
from yidi.batch.plan import Plan
from yidi.batch.rows import AMOUNTS, run_per_bill
from yidi.domain.packset import PackSet


def compare(packs: PackSet, df: pl.DataFrame) -> tuple[Plan, list[str]]:
    plan = Plan(PolarsBackend(), packs)
    got = {r["sid"]: r for r in plan.run(df).to_dicts()}
    want = run_per_bill(df.to_dicts(), packs)
    assert set(got) == set(want)
    bad: list[str] = []
    fields: Counter[str] = Counter()
    for sid, a in want.items():
        diffs = [f for f in AMOUNTS if a[f] != got[sid][f]]
        fields.update(diffs)
        if diffs and len(bad) < 10:
            bad.append(f"settlement {sid}: " + ", ".join(f"{f} engine {a[f]} batch {got[sid][f]}" for f in diffs))
    if fields:
        bad.append(f"fields differing: {dict(fields)}")
    return plan, bad


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_batch_equals_per_bill_engine_on_random_settlements(seed: int) -> None:
    packs = random_packs(seed)
    df = generate(packs, settlements=5_000, seed=seed, bills_per_person=8.0, unknown_code_share=0.02)
    plan, bad = compare(packs, df)
    assert not bad, "\n".join(bad)
    # purchases at pharmacies are among them (outpatient and chronic at 双通道 ones), settled by the plan too
    shops = df.filter(pl.col("institution").str.starts_with("P"))
    assert shops.height > 500 and set(shops["visit_type"]) == {"OUTPATIENT", "CHRONIC_OUTPATIENT"}
    # the paths are all exercised: set-based, folded partitions, per-bill fallback across versions
    assert plan.stats.folded_rows > 0 or seed != 11
    # person-years under item groups (or two versions) are chained through the per-bill engine
    assert plan.stats.per_bill_rows > 0
    # long-term filers treated back home (rule 9) are drawn: their rows record the long-term type they hold
    home = df.filter((pl.col("treatment_region") == pl.col("insured_region")) & pl.col("filing_type").is_not_null())
    assert home.height > 0


def test_every_variant_is_drawn() -> None:
    seen: dict[str, set[Any]] = {}
    for seed in (11, 12, 13, 14):
        for pol in random_packs(seed).policies.values():
            for v in pol.versions:
                rules = {**v.rules.model_dump(), "item_groups": bool(v.rules.item_groups)}
                for name, val in [*rules.items(), ("cut_mode", v.cross_region.cut_mode),
                                  ("unfiled_payable", v.cross_region.unfiled_payable),
                                  ("intra_province", v.cross_region.intra_province),
                                  ("long_term_at_home", v.cross_region.long_term_at_home)]:
                    seen.setdefault(name, set()).add(val)
    for name in ("tier_basis", "tier_scope", "cap_basis", "b_class_rest", "b_class_selfpay_source", "item_groups", "cut_mode",
                 "unfiled_payable", "intra_province", "long_term_at_home"):
        assert len(seen[name]) >= 2, name
    assert seen["cut_mode"] == {"subtract", "multiply", "first_selfpay"}
