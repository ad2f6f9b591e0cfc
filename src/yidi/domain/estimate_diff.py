"""An estimate beside the real settlement: what changed and why, in words (pure: two breakdowns in, no I/O).

Both sides are breakdowns as `Breakdown.as_dict()` writes them (the estimate's from the advisor's engine run,
the settlement's as stored). The differences a person can act on are named one by one: fee lines added,
dropped or changed (by item code), an item classed differently by the catalogue (甲/乙/丙), another basis of
settlement (filed or not), another fund ratio, another deductible; the totals come first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yidi.domain.enums import CrossRegionBasis, ItemClass
from yidi.domain.money import ZERO, fmt

TOTALS = (("medfee_sumamt", "总费用", "total"), ("fund_pay_sumamt", "基金支付", "paid by the funds"),
          ("psn_part_amt", "个人负担", "borne by you"))
_CLASS = {c.chrgitm_lv: c for c in ItemClass}


@dataclass(frozen=True, slots=True)
class TotalRow:
    """One total: estimated, actual, and actual − estimated (yuan)."""

    field: str
    name_zh: str
    name_en: str
    estimated: Decimal
    actual: Decimal

    @property
    def change(self) -> Decimal:
        return self.actual - self.estimated

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "name_zh": self.name_zh, "name_en": self.name_en,
                "estimated": fmt(self.estimated), "actual": fmt(self.actual), "change": fmt(self.change)}


@dataclass(frozen=True, slots=True)
class Change:
    """One reason the settlement differs from the estimate: its kind (LINE_ADDED, LINE_DROPPED, LINE_CHANGED,
    ITEM_CLASS, BASIS, RATIO, DEDUCTIBLE), the item code where it is about a line, and why in words."""

    kind: str
    code: str
    text_zh: str
    text_en: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code, "text_zh": self.text_zh, "text_en": self.text_en}


@dataclass(frozen=True, slots=True)
class Comparison:
    totals: list[TotalRow]
    changes: list[Change]

    def as_dict(self) -> dict[str, Any]:
        return {"totals": [t.as_dict() for t in self.totals], "changes": [c.as_dict() for c in self.changes]}


def _money(b: Mapping[str, Any], name: str) -> Decimal:
    return Decimal(str(b.get(name) or "0"))


def _by_code(lines: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, Decimal, str]]:
    """code -> (name, amount of its lines, catalogue class of the first) in first-seen order."""
    out: dict[str, tuple[str, Decimal, str]] = {}
    for ln in lines:
        code = str(ln.get("code", ""))
        name, amount, lv = out.get(code, (str(ln.get("name") or code), ZERO, str(ln.get("chrgitm_lv") or "")))
        out[code] = (name, amount + Decimal(str(ln.get("det_item_fee_sumamt") or "0")), lv)
    return out


def _class_zh(lv: str) -> str:
    found = _CLASS.get(lv)
    return found.zh if found else "目录外"


def _basis_zh(basis: str) -> str:
    try:
        return CrossRegionBasis(basis).zh
    except ValueError:
        return basis


def _ratio(b: Mapping[str, Any]) -> Decimal | None:
    bands = b.get("bands") or []
    return Decimal(str(bands[0]["ratio"])) if bands else None


def _lines(est: Mapping[str, Any], act: Mapping[str, Any]) -> list[Change]:
    e, a = _by_code(est.get("lines") or []), _by_code(act.get("lines") or [])
    out: list[Change] = []
    for code, (name, amount, lv) in a.items():
        if code not in e:
            out.append(Change("LINE_ADDED", code, f"实际新增：{name}（{code}）{fmt(amount)} 元，估算时没有这一项",
                              f"added: {code} {fmt(amount)}, not in the estimate"))
            continue
        _n, before, lv_before = e[code]
        if amount != before:
            more = "多" if amount > before else "少"
            out.append(Change("LINE_CHANGED", code,
                              f"{name}（{code}）：估算 {fmt(before)} 元，实际 {fmt(amount)} 元（{more} {fmt(abs(amount - before))} 元，"
                              "数量或单价与估算不同）",
                              f"{code}: estimated {fmt(before)}, actual {fmt(amount)} (quantity or price differ)"))
        if lv != lv_before:
            out.append(Change("ITEM_CLASS", code,
                              f"{name}（{code}）的目录类别：估算按{_class_zh(lv_before)}，实际按{_class_zh(lv)}"
                              "（以结算当日就医地目录为准）",
                              f"{code} classed {lv_before or 'outside'} in the estimate, {lv or 'outside'} at settlement"))
    for code, (name, amount, _lv) in e.items():
        if code not in a:
            out.append(Change("LINE_DROPPED", code, f"估算中的 {name}（{code}）{fmt(amount)} 元，实际没有发生",
                              f"{code} {fmt(amount)} was estimated but not billed"))
    return out


def _rules(est: Mapping[str, Any], act: Mapping[str, Any]) -> list[Change]:
    out: list[Change] = []
    if est.get("basis") != act.get("basis"):
        out.append(Change("BASIS", "", f"结算方式：估算按{_basis_zh(str(est.get('basis')))}，实际按{_basis_zh(str(act.get('basis')))}"
                                       "（以结算时的备案为准，比例和起付线随之不同）",
                          f"basis: estimated {est.get('basis')}, settled {act.get('basis')}"))
    r_est, r_act = _ratio(est), _ratio(act)
    if r_est is not None and r_act is not None and r_est != r_act:
        out.append(Change("RATIO", "", f"统筹基金支付比例：估算 {r_est * 100:.0f}%，实际 {r_act * 100:.0f}%",
                          f"fund ratio: estimated {r_est:.2%}, actual {r_act:.2%}"))
    d_est, d_act = _money(est, "act_pay_dedc"), _money(act, "act_pay_dedc")
    if d_est != d_act:
        why = ("本年度此前的就医已计入起付线，这次只付剩下的部分" if d_act < d_est
               else "这次结算按本人本年度的实际累计计算，起付线比估算时多")
        out.append(Change("DEDUCTIBLE", "", f"起付线自付：估算 {fmt(d_est)} 元，实际 {fmt(d_act)} 元（{why}）",
                          f"deductible: estimated {fmt(d_est)}, actual {fmt(d_act)}"))
    return out


def compare(estimated: Mapping[str, Any], actual: Mapping[str, Any]) -> Comparison:
    """The estimate beside the settlement: the totals, then each change that explains them."""
    totals = [TotalRow(f, zh, en, _money(estimated, f), _money(actual, f)) for f, zh, en in TOTALS]
    return Comparison(totals, _lines(estimated, actual) + _rules(estimated, actual))
