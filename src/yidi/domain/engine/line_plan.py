"""What a catalogue item means for a fee line (step 1, engine/catalogue.py), resolved once per item.

A line's status, class, pay-first share, item group and reason depend only on its catalogue item, the visit type,
the insured region's rules and the catalogue, never on the line: a bill names the same few items on many lines,
and every settle the same items again. So they are resolved once (`resolve`, the rule's one home) and kept with
the pack set (`plans_for`), which is read-only once loaded; only the amounts are computed per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.catalogue import Catalogue, CatalogueItem
from yidi.domain.enums import ItemClass, VisitType
from yidi.domain.item_groups import ItemGroup
from yidi.domain.money import ZERO, pct
from yidi.domain.packset import PackSet
from yidi.domain.policy import Rules


@dataclass(frozen=True, slots=True)
class ItemPlan:
    """A catalogue item's classification for one visit type under one policy's rules and one catalogue."""

    status: str  # IN_SCOPE / CLASS_C / NOT_FOR_VISIT_TYPE
    why: str  # the reason, before any note of a unit price over the cap
    chrgitm_lv: str
    counted: str  # the class a line's value is counted under in the step's inputs ("A", "B" or "C")
    prop: Decimal = ZERO  # the pay-first share
    group: int = -1  # the index of the first of rules.item_groups the item belongs to, -1: none
    group_rest: bool = False  # that group's rest is paid outside the deductible and bands (not coinsured)
    b_full: bool = False  # a class-B rest the insured region pays in full (rules.b_class_rest)


def _group(groups: list[ItemGroup], item: CatalogueItem) -> tuple[int, ItemGroup | None]:
    """The first of the insured region's item groups an in-scope item belongs to (index, group)."""
    for i, g in enumerate(groups):
        if g.matches(item.item_class.value, item.kind.value, item.group):
            return i, g
    return -1, None


def resolve(item: CatalogueItem, vt: VisitType, rules: Rules, cat: Catalogue) -> ItemPlan:
    """The plan of `item` for a line of a `vt` visit (docs/rules.md R-3.1), computed afresh."""
    cls = item.item_class
    if cls is ItemClass.C:
        return ItemPlan("CLASS_C", "丙类（目录外）项目，全自费", cls.chrgitm_lv, "C")
    if item.visit_types is not None and vt not in item.visit_types:
        return ItemPlan("NOT_FOR_VISIT_TYPE", f"该项目不能在{vt.zh}中支付，全自费", cls.chrgitm_lv, "C")
    prop = ZERO
    gi, grp = _group(rules.item_groups, item)
    if grp is not None and grp.selfpay_ratio is not None:
        prop = grp.selfpay_ratio  # the insured region's share for this group wins over the catalogue's
    elif cls is ItemClass.B:
        if rules.b_class_selfpay_source == "insured":
            assert rules.b_class_selfpay_ratio is not None
            prop = rules.b_class_selfpay_ratio
        else:
            prop = item.selfpay_ratio if item.selfpay_ratio is not None else cat.b_class_selfpay_ratio
    if grp is not None:
        cls_zh = "甲类" if cls is ItemClass.A else "乙类"
        rest_zh = {"coinsurance": "其余进入政策范围", "full": "其余由统筹基金全额支付",
                   "ratio": f"其余由统筹基金按 {pct(grp.rest_ratio or ZERO)} 支付"}[grp.rest]
        return ItemPlan("IN_SCOPE", f"{cls_zh}，{grp.name}，先行自付 {pct(prop)}，{rest_zh}", cls.chrgitm_lv,
                        cls.value, prop, gi, grp.rest != "coinsurance")
    why = "甲类，全部进入政策范围" if cls is ItemClass.A else f"乙类，先行自付 {pct(prop)}，其余进入政策范围"
    return ItemPlan("IN_SCOPE", why, cls.chrgitm_lv, cls.value, prop,
                    b_full=cls is ItemClass.B and rules.b_class_rest == "full")


class Plans:
    """The plans of a catalogue's items for one visit type under one policy's rules, each resolved on first use
    and kept. Keyed by the item's identity: the entry holds the item, so its id cannot be another's meanwhile."""

    __slots__ = ("_by_item", "cat", "rules", "vt")

    def __init__(self, vt: VisitType, rules: Rules, cat: Catalogue) -> None:
        self.vt, self.rules, self.cat = vt, rules, cat
        self._by_item: dict[int, tuple[ItemPlan, CatalogueItem]] = {}

    def of(self, item: CatalogueItem) -> ItemPlan:
        hit = self._by_item.get(id(item))
        if hit is None:
            hit = self._by_item[id(item)] = (resolve(item, self.vt, self.rules, self.cat), item)
        return hit[0]


def plans_for(packs: PackSet, vt: VisitType, rules: Rules, cat: Catalogue) -> Plans:
    """The kept plans for `vt`, `rules` and `cat`, with the pack set (which they hold: the ids in the key stay theirs)."""
    key = ("line_plans", vt, id(rules), id(cat))
    plans = packs.memo.get(key)
    if plans is None:
        # no lock: two threads racing here each resolve equal plans, and one of the two is kept
        plans = packs.memo[key] = Plans(vt, rules, cat)
    return plans
