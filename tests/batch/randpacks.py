"""Random policy packs that cover every rule variant, for the differential test of the batch engine.

Seeded (random.Random), so a failure reproduces. Twelve insured regions in five provinces each draw
their own variants (tier_basis, tier_scope, cap_basis, b_class_rest, b_class_selfpay_source, cut_mode
subtract/multiply/first_selfpay, item groups, benefit selectors, long-term factor, unfiled payable or not, intra-province local or
cross-region, per-admission deductibles with repeat factors or annual ones that differ by hospital level,
caps small enough to be reached mid-bill, every layer kind with thresholds, tier bases, caps, group
overrides and eligible groups, personal account scope); some take a second version in mid-year.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from yidi.domain.catalogue import Catalogue
from yidi.domain.enums import InstitutionKind, Level, VisitType
from yidi.domain.packset import PackSet
from yidi.domain.policy import InsuredPolicy
from yidi.domain.reference import Institution, Region
from yidi.policies.loader import merge_versions

PROVINCES = ["360000", "440000", "110000", "310000", "510000"]
INSURED = ["360100", "360200", "360400", "440100", "440300", "440400", "110100", "310100", "510100", "510300",
           "369900", "449900"]
GROUPS = ["特困", "低保", "低保边缘", "返贫致贫"]


def _ratio(rng: random.Random) -> str:
    r = Decimal(rng.randint(40, 100)) / 100
    if rng.random() < 0.2:  # a third decimal now and then (0.875)
        r = min(Decimal(1), r + Decimal(rng.choice([1, 5])) / 1000)
    return str(r)


def _tiers(rng: random.Random, n_max: int = 3, unit: int = 1000) -> list[dict[str, str | None]]:
    n = rng.randint(1, n_max)
    bounds = sorted(rng.sample(range(1, 40), n - 1))
    lows = [0, *[b * unit for b in bounds]]
    highs: list[int | None] = [*[b * unit for b in bounds], None]
    return [{"from": str(lo), "to": None if hi is None else str(hi), "ratio": _ratio(rng)} for lo, hi in zip(lows, highs, strict=True)]


def _grid(rng: random.Random, make: Any) -> dict[str, dict[str, Any]]:
    shape = rng.choice(["all", "cat", "level", "both"])
    if shape == "all":
        return {"ALL": {"ALL": make()}}
    if shape == "cat":
        return {"ACTIVE": {"ALL": make()}, "RETIRED": {"ALL": make()}}
    if shape == "level":
        return {"ALL": {"L1": make(), "ALL": make()}}
    return {"ACTIVE": {"L1": make(), "L3": make(), "ALL": make()}, "RETIRED": {"ALL": make()}}


def _layer(rng: random.Random, kind: str, base: str) -> dict[str, Any]:
    layer: dict[str, Any] = {
        "kind": kind, "base": base, "tier_basis": rng.choice(["above_threshold", "cumulative"]),
        "threshold": str(rng.choice([0, 0, 500, 1500, 4000])), "tiers": _tiers(rng, 3, 500),
    }
    if rng.random() < 0.8:
        layer["annual_cap"] = str(rng.randint(1, 40) * 500)
    if rng.random() < 0.3:
        layer["visit_types"] = rng.sample(["INPATIENT", "OUTPATIENT", "CHRONIC_OUTPATIENT"], rng.randint(1, 2))
    if kind == "medical_assistance" or rng.random() < 0.2:
        layer["eligible_groups"] = rng.sample(GROUPS, rng.randint(1, 4))
    if rng.random() < 0.7:
        layer["group_overrides"] = {
            "低保": {"threshold": str(rng.choice([0, 100, 750])), "no_cap": rng.random() < 0.5},
            "特困": {"tiers": _tiers(rng, 2, 500), **({"annual_cap": str(rng.randint(1, 30) * 1000)} if rng.random() < 0.5 else {})},
        }
    return layer


def _scheme(rng: random.Random, employee: bool) -> dict[str, Any]:
    pools = {"main": str(rng.randint(2, 60) * 500), "op": str(rng.randint(1, 20) * 250), "chronic": str(rng.randint(1, 30) * 500)}
    ip_mode = rng.choice(["per_admission", "per_admission", "annual"])
    ip_ded: dict[str, Any] = {"mode": ip_mode, "amounts": _grid(rng, lambda: str(rng.choice([0, 200, 500, 800, 1300])))}
    ip_ded["repeat_factors"] = ["1"]
    if ip_mode == "per_admission":
        ip_ded["repeat_factors"] = rng.choice([["1"], ["1", "0.5"], ["1", "0.8", "0.6"], ["1", "0.55", "0"]])
        ip_ded["counted_admissions"] = rng.choice(["all", "in_scope"])
    layers = []
    if employee:
        layers.append(_layer(rng, "large_amount_subsidy", "above_cap"))
        if rng.random() < 0.5:
            layers.append(_layer(rng, "civil_servant_subsidy", "personal_in_scope"))
    else:
        layers.append(_layer(rng, "critical_illness", rng.choice(["personal_in_scope", "personal_in_scope", "above_cap"])))
    if rng.random() < 0.7:
        layers.append(_layer(rng, "medical_assistance", "personal_in_scope"))
    rng.shuffle(layers)
    return {
        "caps": pools,
        "account": {"may_pay": employee and rng.random() < 0.8, "scope": rng.choice(["all_personal", "in_scope"]),
                    "away": rng.choice(["allowed", "allowed", "in_province", "forbidden"]),
                    "away_limit": rng.choice([None, None, "50", "300"])},
        "benefits": {
            "INPATIENT": {"cap_pool": "main", "deductible": ip_ded, "tiers": _grid(rng, lambda: _tiers(rng)),
                          # selectors by age / category / group (routed to the per-bill engine by the plan)
                          "selectors": ([{"name": "60岁以上", "min_age": 60, "tiers": {"ALL": {"ALL": _tiers(rng)}}},
                                         {"name": "低保", "groups": ["低保"], "cap": str(rng.randint(1, 20) * 500)}]
                                        if rng.random() < 0.15 else [])},
            "OUTPATIENT": {
                "cap_pool": rng.choice(["main", "op"]),
                "deductible": {"mode": "annual", "amounts": _grid(rng, lambda: str(rng.choice([0, 50, 100, 300, 550])))},
                "tiers": _grid(rng, lambda: _tiers(rng, 2)),
            },
            "CHRONIC_OUTPATIENT": {
                "cap_pool": rng.choice(["main", "chronic"]),
                "deductible": {"mode": "annual", "amounts": _grid(rng, lambda: str(rng.choice([0, 200, 400])))},
                "tiers": _grid(rng, lambda: _tiers(rng, 2)),
            },
        },
        "layers": layers,
    }


def _version(rng: random.Random, start: str) -> dict[str, Any]:
    src = rng.choice(["treatment", "insured"])
    return {
        "effective_from": start,
        "rules": {
            "tier_basis": rng.choice(["cumulative", "above_deductible"]),
            "tier_scope": rng.choice(["per_visit", "annual"]),
            "cap_basis": rng.choice(["fund_payment", "in_scope_cost"]),
            "b_class_rest": rng.choice(["coinsurance", "full"]),
            "b_class_selfpay_source": src,
            # stated either way: a later version replaces, never inherits, the ratio
            "b_class_selfpay_ratio": rng.choice(["0.1", "0.15", "0.125"]) if src == "insured" else None,
            # per class / item group rests (routed to the per-bill engine by the plan)
            "item_groups": ([{"name": "植入", "groups": ["implant"], "selfpay_ratio": "0.5",
                              **rng.choice([{"rest": "full"}, {"rest": "ratio", "rest_ratio": "0.8"}])},
                             {"name": "乙药", "classes": ["B"], "kinds": ["DRUG"], "rest": "coinsurance"}]
                            if rng.random() < 0.2 else []),
        },
        "cross_region": {
            "cut_mode": rng.choice(["subtract", "multiply", "first_selfpay"]),
            "cut": {"REFERRAL": str(rng.randint(0, 10)), "EMERGENCY": str(rng.randint(0, 10)),
                    "OTHER_TEMPORARY": str(rng.choice([0, 5, 12.5, 20]))},
            # both stated: a later version replaces, never inherits, the other one
            **rng.choice([{"long_term_ratio_factor": f, "long_term_cut": "0"} for f in ("1", "0.9", "0.95")]
                         + [{"long_term_ratio_factor": "1", "long_term_cut": "5"}]),
            "unfiled_cut": str(rng.randint(0, 40)),
            "unfiled_payable": rng.random() < 0.8,
            "intra_province": rng.choice(["local", "cross_region"]),
            # the settlement table records no filing for care at home, so both engines settle it locally
            "long_term_at_home": rng.choice(["local", "as_long_term"]),
        },
        # an emergency counts as filed only up to a post-hoc filing deadline (routed to the per-bill engine)
        "filing": {"emergency_filing_working_days": rng.choice([None, None, None, 3])},
        "schemes": {"EMPLOYEE": _scheme(rng, True), "RESIDENT": _scheme(rng, False)},
    }


def _catalogue(rng: random.Random, region: str) -> Catalogue:
    items: list[dict[str, Any]] = []
    for i in range(40):
        cls = rng.choices(["A", "B", "C"], [5, 4, 1])[0]
        it: dict[str, Any] = {"code": f"I{i:03d}", "name": f"项目{i}", "kind": rng.choice(["DRUG", "SERVICE", "MATERIAL"]),
                              "class": cls}
        if cls == "B" and rng.random() < 0.4:
            it["selfpay_ratio"] = rng.choice(["0.05", "0.2", "0.3", "0.125"])
        if it["kind"] == "MATERIAL" and rng.random() < 0.5:
            it["group"] = "implant"
        if rng.random() < 0.3:
            it["price_cap"] = str(rng.randint(5, 400))
        if rng.random() < 0.15:
            it["visit_types"] = rng.sample(["INPATIENT", "OUTPATIENT", "CHRONIC_OUTPATIENT"], rng.randint(1, 2))
        if rng.random() < 0.1:  # changes on 2026-05-01: two dated entries
            later = dict(it, effective_from="2026-05-01", **{"class": rng.choice(["A", "B", "C"])})
            later.pop("selfpay_ratio", None)
            items.append(dict(it, effective_to="2026-04-30"))
            items.append(later)
            continue
        items.append(it)
    return Catalogue.model_validate({"region": region, "b_class_selfpay_ratio": rng.choice(["0.1", "0.08"]), "items": items})


def random_packs(seed: int, *, mid_year_versions: bool = True) -> PackSet:
    rng = random.Random(seed)
    codes = sorted(set(INSURED))
    regions = {c: Region(c, c) for c in codes}
    insts = {f"H{r}{lv.value}": Institution(f"H{r}{lv.value}", "医院", r, lv, frozenset(VisitType)) for r in codes for lv in Level}
    # two pharmacies a region: a 双通道 one (outpatient and chronic purchases) and an ordinary one
    shop = frozenset({VisitType.OUTPATIENT})
    for r in codes:
        insts[f"P{r}1"] = Institution(f"P{r}1", "双通道药店", r, Level.UNRATED, shop | {VisitType.CHRONIC_OUTPATIENT},
                                      kind=InstitutionKind.PHARMACY, dual_channel=True)
        insts[f"P{r}2"] = Institution(f"P{r}2", "药店", r, Level.UNRATED, shop, kind=InstitutionKind.PHARMACY)
    # what a purchase may use, per version: drawn apart from the rules so their draws stay as they were
    prng = random.Random(f"pharmacy:{seed}")
    cats = {p: _catalogue(rng, p) for p in PROVINCES}
    pols = {}
    for r in INSURED:
        versions = [_version(rng, "2026-01-01")]
        if mid_year_versions and rng.random() < 0.25:
            versions.append(_version(rng, "2026-07-01"))
        for v in versions:
            v["pharmacy"] = {"pays": prng.choice(["account_only", "outpatient"])}
        pols[r] = InsuredPolicy.model_validate(merge_versions({"region": r, "versions": versions}))
    return PackSet("rand", str(seed), False, {}, regions, insts, cats, pols)
