"""Tables of access and audit (issue 8): user accounts, login sessions, and the head of the audit hash chain.

Accounts are for people who log in with a password: insured persons (linked to `persons` by citizen ID),
agency staff (a region and duties reviewer / payer / administrator) and clearing operators (national
`000000` or a province `XX0000`), and hospital desk staff using the pages (an institution code). A
hospital's system (HIS) has no account: its API keys (`hospital_keys`) are its OAuth2 client credentials.
Passwords and session ids are stored only as hashes.

The audit records themselves live in `audit_records` (yidi.store.settlement_models.AuditRow, issue 4):
issue 8 adds the chain columns to that one table instead of starting a second audit trail; the head row
here remembers the last link so that deleting the newest records is detected too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Sequence, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from yidi.store.models import Base


class UserRow(Base):
    """A login: role, the subject it acts for (citizen ID / region code / clearing scope) and its duties."""

    __tablename__ = "auth_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(12))  # person / hospital / agency / clearing
    subject: Mapped[str] = mapped_column(String(30))  # citizen ID, institution, region code, clearing scope
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    duties: Mapped[str] = mapped_column(String(64), default="")  # comma-separated: reviewer,payer,administrator
    display_name: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SessionRow(Base):
    """A page session (cookie). Only a SHA-256 of the session id is stored: a copied table opens nothing."""

    __tablename__ = "auth_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditHeadRow(Base):
    """One row per lane of the audit chain (id = the lane; issue 15): `seq` is the lane's newest `lane_seq`,
    `hash` that record's hash; locked while a transaction chains its records into the lane."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")


# issue 15: the audit records' global order on PostgreSQL (taken under a lane's lock, so a lane's records
# also ascend in it); SQLite, one writer at a time, takes max(seq) + 1. Gaps (a rolled-back commit) are harmless:
# deletions are found in the lanes, which have none.
AUDIT_SEQ = Sequence("audit_record_seq", metadata=Base.metadata)


class AuditRowLogRow(Base):
    """Issue 13: the state of each row a transaction changed, as its audit record vouches for it.

    One line per (transaction, row): the digest of the row's values before yidi changed it and after (empty:
    no row). `seq` is the audit record of that transaction; the record's `before_digest` / `after_digest`
    are digests over these lines, so the chain proves them. `yidi audit verify` compares each row's current
    state with its newest line here (yidi.store.row_check)."""

    __tablename__ = "audit_row_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ord: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(Text)
    before: Mapped[str] = mapped_column(String(64))
    after: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_row_log_row", "table_name", "row_key", "seq"),)


class RateLimitHitRow(Base):
    """One counted attempt (a failed login, a family-link request) of a key at a time: shared by every worker
    process; kept out of the audit chain (yidi.store.audit_chain.SKIP_TABLES) as counters, not records."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
