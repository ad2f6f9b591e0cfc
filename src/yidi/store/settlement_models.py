"""Tables of direct settlement (直接结算): visit details, fee lines, settlements, year accumulators, ledger,
hospital message log, audit records and hospital API keys.

Same Base (and naming convention) as yidi.store.models. Money is integer fen (BigInteger), never float;
quantities are kept as the decimal text the hospital sent, so nothing is lost on SQLite (which has no
exact NUMERIC). Amount columns of a settlement carry the platform's field names with a `_fen` suffix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yidi.domain import bounds as B
from yidi.domain.amounts import AMOUNT_FIELDS as AMOUNT_FIELDS  # stored on a settlement as `<name>_fen`
from yidi.domain.enums import Scheme, VisitType
from yidi.store.models import Base


class HospitalVisitRow(Base):
    """What direct settlement adds to a visit (就诊): the eligibility result at registration and a revision
    counter that every fee-line change bumps (pre-settle and settle compare it to say what changed)."""

    __tablename__ = "hospital_visits"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    mdtrt_id: Mapped[str] = mapped_column(String(B.MDTRT_ID), unique=True)
    chronic_disease: Mapped[str | None] = mapped_column(String(B.DISEASE_CODE))
    eligible: Mapped[bool] = mapped_column(Boolean)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    msgid: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deposit_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # 押金 paid at admission


class FeeLineRow(Base):
    """费用明细 one fee line of a visit as uploaded (2301/2204), with its catalogue classification."""

    __tablename__ = "fee_lines"
    __table_args__ = (UniqueConstraint("visit_id", "line_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    line_id: Mapped[str] = mapped_column(String(B.LINE_ID))  # feedetl_sn, the hospital's own id
    code: Mapped[str] = mapped_column(String(B.ITEM_CODE))
    name: Mapped[str] = mapped_column(String(B.ITEM_NAME), default="")
    quantity: Mapped[str] = mapped_column(String(B.NUMBER_MAX_CHARS))  # exact decimal text
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    line_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="ACTIVE")  # ACTIVE / WITHDRAWN
    # classification by the treatment-region catalogue (LineResult of the engine)
    item_status: Mapped[str] = mapped_column(String(24), default="")  # IN_SCOPE / OUT_OF_CATALOGUE / ...
    chrgitm_lv: Mapped[str] = mapped_column(String(2), default="")
    selfpay_prop: Mapped[str] = mapped_column(String(16), default="0")
    fulamt_ownpay_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    overlmt_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    preselfpay_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    inscp_scp_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reason_zh: Mapped[str] = mapped_column(Text, default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SettlementRow(Base):
    """结算 one settlement (2304/2207): every amount in fen, the policy used, the breakdown with its
    explanation, and the person's accumulators before and after."""

    __tablename__ = "settlements"
    __table_args__ = (
        UniqueConstraint("institution", "idempotency_key"),
        # at most one live settlement per visit and part (a stay settled mid-stay has parts 1, 2, …; any
        # other settlement is part 1), whatever races the service loses
        Index("uq_settlements_visit_part_settled", "visit_id", "part", unique=True,
              sqlite_where=text("status = 'SETTLED'"), postgresql_where=text("status = 'SETTLED'")),
        Index("ix_settlements_institution_date", "institution", "settlement_date"),
        Index("ix_settlements_person_year", "person_id", "scheme", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setl_id: Mapped[str] = mapped_column(String(B.SETL_ID), unique=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    insured_region: Mapped[str] = mapped_column(String(6), index=True)
    treatment_region: Mapped[str] = mapped_column(String(6))
    visit_type: Mapped[VisitType]
    scheme: Mapped[Scheme]
    year: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    msgid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="SETTLED")  # SETTLED / REVOKED
    basis: Mapped[str] = mapped_column(String(20), default="")
    filing_id: Mapped[str | None] = mapped_column(String(32))
    filing_type: Mapped[str | None] = mapped_column(String(32))
    pack: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(B.POLICY_VERSION))
    visit_revision: Mapped[int] = mapped_column(Integer)
    line_count: Mapped[int] = mapped_column(Integer)
    medfee_sumamt_fen: Mapped[int] = mapped_column(BigInteger)
    fulamt_ownpay_amt_fen: Mapped[int] = mapped_column(BigInteger)
    overlmt_selfpay_fen: Mapped[int] = mapped_column(BigInteger)
    preselfpay_amt_fen: Mapped[int] = mapped_column(BigInteger)
    inscp_scp_amt_fen: Mapped[int] = mapped_column(BigInteger)
    cross_region_selfpay_amt_fen: Mapped[int] = mapped_column(BigInteger)
    act_pay_dedc_fen: Mapped[int] = mapped_column(BigInteger)
    hifp_pay_fen: Mapped[int] = mapped_column(BigInteger)
    above_cap_amt_fen: Mapped[int] = mapped_column(BigInteger)
    above_cap_fund_amt_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    hifob_pay_fen: Mapped[int] = mapped_column(BigInteger)
    cvlserv_pay_fen: Mapped[int] = mapped_column(BigInteger)
    hifmi_pay_fen: Mapped[int] = mapped_column(BigInteger)
    maf_pay_fen: Mapped[int] = mapped_column(BigInteger)
    fund_pay_sumamt_fen: Mapped[int] = mapped_column(BigInteger)
    psn_part_amt_fen: Mapped[int] = mapped_column(BigInteger)
    acct_pay_fen: Mapped[int] = mapped_column(BigInteger)
    acct_mulaid_pay_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # whose personal account paid acct_mulaid_pay (家庭共济): a family member with a confirmed link; else None
    mulaid_payer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    psn_cash_pay_fen: Mapped[int] = mapped_column(BigInteger)
    balc_fen: Mapped[int] = mapped_column(BigInteger)
    pool_prop_selfpay: Mapped[str] = mapped_column(String(16), default="0")
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    accumulators_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    accumulators_after: Mapped[dict[str, Any]] = mapped_column(JSON)
    settlement_date: Mapped[dt.date] = mapped_column(Date)
    settled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    # accumulator row version right after this settlement / its revocation: a reversal (冲正) of the
    # revocation may reinstate the settlement exactly only if nothing touched the accumulators since
    acc_version_after: Mapped[int] = mapped_column(Integer)
    revoked_acc_version: Mapped[int | None] = mapped_column(Integer)
    # the JSON the settle request was answered with: a retry with the same idempotency key gets these bytes
    answer: Mapped[str | None] = mapped_column(Text)
    # 中途结算: a part of a long stay settled while the person is still in house (the visit stays open); `part`
    # numbers the live settlements of a visit from 1 (yidi.domain.mid_stay)
    mid_setl: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    part: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class FsiFileRow(Base):
    """A file a hospital uploaded through the envelope (9101 文件上传), e.g. its day's settlement detail for 3202:
    its text as checked at upload, found by its file number (file_qury_no), once per (institution, msgid)."""

    __tablename__ = "fsi_files"
    __table_args__ = (UniqueConstraint("institution", "msgid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_qury_no: Mapped[str] = mapped_column(String(40), unique=True)
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    msgid: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(B.FILE_NAME))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes as uploaded (a zip: compressed)
    rows: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # the detail text, UTF-8
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# The domain's list decides which amounts a settlement stores: a field without its column (and migration)
# is a wiring error, refused when the models load rather than lost at the first settlement.
_MISSING = [f"{f}_fen" for f in AMOUNT_FIELDS if f"{f}_fen" not in SettlementRow.__table__.c]
if _MISSING:
    raise RuntimeError(f"settlements table lacks amount column(s) {_MISSING}")


class YearAccumulatorRow(Base):
    """年度累计 per person, scheme and year: the row settle locks (SELECT ... FOR UPDATE).

    `content` is a YearAccumulators as JSON (amounts as decimal strings); `version` counts every change,
    so a pre-settle can tell that another settlement happened in between.
    """

    __tablename__ = "person_year_accumulators"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    scheme: Mapped[Scheme] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())


class LedgerEntryRow(Base):
    """One leg of a double-entry posting (integer fen; debit positive, credit negative).

    Every posting (a settlement, its revocation, a reinstatement) sums to zero. Accounts:
    `hospital:<institution>` (credited with the total), `fund:<field>:<insured region>` per fund field,
    `account:<person id>` for the personal account, `cash:<institution>` for cash taken at the desk.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_posting", "posting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    posting: Mapped[str] = mapped_column(String(48))  # <setl_id>:SETTLE / :REVOKE / :REINSTATE-n
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    account: Mapped[str] = mapped_column(String(64), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    on_day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HospitalMessageRow(Base):
    """A hospital's message (msgid) and what it did: the memory a reversal (冲正, 2601) asks.

    A reversal of a msgid we never saw leaves a row with outcome REVERSED_UNSEEN, so the original, if it
    arrives late, is refused instead of paying after the hospital gave up on it.
    """

    __tablename__ = "hospital_messages"
    __table_args__ = (UniqueConstraint("institution", "msgid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    institution: Mapped[str] = mapped_column(String(30))
    msgid: Mapped[str] = mapped_column(String(64))
    infno: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(20))  # DONE / REVERSED / REVERSED_UNSEEN
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reversed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One audit record per write: who (role:subject), when, what (action, object, a short summary), and
    (issue 8) digests of the changed rows before/after, chained by hash to the record before it."""

    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("lane", "lane_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    # issue 8: the hash chain (yidi.store.audit_chain fills these at commit; `yidi audit verify` checks them)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    # issue 15: several chains (lanes); `seq` is the global order, `lane_seq` the place in the record's lane,
    # `prev_hash` the hash of the lane's previous record (migration 0017: the records before it are lane 0)
    lane: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lane_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    entry_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    before_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    after_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")


class HospitalKeyRow(Base):
    """A hospital's API key: the public key id and an scrypt hash of the secret (never the secret)."""

    __tablename__ = "hospital_keys"

    key_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ECredentialRow(Base):
    """An e-credential issued to a person (yidi.domain.credentials): whose, until when, and its one redemption."""

    __tablename__ = "e_credentials"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_by: Mapped[str | None] = mapped_column(String(30))


class PersonEstimateRow(Base):
    """A signed-in person's bill estimate (费用估算), kept to be set beside the settlement of that visit: the
    hospital and visit type it was for, when, what was asked (situation) and the answer (the advisor's
    Estimate as JSON: the bill and its breakdown, recomputable)."""

    __tablename__ = "person_estimates"
    __table_args__ = (Index("ix_person_estimates_person_inst", "person_id", "institution", "made_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    institution: Mapped[str] = mapped_column(String(B.INSTITUTION_CODE))
    visit_type: Mapped[VisitType] = mapped_column()
    made_on: Mapped[dt.date] = mapped_column(Date)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    situation: Mapped[dict[str, Any]] = mapped_column(JSON)
    estimate: Mapped[dict[str, Any]] = mapped_column(JSON)
