"""Tables of the monthly clearing (清算): runs, their lines at every level, the settlements behind them,
advance funds (预付金), and each agency's confirmation or dispute.

Same Base (and naming convention) as yidi.store.models; money is integer fen (BigInteger), never float.
A month has one run row; re-running an open month replaces its lines and items, closing freezes them.
`clearing_items` lists every settlement a month moved (delta +1 or -1 of its amounts) and why: it is
what makes each line traceable to its settlements, and the frozen items of closed months are what a
later month is computed against (a revocation after the close lands in the next open month).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from yidi.store.models import Base

# The amount columns of the pair and hospital lines are yidi.domain.clearing.PAIR_AMOUNTS and HOSPITAL_AMOUNTS.


class ClearingRunRow(Base):
    """清算批次 one month's clearing: OPEN (re-runnable) or CLOSED (frozen), with its totals and a hash of
    its lines (a rerun that changes nothing gives the same hash)."""

    __tablename__ = "clearing_runs"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    status: Mapped[str] = mapped_column(String(10), default="OPEN")  # OPEN / CLOSED
    engine: Mapped[str] = mapped_column(String(10))  # duckdb / spark
    advance_months: Mapped[int] = mapped_column(Integer)
    warning_pct: Mapped[str] = mapped_column(String(10))  # decimal text, e.g. "70"
    candidates: Mapped[int] = mapped_column(Integer)  # settlements read
    items: Mapped[int] = mapped_column(Integer)  # settlements moved
    cleared_fen: Mapped[int] = mapped_column(BigInteger)
    adjust_fen: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    runs: Mapped[int] = mapped_column(Integer, default=1)
    run_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_by: Mapped[str] = mapped_column(String(40), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(40))


class ClearingPairLineRow(Base):
    """One (treatment region, insured region) line: what the insured region owes for the month, by fund."""

    __tablename__ = "clearing_pair_lines"
    __table_args__ = (Index("ix_clearing_pair_lines_key", "month", "treatment_region", "insured_region", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"))
    treatment_region: Mapped[str] = mapped_column(String(6))
    insured_region: Mapped[str] = mapped_column(String(6))
    treatment_province: Mapped[str] = mapped_column(String(6))
    insured_province: Mapped[str] = mapped_column(String(6))
    n_settle: Mapped[int] = mapped_column(Integer)
    n_revoke: Mapped[int] = mapped_column(Integer)
    n_adjust: Mapped[int] = mapped_column(Integer)
    medfee_fen: Mapped[int] = mapped_column(BigInteger)
    hifp_fen: Mapped[int] = mapped_column(BigInteger)
    hifob_fen: Mapped[int] = mapped_column(BigInteger)
    cvlserv_fen: Mapped[int] = mapped_column(BigInteger)
    hifmi_fen: Mapped[int] = mapped_column(BigInteger)
    maf_fen: Mapped[int] = mapped_column(BigInteger)
    fund_fen: Mapped[int] = mapped_column(BigInteger)
    acct_fen: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger)
    cleared_fen: Mapped[int] = mapped_column(BigInteger)
    adjust_fen: Mapped[int] = mapped_column(BigInteger)  # the part of cleared_fen from earlier months


class ClearingHospitalLineRow(Base):
    """What a treatment-region agency owes one of its hospitals for the month's cross-region patients."""

    __tablename__ = "clearing_hospital_lines"
    __table_args__ = (Index("ix_clearing_hospital_lines_key", "month", "institution", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"))
    treatment_region: Mapped[str] = mapped_column(String(6))
    institution: Mapped[str] = mapped_column(String(30))
    n_settle: Mapped[int] = mapped_column(Integer)
    n_revoke: Mapped[int] = mapped_column(Integer)
    n_adjust: Mapped[int] = mapped_column(Integer)
    medfee_fen: Mapped[int] = mapped_column(BigInteger)
    fund_fen: Mapped[int] = mapped_column(BigInteger)
    acct_fen: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger)
    owed_fen: Mapped[int] = mapped_column(BigInteger)
    adjust_fen: Mapped[int] = mapped_column(BigInteger)


class ClearingProvinceRow(Base):
    """A province's position after multilateral netting: receivable (as treatment province) minus payable
    (as insured province); cross-region lines inside the province are cleared by the province itself."""

    __tablename__ = "clearing_province_positions"

    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"), primary_key=True)
    province: Mapped[str] = mapped_column(String(6), primary_key=True)
    receivable_fen: Mapped[int] = mapped_column(BigInteger)
    payable_fen: Mapped[int] = mapped_column(BigInteger)
    net_fen: Mapped[int] = mapped_column(BigInteger)
    intra_fen: Mapped[int] = mapped_column(BigInteger)


class ClearingNettingRow(Base):
    """National netting table: gross amount the payer (insured) province owes the payee (treatment)
    province, and what is left of it after bilateral netting (0 on the side that owes less)."""

    __tablename__ = "clearing_netting"

    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"), primary_key=True)
    payer_province: Mapped[str] = mapped_column(String(6), primary_key=True)
    payee_province: Mapped[str] = mapped_column(String(6), primary_key=True)
    gross_fen: Mapped[int] = mapped_column(BigInteger)
    bilateral_net_fen: Mapped[int] = mapped_column(BigInteger)


class ClearingAdvanceFundRow(Base):
    """预付金 the advance fund the payer (insured) province keeps with the holder (treatment) province:
    sized from the previous year's monthly average, the month's use against it, the warning line."""

    __tablename__ = "clearing_advance_funds"

    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"), primary_key=True)
    holder_province: Mapped[str] = mapped_column(String(6), primary_key=True)
    payer_province: Mapped[str] = mapped_column(String(6), primary_key=True)
    base_year: Mapped[int] = mapped_column(Integer)
    base_year_fen: Mapped[int] = mapped_column(BigInteger)
    months: Mapped[int] = mapped_column(Integer)
    sized_fen: Mapped[int] = mapped_column(BigInteger)
    previous_sized_fen: Mapped[int | None] = mapped_column(BigInteger)
    review_delta_fen: Mapped[int] = mapped_column(BigInteger)  # >0 payer tops up, <0 holder refunds
    used_fen: Mapped[int] = mapped_column(BigInteger)
    used_pct: Mapped[str] = mapped_column(String(12))  # decimal text, 2 places; "" when nothing is held
    warning_pct: Mapped[str] = mapped_column(String(10))
    alert: Mapped[bool] = mapped_column(Boolean)
    topup_request_fen: Mapped[int] = mapped_column(BigInteger)


class ClearingItemRow(Base):
    """One settlement moved by a month's clearing: delta +1 (its amounts count) or -1 (taken back), why
    (SETTLE, REVOKE, LATE_SETTLE, LATE_REVOKE, REINSTATE, DISPUTE) and whether it is an adjustment of an
    earlier month."""

    __tablename__ = "clearing_items"
    __table_args__ = (Index("ix_clearing_items_month_settlement", "month", "settlement_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"))
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    setl_id: Mapped[str] = mapped_column(String(32))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(12))
    adjustment: Mapped[bool] = mapped_column(Boolean)


class ClearingConfirmationRow(Base):
    """An agency's answer on its lines of a closed month: CONFIRMED, or DISPUTED (see its disputes)."""

    __tablename__ = "clearing_confirmations"

    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(40))


class ClearingDisputeRow(Base):
    """争议 an agency contests settlements of a closed month. UPHELD takes them back in `effective_month`
    (the first open month after the disputed one); REJECTED leaves the clearing as it was."""

    __tablename__ = "clearing_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(ForeignKey("clearing_runs.month"), index=True)
    region: Mapped[str] = mapped_column(String(6))  # the agency that raised it
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="OPEN")  # OPEN / UPHELD / REJECTED
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    raised_by: Mapped[str] = mapped_column(String(40))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(40))
    resolution: Mapped[str] = mapped_column(Text, default="")
    effective_month: Mapped[str | None] = mapped_column(String(7))


class ClearingDisputeItemRow(Base):
    """A settlement a dispute carries, with the amount at stake (fund + account, fen) when raised."""

    __tablename__ = "clearing_dispute_items"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("clearing_disputes.id", ondelete="CASCADE"), primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), primary_key=True, index=True)
    setl_id: Mapped[str] = mapped_column(String(32))
    cleared_fen: Mapped[int] = mapped_column(BigInteger)
