"""An insured region's item groups: how the rest after the pay-first share is paid per catalogue class or group."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from yidi.domain.enums import ItemKind
from yidi.domain.sources import Source
from yidi.domain.validation import Code, Ratio, Strict, Text, failure


class ItemGroup(Strict):
    """How the insured region pays one class or group of catalogue items after its pay-first share.

    Matches an in-scope line by item class, kind and/or the catalogue item's `group` (all given must
    match); the first matching entry of rules.item_groups applies, a line none matches follows the
    rules above. rest: `coinsurance` (deductible and tier ratios), `full` (the fund pays it all) or
    `ratio` (the fund pays rest_ratio of it), the last two outside the deductible and bands.
    """

    name: Text = Field(min_length=1, max_length=40)  # e.g. 植入类耗材, named in explanations
    classes: list[Literal["A", "B"]] | None = None
    kinds: list[ItemKind] | None = None
    groups: list[Code] | None = None
    selfpay_ratio: Ratio | None = None  # the group's pay-first share; None: the class-B share as usual (A: 0)
    rest: Literal["coinsurance", "full", "ratio"] = "coinsurance"
    rest_ratio: Ratio | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _check(self) -> ItemGroup:
        if self.classes is None and self.kinds is None and self.groups is None:
            raise failure("PACK_FIELD", detail_zh=f"{self.name}：至少给出 classes、kinds、groups 之一",
                          detail_en=f"{self.name}: give at least one of classes, kinds, groups")
        if (self.rest == "ratio") != (self.rest_ratio is not None):
            raise failure("PACK_FIELD", detail_zh=f"{self.name}：rest 为 ratio 时必须且只有此时给出 rest_ratio",
                          detail_en=f"{self.name}: rest_ratio is required with rest: ratio, and only then")
        return self

    def matches(self, item_class: str, kind: str, group: str | None) -> bool:
        return ((self.classes is None or item_class in self.classes) and (self.kinds is None or kind in self.kinds)
                and (self.groups is None or group in self.groups))
