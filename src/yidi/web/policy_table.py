"""A policy version's benefits as a table people read (政策): per scheme, one row per visit type, person
category and hospital grade the pack writes a cell for, with the deductible and the ratio bands in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.enums import Category, Level
from yidi.domain.grids import ALL, Tier, pick
from yidi.domain.policy import PolicyVersion
from yidi.web.common import pct, yuan
from yidi.web.labels import label

_CAT_ORDER = [c.value for c in Category] + [ALL]
_LEVEL_ORDER = [lv.value for lv in Level] + [ALL]


@dataclass(frozen=True, slots=True)
class BenefitRow:
    visit: str
    category: str
    level: str
    deductible: str
    ratios: str


@dataclass(frozen=True, slots=True)
class SchemeTable:
    scheme: str
    caps: list[tuple[str, str]]
    rows: list[BenefitRow]


def bands(tiers: list[Tier] | None, lang: str) -> str:
    """"85%" for one band; "0–10,000 元 85%；10,000 元以上 90%" for several (as the pack's [from, to) bands)."""
    if not tiers:
        return "—"
    if len(tiers) == 1:
        return pct(tiers[0].ratio)
    unit, above, sep = (" 元", " 元以上", "；") if lang == "zh" else (" yuan", " yuan and above", "; ")
    parts = [f"{_amount(t.lower)}–{_amount(t.upper)}{unit} {pct(t.ratio)}" if t.upper is not None
             else f"{_amount(t.lower)}{above} {pct(t.ratio)}" for t in tiers]
    return sep.join(parts)


def _amount(v: Decimal) -> str:
    """A band's bound: whole yuan without decimals (50,000), else to the fen (1,234.50)."""
    return f"{v:,.0f}" if v == v.to_integral_value() else f"{v:,.2f}"


def _order(cell: tuple[str, str]) -> tuple[int, int]:
    c, lv = cell
    return (_CAT_ORDER.index(c) if c in _CAT_ORDER else 99, _LEVEL_ORDER.index(lv) if lv in _LEVEL_ORDER else 99)


def scheme_tables(version: PolicyVersion, lang: str) -> list[SchemeTable]:
    """Each scheme of the version: its caps and its benefit rows, every code named from the label table."""
    out = []
    for scheme, sp in version.schemes.items():
        rows = []
        for vt, b in sp.benefits.items():
            cells = {(c, lv) for grid in (b.deductible.amounts, b.tiers) for c, row in grid.items() for lv in row}
            for c, lv in sorted(cells, key=_order):
                ded: Decimal | None = pick(b.deductible.amounts, c, lv)
                rows.append(BenefitRow(label("visit_type", vt, lang), label("category", c, lang), label("level", lv, lang),
                                       yuan(ded) if ded is not None else "—", bands(pick(b.tiers, c, lv), lang)))
        caps = [(label("cap_pool", k, lang), yuan(v)) for k, v in sp.caps.items()]
        out.append(SchemeTable(label("scheme", scheme, lang), caps, rows))
    return out
