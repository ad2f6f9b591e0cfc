"""A loaded set of policy packs in memory: regions, institutions, catalogues, insured policies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from yidi.domain.catalogue import Catalogue, CatalogueItem
from yidi.domain.policy import InsuredPolicy, PolicyVersion
from yidi.domain.reference import Institution, Region, province_of
from yidi.domain.sources import Document


@dataclass
class PackSet:
    """Everything the engine may look up; built by the loader, read-only afterwards."""

    name: str
    version: str
    sample: bool = False
    documents: dict[str, Document] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    institutions: dict[str, Institution] = field(default_factory=dict)
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    policies: dict[str, InsuredPolicy] = field(default_factory=dict)
    _items: dict[str, dict[str, list[CatalogueItem]]] = field(default_factory=dict, repr=False)
    # what the engine derives from these read-only values once and reuses (engine/line_plan.py)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._items = {}
        self.memo = {}
        for code, cat in self.catalogues.items():
            idx: dict[str, list[CatalogueItem]] = {}
            for it in cat.items:
                idx.setdefault(it.code, []).append(it)
            self._items[code] = idx

    def __getstate__(self) -> dict[str, Any]:
        # the memo is keyed by its objects' ids, which a copy's (or another process's) objects do not keep
        return {**self.__dict__, "memo": {}}

    def catalogue_for(self, region: str) -> Catalogue | None:
        """The treatment region's own catalogue, else its province's (code XX0000)."""
        return self.catalogues.get(region) or self.catalogues.get(province_of(region))

    def item(self, catalogue: Catalogue, code: str, day: dt.date) -> CatalogueItem | None:
        for it in self._items.get(catalogue.region, {}).get(code, ()):
            if it.in_force(day):
                return it
        return None

    def policy_for(self, region: str, day: dt.date) -> tuple[InsuredPolicy, PolicyVersion] | None:
        pol = self.policies.get(region)
        if pol is None:
            return None
        ver = pol.in_force(day)
        return None if ver is None else (pol, ver)

    def cite(self, doc_id: str | None) -> str:
        if not doc_id:
            return ""
        d = self.documents.get(doc_id)
        if d is None:
            return doc_id
        return f"{d.title}（{d.number}）" if d.number else d.title
