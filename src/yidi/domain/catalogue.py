"""A treatment region's catalogue (目录) as a validated value: its items, classes, pay-first shares, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

from pydantic import Field, field_validator, model_validator

from yidi.domain import bounds as B
from yidi.domain.enums import ItemClass, ItemKind, VisitType
from yidi.domain.sources import Source
from yidi.domain.validation import Code, Day, Ratio, RegionCode, Strict, Text, UnitPrice, failure


class CatalogueItem(Strict):
    """One entry of a treatment region's catalogue (目录)."""

    code: Code = Field(min_length=1, max_length=B.ITEM_CODE)
    name: Text = Field(max_length=B.ITEM_NAME)
    kind: ItemKind
    item_class: ItemClass = Field(alias="class")
    selfpay_ratio: Ratio | None = None  # B class: pay-first share; default is the catalogue's
    price_cap: UnitPrice | None = None  # payment standard / price cap per unit
    visit_types: list[VisitType] | None = None  # None: payable in every visit type
    # an item group the insured region's rules.item_groups may name (e.g. implant 植入类耗材)
    group: Code | None = Field(default=None, min_length=1, max_length=B.ITEM_GROUP)
    unit: Text = Field(default="", max_length=20)
    effective_from: Day | None = None
    effective_to: Day | None = None

    @model_validator(mode="after")
    def _check(self) -> CatalogueItem:
        if self.selfpay_ratio is not None and self.item_class is not ItemClass.B:
            raise failure("PACK_MISPLACED", detail_zh=f"{self.code}：只有乙类项目可设先行自付比例", detail_en=f"{self.code}: selfpay_ratio applies to class B items only")
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise failure("DATE_ORDER", detail_zh=f"{self.code}：effective_to 早于 effective_from", detail_en=f"{self.code}: effective_to is before effective_from")
        return self

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )


class Catalogue(Strict):
    """A treatment region's (or province's, code XX0000) catalogue of payable items."""

    region: RegionCode
    name: str = ""
    source: Source | None = None
    b_class_selfpay_ratio: Ratio = Decimal("0.10")
    items: list[CatalogueItem]

    # A field validator on `items` (not a model check), so a problem names the field it is about.
    @field_validator("items")
    @classmethod
    def _overlaps(cls, items: list[CatalogueItem]) -> list[CatalogueItem]:
        by_code: dict[str, list[CatalogueItem]] = {}
        for it in items:
            by_code.setdefault(it.code, []).append(it)
        far = dt.date.max
        near = dt.date.min
        for code, entries in by_code.items():
            spans = sorted(((e.effective_from or near), (e.effective_to or far)) for e in entries)
            for (_a0, a1), (b0, _b1) in pairwise(spans):
                if b0 <= a1:
                    raise failure("PACK_OVERLAP", detail_zh=f"目录项目 {code} 有生效期重叠的多个条目", detail_en=f"catalogue item {code} has entries with overlapping effective dates")
        return items
