"""Tier tables and category x level grids of a policy pack: their schema, their checks, and picking a cell."""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field

from yidi.domain.enums import Category, Level
from yidi.domain.validation import Ratio, Strict, Yuan, failure

T = TypeVar("T")
ALL = "ALL"
_CATEGORY_KEYS = {c.value for c in Category} | {ALL}
_LEVEL_KEYS = {lv.value for lv in Level} | {ALL}


class Tier(Strict):
    """One band of a tier table: [from, to) at `ratio`; `to: null` is open-ended."""

    lower: Yuan = Field(alias="from")
    upper: Yuan | None = Field(default=None, alias="to")
    ratio: Ratio


def _check_tiers(tiers: list[Tier]) -> list[Tier]:
    if not tiers:
        raise failure("PACK_TIER_EMPTY")
    if tiers[0].lower != 0:
        raise failure("PACK_TIER_GAP", detail_zh="分段表必须从 0 开始", detail_en="a tier table must start at 0")
    for i, t in enumerate(tiers):
        if t.upper is not None and t.upper <= t.lower:
            raise failure("PACK_TIER_ORDER", band=i + 1)
        if i + 1 < len(tiers):
            nxt = tiers[i + 1]
            if t.upper is None:
                raise failure("PACK_TIER_OVERLAP", detail_zh=f"第{i + 1}段无上限，但后面还有分段", detail_en=f"band {i + 1} is open-ended but more bands follow")
            if nxt.lower > t.upper:
                raise failure("PACK_TIER_GAP", detail_zh=f"第{i + 1}段与第{i + 2}段之间有空档（{t.upper}–{nxt.lower}）", detail_en=f"gap between band {i + 1} and {i + 2} ({t.upper}..{nxt.lower})")
            if nxt.lower < t.upper:
                raise failure("PACK_TIER_OVERLAP", detail_zh=f"第{i + 1}段与第{i + 2}段重叠", detail_en=f"band {i + 1} overlaps band {i + 2}")
    if tiers[-1].upper is not None:
        raise failure("PACK_TIER_GAP", detail_zh="最后一段必须没有上限（to: null），否则超出部分无规则可用", detail_en="the last band must be open-ended (to: null)")
    return tiers


def _check_grid(table: dict[str, dict[str, T]], what: str) -> dict[str, dict[str, T]]:
    for cat, levels in table.items():
        if cat not in _CATEGORY_KEYS:
            raise failure("PACK_KEY", what=what, kind_zh="人员类别", kind_en="person category", key=cat,
                          allowed="ACTIVE/RETIRED/ALL")
        for lv in levels:
            if lv not in _LEVEL_KEYS:
                raise failure("PACK_KEY", what=what, kind_zh="医院等级", kind_en="level", key=lv,
                              allowed="L1/L2/L3/UNRATED/ALL")
    for c in Category:
        for lv in Level:
            if pick(table, c, lv) is None:
                raise failure("PACK_INCOMPLETE", what=what, category=c.value, level=lv.value)
    return table


def pick_cell(table: dict[str, dict[str, T]], category: Category | str, level: Level | str) -> tuple[str, str] | None:
    """The keys (category, level) of the most specific entry of a grid (ALL is the fallback on either axis):
    the cell an explanation cites, as the pack wrote it. A key may be given as written (ALL too)."""
    for c in (str(category), ALL):
        row = table.get(c)
        if row is None:
            continue
        for lv in (str(level), ALL):
            if lv in row:
                return c, lv
    return None


def pick(table: dict[str, dict[str, T]], category: Category | str, level: Level | str) -> T | None:
    """The most specific entry of a category x level grid (ALL is the fallback on either axis)."""
    cell = pick_cell(table, category, level)
    return None if cell is None else table[cell[0]][cell[1]]


def _check_tier_grid(v: dict[str, dict[str, list[Tier]]]) -> dict[str, dict[str, list[Tier]]]:
    for row in v.values():
        for t in row.values():
            _check_tiers(t)
    return _check_grid(v, "tiers")
