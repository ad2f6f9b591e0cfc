"""`yidi quote` and `yidi policy check` as outside users drive them: files in, JSON or tables out."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yidi.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "inpatient-referral.json"
runner = CliRunner()


def quote(tmp_path: Path, bill: dict[str, Any] | None = None, *extra: str) -> tuple[int, str]:
    path = EXAMPLE
    if bill is not None:
        path = tmp_path / "bill.json"
        path.write_text(json.dumps(bill, ensure_ascii=False), encoding="utf-8")
    res = runner.invoke(app, ["quote", "--bill", str(path), "--json", *extra])
    return res.exit_code, res.stdout


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def test_example_bill_quotes_with_identities_and_an_explanation(tmp_path: Path) -> None:
    code, out = quote(tmp_path)
    assert code == 0
    b = json.loads(out)
    d = {k: Decimal(v) for k, v in b.items() if isinstance(v, str) and k.endswith(("_amt", "_pay", "sumamt", "balc"))}
    # The example: 6 lines, total 800 + 102 + 120 + 3000 + 1000 + 300 = 5,322.00
    assert d["medfee_sumamt"] == Decimal("5322.00")
    assert d["medfee_sumamt"] == d["fund_pay_sumamt"] + d["psn_part_amt"]
    assert d["psn_part_amt"] == d["acct_pay"] + d["psn_cash_pay"]
    assert b["basis"] == "TEMPORARY" and b["filing_type"] == "REFERRAL"
    assert len(b["lines"]) == 6
    rules = [s["rule"] for s in b["steps"]]
    assert rules[0] == "catalogue.classify" and "deductible" in rules and "fund.tiers" in rules
    assert all(s["text_zh"] for s in b["steps"])
    tiers = next(s for s in b["steps"] if s["rule"] == "fund.tiers")
    assert tiers["clause"]["region"] == "369900" and tiers["clause"]["parameter"].startswith("schemes.EMPLOYEE")


def test_readable_output_names_payers_in_chinese(tmp_path: Path) -> None:
    res = runner.invoke(app, ["quote", "--bill", str(EXAMPLE)])
    assert res.exit_code == 0
    assert "统筹基金" in res.stdout and "计算过程" in res.stdout
    # beside the cost above the cap, the fund payment the cap withheld (docs/breakdown.md)
    assert "限额少付" in res.stdout and "above_cap_fund_amt" in res.stdout


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (lambda b: b["lines"][0].update(code="NOPE"), "BILL_UNKNOWN_ITEM", "lines.0.code"),
        (lambda b: b["lines"][1].update(quantity="0"), "QUANTITY_NOT_POSITIVE", "lines.1.quantity"),
        (lambda b: b["lines"][1].update(quantity="-2"), "QUANTITY_NOT_POSITIVE", "lines.1.quantity"),
        (lambda b: b["lines"][2].update(unit_price="1.005"), "MONEY_PRECISION", "lines.2.unit_price"),
        (lambda b: b.update(discharge_date="2026-03-01"), "DATE_ORDER", ""),
        (lambda b: b["person"].update(id_number="360426199101010072"), "ID_CHECKSUM", "person.id_number"),
        (lambda b: b["person"].update(insured_region="369999"), "REGION_UNKNOWN", "person.insured_region"),
        (lambda b: b.update(institution="H00000000000"), "INSTITUTION_UNKNOWN", "institution"),
        (lambda b: b.update(colour="red"), "FIELD_UNKNOWN", "colour"),
        (lambda b: b["person"].pop("scheme"), "FIELD_MISSING", "person.scheme"),
    ],
)
def test_bad_bills_get_a_stable_code_naming_the_field_and_exit_2(tmp_path: Path, change: Any, code: str, field: str) -> None:
    bill = example()
    change(bill)
    exit_code, out = quote(tmp_path, bill)
    assert exit_code == 2
    err = json.loads(out)["error"]
    codes = [p["code"] for p in err["problems"]]
    assert code in codes
    if field:
        assert field in [p["field"] for p in err["problems"]]
    assert all(p["message_zh"] and p["message_en"] for p in err["problems"])
    assert "steps" not in out  # nothing computed


def test_every_problem_of_a_bill_is_reported_at_once(tmp_path: Path) -> None:
    bill = example()
    bill["lines"][0]["code"] = "NOPE1"
    bill["lines"][3]["code"] = "NOPE2"
    _, out = quote(tmp_path, bill)
    assert [p["field"] for p in json.loads(out)["error"]["problems"]] == ["lines.0.code", "lines.3.code"]


def test_missing_bill_file_and_bad_json(tmp_path: Path) -> None:
    res = runner.invoke(app, ["quote", "--bill", str(tmp_path / "none.json"), "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["error"]["code"] == "FILE_NOT_FOUND"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = runner.invoke(app, ["quote", "--bill", str(bad), "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["error"]["code"] == "JSON_SYNTAX"


def test_policy_check_accepts_the_sample_and_lists_problems_of_a_broken_pack(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["policy", "check", str(ROOT / "src/yidi/policies/sample")])
    assert ok.exit_code == 0, ok.stdout
    bad = tmp_path / "pack"
    (bad / "policies").mkdir(parents=True)
    (bad / "pack.yaml").write_text("name: t\nversion: '1'\n", encoding="utf-8")
    (bad / "regions.yaml").write_text("regions:\n  - {code: '360100', name: 南昌市}\n", encoding="utf-8")
    (bad / "policies" / "360100.yaml").write_text(
        """
region: "360100"
versions:
  - effective_from: 2026-01-01
    colour: blue
    schemes:
      EMPLOYEE:
        caps: {basic: 1000}
        benefits:
          INPATIENT:
            cap_pool: basic
            deductible: {amounts: {ALL: {ALL: 100}}}
            tiers: {ALL: {ALL: [{from: 0, to: 1000, ratio: 0.8}, {from: 2000, to: null, ratio: 0.9}]}}
""",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["policy", "check", str(bad), "--json"])
    assert res.exit_code == 2
    problems = json.loads(res.stdout)["problems"]
    codes = {p["code"] for p in problems}
    assert {"FIELD_UNKNOWN", "PACK_TIER_GAP"} <= codes
    assert all(p["field"].startswith("policies/360100.yaml:versions.0") for p in problems)
