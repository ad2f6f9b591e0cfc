"""预付金 advance funds of a month: their parameters checked, sized from last year's cross-province totals."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from yidi.domain.clearing import AdvanceFund, Month, size_advance_funds
from yidi.domain.error_catalogue import error
from yidi.store.uow import UnitOfWork


def check_params(advance_months: int, warning_pct: Decimal) -> None:
    """Months of payments held (1 to 24) and the warning line (a percentage above 0, at most 100)."""
    if not 1 <= advance_months <= 24:
        raise error("CLEARING_PARAM_INVALID", field="advance_months", detail_zh="预付金月数应在 1 到 24 之间",
                    detail_en="advance-fund months must be between 1 and 24")
    try:
        ok = Decimal(0) < warning_pct <= Decimal(100)
    except InvalidOperation:
        ok = False
    if not ok:
        raise error("CLEARING_PARAM_INVALID", field="warning_pct", detail_zh="预警线应为 0 到 100 之间的百分数",
                    detail_en="the warning line must be a percentage above 0 and at most 100")


def size_for(uow: UnitOfWork, m: Month, netting: Sequence[tuple[Any, ...]], months: int,
             warning_pct: Decimal) -> list[AdvanceFund]:
    """The month's advance funds: the previous year's totals and the sizes last stated, then the domain's rule."""
    base_year = m.year - 1
    return size_advance_funds(base_year, netting, uow.clearing_settlements.cross_province_totals(base_year),
                              uow.advance_funds.previous_sized(str(m)), months, warning_pct)
