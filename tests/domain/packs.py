"""Tiny policy packs with round figures for hand-computed tests, written to a folder and loaded for real.

The tests must not depend on the shipped sample pack, so every test builds its own pack here: a base
policy for the insured region 360100 (南昌, Jiangxi) and a catalogue for Guangdong (440000) and Jiangxi
(360000), changed per test with `loader.deep_merge` (dicts merge key by key; lists replace), written as
YAML into a tmp folder and read back with `yidi.policies.loader.load_packs`.

Base figures (all round, so a reader can recompute every test by hand):
- EMPLOYEE inpatient: deductible 800 per admission (any level), one tier 0..∞ at 85 %, annual cap 400,000
  (pool `basic`); outpatient: annual deductible 600, 60 %, own pool `outpatient` capped at 5,000.
- RESIDENT inpatient: deductible 1,000, 70 %, cap 200,000.
- No layers, personal account not usable, cross-region: cut_mode subtract, no cuts, unfiled_cut 20,
  long_term_ratio_factor 1, intra_province local.
Numbers are written as strings: never floats.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from yidi.domain.packset import PackSet
from yidi.policies.loader import deep_merge, load_packs

INSURED = "360100"  # 南昌市: the insured region of every test person
GANZHOU = "360700"  # 赣州市: same province as the insured region
GUANGZHOU = "440100"  # 广州市: cross-province treatment region
BEIJING = "110100"  # 北京市: a region a filing may point at instead

H_GZ = "H44010000001"  # level-3 hospital in Guangzhou (cross-province)
H_GANZHOU = "H36070000001"  # level-3 hospital in Ganzhou (intra-province)
H_NC = "H36010000001"  # level-3 hospital in Nanchang (local)
P_GZ = "P44010000001"  # dual-channel (双通道) pharmacy in Guangzhou
P_GZ2 = "P44010000002"  # ordinary pharmacy in Guangzhou

ITEMS: list[dict[str, Any]] = [
    {"code": "A01", "name": "甲类药", "kind": "DRUG", "class": "A"},
    {"code": "B10", "name": "乙类药（目录默认先行自付 10 %）", "kind": "DRUG", "class": "B"},
    {"code": "B20", "name": "乙类药（先行自付 20 %）", "kind": "DRUG", "class": "B", "selfpay_ratio": "0.20"},
    {"code": "C01", "name": "丙类药", "kind": "DRUG", "class": "C"},
    {"code": "S60", "name": "床位费（限价 60）", "kind": "SERVICE", "class": "A", "price_cap": "60.00"},
    {"code": "M800", "name": "支架（乙类 30 %，限价 800）", "kind": "MATERIAL", "class": "B",
     "selfpay_ratio": "0.30", "price_cap": "800.00"},
    {"code": "IMP", "name": "人工关节（乙类，植入类耗材）", "kind": "MATERIAL", "class": "B", "group": "implant"},
]


def one_tier(ratio: str) -> list[dict[str, Any]]:
    return [{"from": "0", "to": None, "ratio": ratio}]


def base_policy() -> dict[str, Any]:
    """The insured region's policy file (one version from 2025-01-01), as raw YAML data."""
    return {
        "region": INSURED,
        "name": "测试参保地",
        "versions": [{
            "effective_from": dt.date(2025, 1, 1),
            "rules": {},
            "cross_region": {
                "cut_mode": "subtract",
                "cut": {},
                "unfiled_cut": "20",
                "unfiled_payable": True,
                "long_term_ratio_factor": "1",
                "intra_province": "local",
            },
            "schemes": {
                "EMPLOYEE": {
                    "caps": {"basic": "400000.00", "outpatient": "5000.00"},
                    "account": {"may_pay": False},
                    "benefits": {
                        "INPATIENT": {
                            "cap_pool": "basic",
                            "deductible": {"mode": "per_admission", "amounts": {"ALL": {"ALL": "800"}}},
                            "tiers": {"ALL": {"ALL": one_tier("0.85")}},
                        },
                        "OUTPATIENT": {
                            "cap_pool": "outpatient",
                            "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": "600"}}},
                            "tiers": {"ALL": {"ALL": one_tier("0.60")}},
                        },
                    },
                },
                "RESIDENT": {
                    "caps": {"basic": "200000.00"},
                    "benefits": {
                        "INPATIENT": {
                            "cap_pool": "basic",
                            "deductible": {"mode": "per_admission", "amounts": {"ALL": {"ALL": "1000"}}},
                            "tiers": {"ALL": {"ALL": one_tier("0.70")}},
                        },
                    },
                },
            },
        }],
    }


def policy_with(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The base policy with `changes` merged into its single version."""
    pol = base_policy()
    if changes:
        pol["versions"][0] = deep_merge(pol["versions"][0], copy.deepcopy(changes))
    return pol


def catalogue(region: str, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"region": region, "name": f"测试目录 {region}", "b_class_selfpay_ratio": "0.10",
            "items": copy.deepcopy(ITEMS if items is None else items)}


def write_pack(
    root: Path,
    changes: dict[str, Any] | None = None,
    *,
    policy: dict[str, Any] | None = None,
    catalogues: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a pack folder: pack.yaml, regions, institutions, catalogues, the insured region's policy."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "catalogues").mkdir(exist_ok=True)
    (root / "policies").mkdir(exist_ok=True)

    def dump(rel: str, data: Any) -> None:
        (root / rel).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    dump("pack.yaml", {"name": "test-pack", "version": "1", "documents": {}})
    dump("regions.yaml", {
        "provinces": {"360000": "江西省", "440000": "广东省", "110000": "北京市"},
        "regions": [{"code": INSURED, "name": "南昌市"}, {"code": GANZHOU, "name": "赣州市"},
                    {"code": GUANGZHOU, "name": "广州市"}, {"code": BEIJING, "name": "北京市"}],
    })
    dump("institutions.yaml", {"institutions": [
        {"code": H_GZ, "name": "广州三级医院", "region": GUANGZHOU, "level": "L3",
         "networked": ["INPATIENT", "OUTPATIENT"]},
        {"code": H_GANZHOU, "name": "赣州三级医院", "region": GANZHOU, "level": "L3",
         "networked": ["INPATIENT", "OUTPATIENT"]},
        {"code": H_NC, "name": "南昌三级医院", "region": INSURED, "level": "L3",
         "networked": ["INPATIENT", "OUTPATIENT"]},
        {"code": P_GZ, "name": "广州双通道药店", "region": GUANGZHOU, "level": "UNRATED", "kind": "PHARMACY",
         "dual_channel": True, "networked": ["OUTPATIENT", "CHRONIC_OUTPATIENT"], "chronic_diseases": ["M01600"]},
        {"code": P_GZ2, "name": "广州普通药店", "region": GUANGZHOU, "level": "UNRATED", "kind": "PHARMACY",
         "networked": ["OUTPATIENT"]},
    ]})
    for cat in catalogues if catalogues is not None else [catalogue("440000"), catalogue("360000")]:
        dump(f"catalogues/{cat['region']}.yaml", cat)
    dump(f"policies/{INSURED}.yaml", policy if policy is not None else policy_with(changes))
    return root


def make_packs(root: Path, changes: dict[str, Any] | None = None, **kw: Any) -> PackSet:
    """Write a pack folder under `root` and load it with the real loader."""
    return load_packs(write_pack(root, changes, **kw))
