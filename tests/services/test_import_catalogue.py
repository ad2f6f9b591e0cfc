"""Importing a catalogue into a policy pack: every bad row reported, the file replaced only when the pack loads."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yidi.domain.enums import ItemClass, ItemKind, VisitType
from yidi.domain.errors import YidiError
from yidi.policies.loader import SAMPLE_DIR, load_packs
from yidi.services import imports
from yidi.services.imports import import_catalogue
from yidi.services.tabular import read_table

HEADER = "编码,名称,类别,甲乙丙,先行自付比例,限价,适用就诊类型,单位,生效日期,失效日期"
GOOD = [
    "T001,阿莫西林胶囊,药品,甲,,,,盒,,",
    "T002,注射用某靶向药,药品,乙,0.20,1000.00,住院、门诊慢特病,支,2026-01-01,",
    "T003,冠状动脉造影,诊疗项目,乙类,,,,次,,",
    "T004,一次性输液器,医用耗材,丙,,,门诊,套,,2025-12-31",
]
BAD = [
    "T005,某药,药品,丁,,,,盒,,",  # line 6: no class 丁
    "T006,某药,药品,甲,0.10,,,盒,,",  # line 7: selfpay_ratio on an A item
    "T007,某药,药品,乙,,12.345,,盒,,",  # line 8: price to the tenth of a fen
    "T002,注射用某靶向药,药品,乙,0.10,900.00,住院,支,2026-06-01,",  # line 9: overlaps line 3
]


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    root = tmp_path / "packs"
    shutil.copytree(SAMPLE_DIR, root)
    return root


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gb18030"))
    return path


def test_bad_rows_are_all_reported_and_the_pack_is_untouched(packs: Path, tmp_path: Path) -> None:
    target = packs / "catalogues" / "360000.yaml"
    before = target.read_bytes()
    table = read_table(write_csv(tmp_path / "目录.csv", GOOD + BAD))
    assert table.encoding == "gb18030"
    report = import_catalogue(table, region="360000", packs=packs)
    by_line = {r.line: (r.key, {p.code for p in r.problems}) for r in report.rejected}
    assert by_line == {
        6: ("T005", {"FIELD_CHOICE"}),
        7: ("T006", {"PACK_MISPLACED"}),
        8: ("T007", {"MONEY_PRECISION"}),
        9: ("T002", {"PACK_OVERLAP"}),
    }
    assert "3" in report.rejected[-1].problems[0].message_en  # names the line it overlaps
    assert (report.rows, report.accepted, report.written) == (8, 4, 0)
    assert target.read_bytes() == before
    load_packs(packs)


def test_good_rows_replace_the_region_file_and_the_pack_loads(packs: Path, tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "目录.csv", GOOD))
    report = import_catalogue(table, region="360000", packs=packs, name="江西省目录（导入）", b_ratio="0.15")
    assert report.ok and report.written == 4 and report.target.endswith("360000.yaml")
    cat = load_packs(packs).catalogues["360000"]
    assert cat.name == "江西省目录（导入）" and cat.b_class_selfpay_ratio == Decimal("0.15")
    assert [i.code for i in cat.items] == ["T001", "T002", "T003", "T004"]
    t002 = cat.items[1]
    assert (t002.kind, t002.item_class, t002.selfpay_ratio, t002.price_cap) == (ItemKind.DRUG, ItemClass.B, Decimal("0.20"), Decimal("1000.00"))
    assert t002.visit_types == [VisitType.INPATIENT, VisitType.CHRONIC_OUTPATIENT] and str(t002.effective_from) == "2026-01-01"
    assert cat.items[2].kind is ItemKind.SERVICE and cat.items[3].item_class is ItemClass.C
    assert cat.items[3].visit_types == [VisitType.OUTPATIENT] and cat.items[0].visit_types is None


def test_accept_valid_writes_the_good_rows(packs: Path, tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "目录.csv", GOOD + BAD))
    report = import_catalogue(table, region="360000", packs=packs, accept_valid=True)
    assert report.written == 4 and len(report.rejected) == 4
    assert len(load_packs(packs).catalogues["360000"].items) == 4


def test_a_pack_that_no_longer_loads_gets_its_previous_file_back(packs: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    table = read_table(write_csv(tmp_path / "目录.csv", GOOD))
    # an unknown region: the reload refuses it and the new file is removed again
    with pytest.raises(YidiError) as exc:
        import_catalogue(table, region="990000", packs=packs)
    assert exc.value.code == "PACK_INVALID" and {p.code for p in exc.value.problems} == {"REGION_UNKNOWN"}
    assert not (packs / "catalogues" / "990000.yaml").exists()
    # a replaced file: restored byte for byte
    target = packs / "catalogues" / "360000.yaml"
    before = target.read_bytes()

    def broken(_root: Path) -> None:
        assert target.read_bytes() != before  # the new file is in place while the pack is checked
        raise YidiError("PACK_INVALID", "坏", "broken", "packs", 422)

    monkeypatch.setattr(imports, "load_packs", broken)
    with pytest.raises(YidiError):
        import_catalogue(table, region="360000", packs=packs)
    assert target.read_bytes() == before
    monkeypatch.undo()
    load_packs(packs)


def test_cli_reports_as_json_and_exits_2(packs: Path, tmp_path: Path) -> None:
    from yidi.cli import app

    csv = write_csv(tmp_path / "目录.csv", GOOD + BAD)
    res = CliRunner().invoke(app, ["import", "catalogue", str(csv), "--region", "360000", "--packs", str(packs), "--json"])
    assert res.exit_code == 2, res.output
    out = json.loads(res.stdout)
    assert out["kind"] == "catalogue" and [r["line"] for r in out["rejected"]] == [6, 7, 8, 9]
    res = CliRunner().invoke(app, ["import", "catalogue", str(write_csv(tmp_path / "ok.csv", GOOD)), "--region", "360000",
                                   "--packs", str(packs), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["written"] == 4
