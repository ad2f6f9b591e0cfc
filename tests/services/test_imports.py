"""Importing agency tables: GB18030/UTF-8 CSV and Excel, every rejected row reported, nothing half-imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from yidi.demo.dataset import demo_id
from yidi.domain.errors import YidiError
from yidi.services.context import Context
from yidi.services.imports import import_table
from yidi.services.tabular import read_table
from yidi.store.db import unit_of_work
from yidi.store.repositories import Institutions, Persons

GOOD_1 = demo_id("360102", "19600101", 11)
GOOD_2 = demo_id("440304", "19900505", 22)
BAD_ID = GOOD_1[:-1] + ("0" if GOOD_1[-1] != "0" else "1")

# As an agency's Excel on Chinese Windows exports it: GB18030, Chinese headers and values.
ROWS = [
    "身份证号,姓名,参保地,险种,人员类别,参保状态,个人账户余额,救助类别,慢特病",
    f"{GOOD_1},欧阳振华,369900,职工,退休,正常,1234.56,,M03900；M01600",
    f"{BAD_ID},错号码,369900,职工,在职,正常,0,,",
    f"{GOOD_2},未知地区,990100,居民,在职,正常,0,,",
    f"{GOOD_2},险种错,440300,商业保险,在职,正常,0,,",
    f"{GOOD_1},重复行,369900,居民,在职,正常,0,低保,",
    f"{demo_id('110105', '19850101', 33)},居民有账户,110100,居民,在职,正常,10.00,,",
    f"{demo_id('110105', '19850101', 44)},买买提·艾力,110100,城乡居民,在职,暂停,0,,",
]


def write_csv(path: Path, rows: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
    return path


def persons(ctx: Context) -> int:
    with unit_of_work(ctx.sessions) as s:
        return Persons(s).count()


def test_gb18030_csv_reports_every_bad_row_and_imports_nothing(ctx: Context, tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "参保人.csv", ROWS, "gb18030"))
    assert table.encoding == "gb18030" and len(table.rows) == 7
    report = import_table(ctx, "persons", table)
    assert report.written == 0 and persons(ctx) == 0
    by_line = {r.line: {p.code for p in r.problems} for r in report.rejected}
    assert by_line == {
        3: {"ID_CHECKSUM"},
        4: {"REGION_UNKNOWN"},
        5: {"FIELD_CHOICE"},
        6: {"IMPORT_DUPLICATE"},
        7: {"ACCOUNT_RESIDENT"},
    }
    assert report.accepted == 2
    assert all(GOOD_1 not in r.key for r in report.rejected)  # IDs masked in the report


def test_accept_valid_writes_only_the_accepted_rows(ctx: Context, tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "p.csv", ROWS, "gb18030"))
    report = import_table(ctx, "persons", table, accept_valid=True)
    assert report.written == 2 and persons(ctx) == 2
    with unit_of_work(ctx.sessions) as s:
        p = Persons(s).get(GOOD_1)
        assert p is not None and p.name == "欧阳振华" and str(p.account_balance) == "1234.56"
        assert p.chronic_diseases == {"M03900", "M01600"} and p.category.value == "RETIRED"
        row = Persons(s).row(GOOD_1)
        assert row is not None and row.account_balance_fen == 123456
    again = import_table(ctx, "persons", read_table(write_csv(tmp_path / "p2.csv", ROWS[:2], "utf-8-sig")))
    assert again.ok and again.written == 1 and persons(ctx) == 2  # same ID: updated, not duplicated


def test_utf8_csv_and_excel_institutions(ctx: Context, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["机构编码", "机构名称", "统筹区", "医院等级", "联网类型", "开通慢特病"])
    ws.append(["H44010099001", "广州某新医院（导入）", 440100, "三级", "住院、普通门诊、门诊慢特病", "M03900"])
    ws.append(["H44010099002", "广州某诊所（导入）", 440100, "未定级", "", ""])
    ws.append(["H4401-bad", "坏编码", 440100, "二级", "住院", ""])
    path = tmp_path / "机构.xlsx"
    wb.save(path)
    report = import_table(ctx, "institutions", read_table(path))
    assert [(r.line, [p.code for p in r.problems]) for r in report.rejected] == [(4, ["FIELD_INVALID"])]
    assert report.written == 0
    report = import_table(ctx, "institutions", read_table(path), accept_valid=True)
    assert report.written == 2
    with unit_of_work(ctx.sessions) as s:
        inst = Institutions(s).get("H44010099001")
        assert inst is not None and inst.level.value == "L3" and len(inst.networked) == 3


def test_unknown_column_rejects_the_file(ctx: Context, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["身份证号,姓名,血型", f"{GOOD_1},某人,A"], "utf-8")
    with pytest.raises(YidiError) as exc:
        import_table(ctx, "persons", read_table(path))
    assert exc.value.code == "IMPORT_HEADER_UNKNOWN"


def test_cli_import_exit_code_and_json_report(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              db: tuple[str, object]) -> None:
    from yidi.cli import app

    monkeypatch.setenv("YIDI_DATABASE_URL", db[0])
    path = write_csv(tmp_path / "p.csv", ROWS, "gb18030")
    r = CliRunner().invoke(app, ["import", "persons", str(path), "--json"])
    assert r.exit_code == 2, r.output
    report = json.loads(r.stdout)
    assert report["written"] == 0 and len(report["rejected"]) == 5
    assert persons(ctx) == 0
    r = CliRunner().invoke(app, ["import", "persons", str(path), "--accept-valid"])
    assert r.exit_code == 0, r.output
    assert "ID_CHECKSUM" in r.output and persons(ctx) == 2
