"""Loading packs: effective-dated versions merge, the version in force applies, TOML works too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from yidi.domain.errors import YidiError
from yidi.policies.loader import deep_merge, load_packs

POLICY = """
region: "360100"
versions:
  - effective_from: 2025-01-01
    source: {doc: DOC1, article: 第三条}
    schemes:
      EMPLOYEE:
        caps: {basic: 300000}
        benefits:
          INPATIENT:
            cap_pool: basic
            deductible: {amounts: {ALL: {ALL: 800}}}
            tiers: {ALL: {ALL: [{from: 0, to: null, ratio: 0.85}]}}
  - effective_from: 2026-01-01
    schemes:
      EMPLOYEE:
        caps: {basic: 400000}
"""


def write_pack(root: Path, policy: str = POLICY) -> Path:
    (root / "policies").mkdir(parents=True)
    (root / "pack.yaml").write_text("name: t\nversion: '1'\ndocuments:\n  DOC1: {title: 测试文件}\n", encoding="utf-8")
    (root / "regions.yaml").write_text("regions:\n  - {code: '360100', name: 南昌市}\n", encoding="utf-8")
    (root / "policies" / "360100.yaml").write_text(policy, encoding="utf-8")
    return root


def test_a_later_version_states_only_what_changes(tmp_path: Path) -> None:
    packs = load_packs(write_pack(tmp_path))
    pol = packs.policies["360100"]
    v2025 = pol.in_force(dt.date(2025, 6, 1))
    v2026 = pol.in_force(dt.date(2026, 6, 1))
    assert v2025 is not None and v2026 is not None
    assert v2025.schemes["EMPLOYEE"].caps["basic"] == Decimal("300000.00")  # type: ignore[index]
    assert v2026.schemes["EMPLOYEE"].caps["basic"] == Decimal("400000.00")  # type: ignore[index]
    # everything not restated carries over from 2025, including the cited source
    assert v2026.schemes["EMPLOYEE"].benefits["INPATIENT"].deductible.amounts["ALL"]["ALL"] == Decimal("800.00")  # type: ignore[index]
    assert v2026.source is not None and v2026.source.doc == "DOC1"
    assert pol.in_force(dt.date(2024, 12, 31)) is None


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    bad = POLICY.replace("  - effective_from: 2026-01-01", "    effective_to: 2026-03-01\n  - effective_from: 2026-01-01")
    with pytest.raises(YidiError) as exc:
        load_packs(write_pack(tmp_path, bad))
    assert exc.value.code == "PACK_INVALID"
    assert [p.code for p in exc.value.problems] == ["PACK_OVERLAP"]


def test_a_source_citing_an_unlisted_document_is_refused(tmp_path: Path) -> None:
    with pytest.raises(YidiError) as exc:
        load_packs(write_pack(tmp_path, POLICY.replace("doc: DOC1", "doc: NOPE")))
    assert [p.code for p in exc.value.problems] == ["PACK_DOC_UNKNOWN"]
    assert exc.value.problems[0].field == "policies/360100.yaml:versions.0.source.doc"


def test_numbers_are_kept_as_written_not_as_floats(tmp_path: Path) -> None:
    packs = load_packs(write_pack(tmp_path, POLICY.replace("ratio: 0.85", "ratio: 0.1")))
    tiers = packs.policies["360100"].versions[0].schemes["EMPLOYEE"].benefits["INPATIENT"].tiers  # type: ignore[index]
    assert tiers["ALL"]["ALL"][0].ratio == Decimal("0.1")


def test_toml_policy_files_load_too(tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    (root / "policies" / "360100.yaml").unlink()
    (root / "policies" / "360100.toml").write_text(
        """
region = "360100"
[[versions]]
effective_from = 2025-01-01
[versions.schemes.EMPLOYEE]
caps = { basic = "300000" }
[versions.schemes.EMPLOYEE.benefits.INPATIENT]
cap_pool = "basic"
deductible = { amounts = { ALL = { ALL = "800" } } }
tiers = { ALL = { ALL = [ { from = "0", ratio = "0.85" } ] } }
""",
        encoding="utf-8",
    )
    packs = load_packs(root)
    assert "360100" in packs.policies


def test_deep_merge_replaces_lists_and_merges_mappings() -> None:
    assert deep_merge({"a": {"x": 1, "y": [1, 2]}, "b": 2}, {"a": {"y": [3]}}) == {"a": {"x": 1, "y": [3]}, "b": 2}
