"""Tables of family links (家人关联): the link between two persons and its append-only history.

At most one live link (REQUESTED or CONFIRMED) per (requester, relative): a partial unique index backs the
service's check, so two requests racing cannot both be stored. Links are never deleted; declining and
revoking are states. A counter confirmation keeps the document kind and number staff checked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from yidi.domain import bounds as B
from yidi.domain.family import LinkState, Relationship
from yidi.store.models import Base, str_enum


class FamilyLinkRow(Base):
    """家人关联: the requester may act for the relative once the link is CONFIRMED."""

    __tablename__ = "family_links"
    __table_args__ = (
        Index("uq_family_links_live_pair", "requester_id", "relative_id", unique=True,
              sqlite_where=text("state IN ('REQUESTED', 'CONFIRMED')"),
              postgresql_where=text("state IN ('REQUESTED', 'CONFIRMED')")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    link_id: Mapped[str] = mapped_column(String(32), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relative_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship: Mapped[Relationship] = mapped_column(str_enum(Relationship))
    state: Mapped[LinkState] = mapped_column(str_enum(LinkState))
    requested_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    confirmed_by: Mapped[str] = mapped_column(String(12), default="")  # RELATIVE / AGENCY
    proof_kind: Mapped[str] = mapped_column(String(32), default="")
    proof_note: Mapped[str] = mapped_column(String(B.PROOF_NOTE), default="")
    proof_by: Mapped[str] = mapped_column(String(40), default="")  # agency region and staff account
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())


class FamilyLinkEventRow(Base):
    """Append-only history of a link: who did what, when (requested, confirmed, declined, revoked, proof)."""

    __tablename__ = "family_link_events"
    __table_args__ = (UniqueConstraint("link_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("family_links.link_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[LinkState] = mapped_column(str_enum(LinkState))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))  # masked citizen ID, or region code and staff account
    on_day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
