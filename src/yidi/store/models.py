"""The tables: regions, institutions, persons, filings (with their history) and visits.

Money is integer fen (BigInteger), never float. Enumerations are stored as their string values in
VARCHAR columns (not native PostgreSQL enums) so that adding a value never needs a type migration.
Codes follow the national platform: region codes are 6 characters, institution codes up to 30.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from yidi.domain import bounds as B
from yidi.domain.enums import Category, FilingType, InstitutionKind, InsuranceStatus, Level, Scheme, VisitType
from yidi.domain.filing_rules import FilingStatus

# Stable constraint names, so that migrations can name what they drop on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def str_enum(e: type[StrEnum]) -> Enum:
    """A StrEnum stored as VARCHAR(32) holding its value."""
    return Enum(e, native_enum=False, create_constraint=False, length=32,
                values_callable=lambda cls: [m.value for m in cls])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        Scheme: str_enum(Scheme),
        Category: str_enum(Category),
        InsuranceStatus: str_enum(InsuranceStatus),
        Level: str_enum(Level),
        VisitType: str_enum(VisitType),
        FilingType: str_enum(FilingType),
        FilingStatus: str_enum(FilingStatus),
    }


class ReferenceVersionRow(Base):
    """One row (id 1, made by the first import): bumped by every change of regions or institutions, so that a
    process's cache of them is checked against it on each use (yidi.store.repositories.reference)."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class RegionRow(Base):
    """统筹区 a pooling region."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(B.REGION_CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province_name: Mapped[str] = mapped_column(String(100), default="")


class InstitutionRow(Base):
    """定点医疗机构 a designated institution, with what it is networked for."""

    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(B.INSTITUTION_CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(B.INSTITUTION_NAME))
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    level: Mapped[Level]
    kind: Mapped[InstitutionKind] = mapped_column(str_enum(InstitutionKind), default=InstitutionKind.HOSPITAL,
                                                  server_default="HOSPITAL", index=True)
    dual_channel: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    visit_types: Mapped[list[InstitutionVisitTypeRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstitutionVisitTypeRow.visit_type")
    diseases: Mapped[list[InstitutionDiseaseRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstitutionDiseaseRow.disease")


class InstitutionVisitTypeRow(Base):
    """联网: one visit type an institution is open for cross-province direct settlement."""

    __tablename__ = "institution_visit_types"

    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code", ondelete="CASCADE"), primary_key=True)
    visit_type: Mapped[VisitType] = mapped_column(primary_key=True, index=True)


class InstitutionDiseaseRow(Base):
    """A chronic/special disease (门诊慢特病) an institution has opened for cross-province settlement."""

    __tablename__ = "institution_diseases"

    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code", ondelete="CASCADE"), primary_key=True)
    disease: Mapped[str] = mapped_column(String(B.DISEASE_CODE), primary_key=True)


class PersonRow(Base):
    """参保人 an insured person. The citizen ID is stored in full (needed to match at admission)."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_id: Mapped[str] = mapped_column(String(B.ID_NUMBER), unique=True)
    name: Mapped[str] = mapped_column(String(B.PERSON_NAME))
    insured_region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    scheme: Mapped[Scheme]
    category: Mapped[Category]
    status: Mapped[InsuranceStatus]
    status_since: Mapped[dt.date | None] = mapped_column(Date)
    account_balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    assistance_group: Mapped[str | None] = mapped_column(String(B.ASSISTANCE_GROUP))
    diseases: Mapped[list[PersonDiseaseRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PersonDiseaseRow.disease")


class PersonDiseaseRow(Base):
    """A chronic/special disease the insured region has certified for this person (慢特病资格)."""

    __tablename__ = "person_diseases"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    disease: Mapped[str] = mapped_column(String(B.DISEASE_CODE), primary_key=True)
    certified_on: Mapped[dt.date | None] = mapped_column(Date)
    # set by an approved certification (yidi.store.chronic_models); imported diseases carry no bounds
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)


class FilingRow(Base):
    """备案 one version of a filing (a FilingRecord). Never deleted: a change supersedes it by a new row."""

    __tablename__ = "filings"

    filing_id: Mapped[str] = mapped_column(String(B.FILING_ID), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    insured_region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    type: Mapped[FilingType]
    treatment_area: Mapped[str] = mapped_column(String(B.REGION_CODE))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[FilingStatus] = mapped_column(index=True)
    commitment: Mapped[bool] = mapped_column(Boolean, default=False)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    institutions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_on: Mapped[dt.date] = mapped_column(Date)
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    supersedes: Mapped[str | None] = mapped_column(ForeignKey("filings.filing_id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    admitted_on: Mapped[dt.date | None] = mapped_column(Date)
    filed_by: Mapped[str] = mapped_column(String(B.FILED_BY), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by: Mapped[str | None] = mapped_column(String(30))
    review_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())


class FilingEventRow(Base):
    """Append-only history of a filing: who did what, when (created, changed, cancelled, reviewed)."""

    __tablename__ = "filing_events"
    __table_args__ = (UniqueConstraint("filing_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.filing_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[FilingStatus]
    actor_role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(30))  # masked citizen ID, institution or region code
    on_day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VisitRow(Base):
    """就诊 an admission or outpatient visit (mdtrt_id); issue 4 adds fee lines and settlements to it."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_person_status", "person_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    visit_type: Mapped[VisitType]
    admitted_on: Mapped[dt.date] = mapped_column(Date)
    discharged_on: Mapped[dt.date | None] = mapped_column(Date)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="OPEN")  # OPEN / DISCHARGED / SETTLED / CANCELLED
    filing_id: Mapped[str | None] = mapped_column(ForeignKey("filings.filing_id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
