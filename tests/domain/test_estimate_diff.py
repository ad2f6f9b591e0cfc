"""The estimate beside the settlement (yidi.domain.estimate_diff): totals and each change, worked by hand."""

from __future__ import annotations

from typing import Any

from yidi.domain.estimate_diff import compare


def line(code: str, name: str, amount: str, lv: str) -> dict[str, Any]:
    return {"code": code, "name": name, "det_item_fee_sumamt": amount, "chrgitm_lv": lv}


ESTIMATED = {"basis": "UNFILED", "medfee_sumamt": "4100.00", "fund_pay_sumamt": "2000.00", "psn_part_amt": "2100.00",
             "act_pay_dedc": "1000.00", "bands": [{"ratio": "0.70"}],
             "lines": [line("S001", "床位费", "300.00", "01"), line("S002", "冠状动脉造影", "3800.00", "02")]}
ACTUAL = {"basis": "LONG_TERM", "medfee_sumamt": "251.00", "fund_pay_sumamt": "0.00", "psn_part_amt": "251.00",
          "act_pay_dedc": "251.00", "bands": [],
          "lines": [line("S001", "床位费", "120.00", "01"), line("S001", "床位费", "60.00", "01"),
                    line("XA01", "阿莫西林胶囊", "71.00", "03")]}


def test_totals_and_each_change() -> None:
    c = compare(ESTIMATED, ACTUAL)
    # total 251.00 − 4100.00 = −3849.00; fund 0.00 − 2000.00 = −2000.00; person 251.00 − 2100.00 = −1849.00
    assert [(t.field, str(t.change)) for t in c.totals] == [
        ("medfee_sumamt", "-3849.00"), ("fund_pay_sumamt", "-2000.00"), ("psn_part_amt", "-1849.00")]
    kinds = [(x.kind, x.code) for x in c.changes]
    assert kinds == [("LINE_CHANGED", "S001"), ("LINE_ADDED", "XA01"), ("LINE_DROPPED", "S002"), ("BASIS", ""),
                     ("DEDUCTIBLE", "")]  # no ratio: the settlement reached no band
    text = {x.kind: x.text_zh for x in c.changes}
    # S001 twice at settlement: 120.00 + 60.00 = 180.00 against 300.00 estimated, 120.00 less
    assert text["LINE_CHANGED"] == "床位费（S001）：估算 300.00 元，实际 180.00 元（少 120.00 元，数量或单价与估算不同）"
    assert text["LINE_ADDED"] == "实际新增：阿莫西林胶囊（XA01）71.00 元，估算时没有这一项"
    assert "冠状动脉造影（S002）3800.00 元，实际没有发生" in text["LINE_DROPPED"]
    assert "估算按跨省未备案，实际按跨省长期备案" in text["BASIS"]
    assert "估算 1000.00 元，实际 251.00 元" in text["DEDUCTIBLE"] and "此前的就医已计入起付线" in text["DEDUCTIBLE"]


def test_class_and_ratio_changes_and_nothing_else() -> None:
    est = {**ESTIMATED, "lines": [line("S001", "床位费", "300.00", "02")]}
    act = {**ESTIMATED, "bands": [{"ratio": "0.85"}], "lines": [line("S001", "床位费", "300.00", "01")]}
    c = compare(est, act)
    assert [x.kind for x in c.changes] == ["ITEM_CLASS", "RATIO"]
    assert c.changes[0].text_zh.startswith("床位费（S001）的目录类别：估算按乙类（先行自付一部分），实际按甲类")
    assert c.changes[1].text_zh == "统筹基金支付比例：估算 70%，实际 85%"
    assert compare(ESTIMATED, ESTIMATED).changes == []
