"""A tiny policy pack for advisor tests, with round figures, written as YAML and loaded for real.

Insured region 360100 (南昌, Jiangxi). Employee inpatient: deductible 800 at any level, 85 % active and
90 % retired; resident inpatient 1,000 and 70 %. Cross-region: cut_mode subtract, referral and emergency
-10 points, other temporary -20, unfiled -20. Filing: temporary validity 6 months, change lock 6 months.
Manual claims: within 180 days, 30 working days. The tests assert on these rules, not on the sample pack.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from yidi.domain.packset import PackSet
from yidi.policies.loader import deep_merge, load_packs

INSURED = "360100"
GANZHOU = "360700"
GUANGZHOU = "440100"
BEIJING = "110100"
H_GZ = "H44010000001"  # L3, networked for every visit type, chronic M03900 opened
H_GZ_OFF = "H44010000002"  # L2, not networked
H_BJ = "H11010000001"  # L3, inpatient only
H_NC = "H36010000001"  # L3 at home

_TIERS = {"ACTIVE": {"ALL": [{"from": "0", "to": None, "ratio": "0.85"}]},
          "RETIRED": {"ALL": [{"from": "0", "to": None, "ratio": "0.90"}]}}
POLICY: dict[str, Any] = {
    "region": INSURED,
    "name": "测试参保地",
    "versions": [{
        "effective_from": "2025-01-01",
        "cross_region": {"cut_mode": "subtract", "cut": {"REFERRAL": "10", "EMERGENCY": "10", "OTHER_TEMPORARY": "20"},
                         "unfiled_cut": "20", "unfiled_payable": True, "long_term_ratio_factor": "1",
                         "intra_province": "local"},
        "filing": {"temporary_validity_months": 6, "min_months_before_change": 6},
        "manual_claim": {"deadline_days": 180, "processing_working_days": 30},
        "schemes": {
            "EMPLOYEE": {
                "caps": {"basic": "400000"},
                "benefits": {
                    "INPATIENT": {"cap_pool": "basic", "tiers": _TIERS,
                                  "deductible": {"mode": "per_admission", "amounts": {"ALL": {"ALL": "800"}}}},
                    "OUTPATIENT": {"cap_pool": "basic", "tiers": {"ALL": {"ALL": [{"from": "0", "to": None, "ratio": "0.60"}]}},
                                   "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": "600"}}}},
                    "CHRONIC_OUTPATIENT": {"cap_pool": "basic", "tiers": {"ALL": {"ALL": [{"from": "0", "to": None, "ratio": "0.80"}]}},
                                           "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": "0"}}}},
                },
            },
            "RESIDENT": {
                "caps": {"basic": "200000"},
                "benefits": {
                    "INPATIENT": {"cap_pool": "basic", "tiers": {"ALL": {"ALL": [{"from": "0", "to": None, "ratio": "0.70"}]}},
                                  "deductible": {"mode": "per_admission", "amounts": {"ALL": {"ALL": "1000"}}}},
                },
            },
        },
    }],
}
ITEMS = [{"code": "A01", "name": "甲类药", "kind": "DRUG", "class": "A"},
         {"code": "B10", "name": "乙类药", "kind": "DRUG", "class": "B"},
         {"code": "C01", "name": "丙类药", "kind": "DRUG", "class": "C"}]


def make_packs(root: Path, changes: dict[str, Any] | None = None) -> PackSet:
    """Write the pack (the policy's only version changed by `changes`) and load it."""
    policy = copy.deepcopy(POLICY)
    if changes:
        policy["versions"][0] = deep_merge(policy["versions"][0], changes)
    files: dict[str, Any] = {
        "pack.yaml": {"name": "advisor-test", "version": "1"},
        "regions.yaml": {"provinces": {"360000": "江西省", "440000": "广东省", "110000": "北京市"},
                         "regions": [{"code": INSURED, "name": "南昌市"}, {"code": GANZHOU, "name": "赣州市"},
                                     {"code": GUANGZHOU, "name": "广州市"}, {"code": BEIJING, "name": "北京市"}]},
        "institutions.yaml": {"institutions": [
            {"code": H_GZ, "name": "广州测试三级医院", "region": GUANGZHOU, "level": "L3",
             "networked": ["INPATIENT", "OUTPATIENT", "CHRONIC_OUTPATIENT"], "chronic_diseases": ["M03900"]},
            {"code": H_GZ_OFF, "name": "广州测试未联网医院", "region": GUANGZHOU, "level": "L2", "networked": []},
            {"code": H_BJ, "name": "北京测试医院", "region": BEIJING, "level": "L3", "networked": ["INPATIENT"]},
            {"code": H_NC, "name": "南昌测试医院", "region": INSURED, "level": "L3", "networked": ["INPATIENT"]},
            {"code": "H36070000001", "name": "赣州测试医院", "region": GANZHOU, "level": "L3", "networked": ["INPATIENT"]},
        ]},
        "catalogues/440000.yaml": {"region": "440000", "items": ITEMS},
        "catalogues/360000.yaml": {"region": "360000", "items": ITEMS},
        "catalogues/110000.yaml": {"region": "110000", "items": ITEMS},
        "policies/360100.yaml": policy,
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_packs(root)
