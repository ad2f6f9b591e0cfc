"""Tables of 门诊慢特病 certification: the applications, their scanned papers and their append-only history.

At most one open application (APPLIED or RETURNED) per person and disease: a partial unique index backs the
service's check, so two submissions racing cannot both be stored. Nothing is deleted; withdrawing and
rejecting are states. An approval also writes the person's certified disease (person_diseases, with its
validity), which is what eligibility and settlement read.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yidi.domain import bounds as B
from yidi.domain.chronic import CertState
from yidi.store.models import Base, str_enum

_OPEN = "state IN ('APPLIED', 'RETURNED')"


class ChronicCertRow(Base):
    """门诊慢特病资格认定 one application for one disease, and the certification once approved."""

    __tablename__ = "chronic_certifications"
    __table_args__ = (
        Index("uq_chronic_cert_open", "person_id", "disease", unique=True,
              sqlite_where=text(_OPEN), postgresql_where=text(_OPEN)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cert_id: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    insured_region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    disease: Mapped[str] = mapped_column(String(B.DISEASE_CODE))
    hospital: Mapped[str] = mapped_column(String(B.INSTITUTION_NAME))
    diagnosed_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[CertState] = mapped_column(str_enum(CertState), index=True)
    applied_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())


class ChronicPaperRow(Base):
    """A scanned paper of an application (the file itself is in yidi.store.scans, named by its SHA-256)."""

    __tablename__ = "chronic_cert_papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cert_id: Mapped[str] = mapped_column(ForeignKey("chronic_certifications.cert_id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ChronicEventRow(Base):
    """Append-only history of an application: who did what, when, and why."""

    __tablename__ = "chronic_cert_events"
    __table_args__ = (UniqueConstraint("cert_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cert_id: Mapped[str] = mapped_column(ForeignKey("chronic_certifications.cert_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[CertState] = mapped_column(str_enum(CertState))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))  # masked citizen ID, or region code and staff account
    on_day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
