"""Reference data use cases: load the packs' regions and institutions, find institutions, quote a bill."""

from __future__ import annotations

from dataclasses import dataclass

from yidi.domain.bill import Bill
from yidi.domain.bounds import DISEASE_CODE
from yidi.domain.breakdown import Breakdown
from yidi.domain.engine import calculate
from yidi.domain.enums import InstitutionKind, Level, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.normalise import code
from yidi.domain.reference import Institution
from yidi.domain.validation import checked_text
from yidi.services.context import Context


@dataclass(frozen=True, slots=True)
class Loaded:
    regions: int
    institutions: int


def load_reference(ctx: Context) -> Loaded:
    """Copy the loaded packs' regions and institutions into the store (insert or update, never delete)."""
    with ctx.uow() as uow:
        for r in ctx.packs.regions.values():
            uow.regions.upsert(r)
        for i in ctx.packs.institutions.values():  # after the regions: an institution names its region
            uow.institutions.upsert(i)
    return Loaded(len(ctx.packs.regions), len(ctx.packs.institutions))


@dataclass(frozen=True, slots=True)
class InstitutionPage:
    total: int
    items: list[Institution]


MAX_PAGE = 500


def find_institutions(
    ctx: Context,
    *,
    region: str | None = None,
    level: Level | None = None,
    visit_type: VisitType | None = None,
    networked: bool | None = None,
    chronic_disease: str | None = None,
    limit: int = 100,
    offset: int = 0,
    kind: InstitutionKind | None = None,
) -> InstitutionPage:
    """查询定点医疗机构 Find designated institutions (networked hospitals by region, level and visit type, and
    those that opened a chronic disease); an unknown region or disease code is refused, never ignored."""
    if chronic_disease is not None:
        chronic_disease = checked_text(code(chronic_disease), "chronic_disease", DISEASE_CODE) or None
    if region is not None:
        region = code(region)
        if len(region) != 6 or not region.isascii() or not region.isdigit():
            raise error("REGION_FORMAT", value=region[:20])
    with ctx.uow() as uow:
        if region is not None and not region.endswith("0000") and not uow.regions.exists(region):
            raise error("REGION_UNKNOWN", what_zh="统筹区", what_en="region", region=region)
        insts = uow.institutions
        if chronic_disease is not None and not insts.disease_known(chronic_disease):
            raise error("CHRONIC_DISEASE_UNKNOWN", chronic_disease=chronic_disease)
        total, items = insts.search(region=region, level=level, visit_type=visit_type, networked=networked,
                                    chronic_disease=chronic_disease, limit=min(limit, MAX_PAGE), offset=offset,
                                    kind=kind)
    return InstitutionPage(total, items)


def quote(ctx: Context, bill: Bill) -> Breakdown:
    """预结算估算 A bill's breakdown with the server's policy packs (the bill carries person and filing)."""
    return calculate(bill, ctx.packs)
