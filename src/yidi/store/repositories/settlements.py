"""Repository of settlements (结算): the settlement rows and what the ledger reads of them."""

from __future__ import annotations

from yidi.domain.ledger import FUND_FIELDS, Posted
from yidi.domain.money import from_fen
from yidi.store.settlement_models import SettlementRow


def posted_of(row: SettlementRow) -> Posted:
    """What the ledger posts for a stored settlement (amounts back from fen to yuan)."""
    return Posted(row.institution, row.insured_region, row.person_id, from_fen(row.medfee_sumamt_fen),
                  {f: from_fen(getattr(row, f"{f}_fen")) for f in FUND_FIELDS}, from_fen(row.acct_pay_fen),
                  from_fen(row.psn_cash_pay_fen))
