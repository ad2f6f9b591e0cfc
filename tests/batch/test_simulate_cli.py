"""`yidi simulate` as an agency user runs it: a synthetic year, the example proposal, the report files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from yidi.cli import app


def test_simulate_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    res = CliRunner().invoke(app, ["simulate", "--from", "2026-01", "--to", "2026-06", "--example-proposal",
                                   "--settlements", "1500", "--top", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("report.html", "detail.csv", "by_month.csv", "by_filing.csv", "by_level.csv", "people.csv", "simulate.xlsx"):
        assert (out / name).exists(), name
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "基金支出" in page and "变化最大的结算" in page
    months = (out / "by_month.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert months and all(m[:7] <= "2026-06" for m in months)


def test_simulate_refuses_a_bad_month(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["simulate", "--from", "2026-13", "--to", "2026-12", "--example-proposal",
                                   "--out", str(tmp_path)])
    assert res.exit_code == 2
