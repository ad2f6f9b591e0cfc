"""Repository of 门诊慢特病 certifications: the only code reading and writing applications, papers, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from yidi.domain.chronic import Certification, CertState
from yidi.store.chronic_models import ChronicCertRow, ChronicEventRow, ChronicPaperRow
from yidi.store.models import PersonRow


@dataclass(frozen=True, slots=True)
class CertPaper:
    """A scanned paper of an application (diagnosis certificate, records)."""

    paper_id: int
    sha256: str
    size: int
    kind: str  # pdf / jpeg / png
    filename: str
    uploaded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CertEvent:
    """One line of an application's append-only history."""

    cert_id: str
    seq: int
    action: str
    state: CertState
    actor_role: str
    actor: str  # masked citizen ID, or region code and staff account
    on_day: dt.date
    note: str = ""


class ChronicCertRepository(Protocol):
    """门诊慢特病 applications and certifications, persons named by citizen ID number."""

    def get(self, cert_id: str, *, lock: bool = False) -> Certification | None:
        """One application; `lock` holds its row to the end of the transaction (two reviews serialise)."""
        ...

    def of_person(self, citizen_id: str) -> list[Certification]:
        """Every application of the person, newest first."""
        ...

    def of_region(self, region: str, states: Collection[CertState], *, limit: int = 100) -> list[Certification]:
        """Applications of persons insured in `region` in these states, oldest first (a review queue)."""
        ...

    def save(self, cert: Certification) -> None:
        """Insert a new application or write the new state of an existing one (same cert_id)."""
        ...

    def add_paper(self, cert_id: str, paper: CertPaper) -> int: ...
    def papers(self, cert_id: str) -> list[CertPaper]: ...

    def record_event(self, cert: Certification, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None: ...

    def events(self, cert_id: str) -> list[CertEvent]: ...


def _cert(row: ChronicCertRow, citizen_id: str) -> Certification:
    return Certification(row.cert_id, citizen_id, row.insured_region, row.disease, row.hospital, row.diagnosed_on,
                         row.state, row.applied_on, row.decided_on, row.valid_from, row.valid_until, row.reason)


_Q = Select[ChronicCertRow, str]


class ChronicCerts:
    """门诊慢特病 applications over one session."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def _rows(self, q: _Q) -> list[Certification]:
        return [_cert(row, cid) for row, cid in self.s.execute(q)]

    @staticmethod
    def _query() -> _Q:
        return select(ChronicCertRow, PersonRow.citizen_id).join(PersonRow, PersonRow.id == ChronicCertRow.person_id)

    def get(self, cert_id: str, *, lock: bool = False) -> Certification | None:
        q = self._query().where(ChronicCertRow.cert_id == cert_id)
        if lock:
            q = q.with_for_update(of=ChronicCertRow).execution_options(populate_existing=True)
        found = self._rows(q)
        return found[0] if found else None

    def of_person(self, citizen_id: str) -> list[Certification]:
        q = self._query().where(PersonRow.citizen_id == citizen_id)
        return self._rows(q.order_by(ChronicCertRow.applied_on.desc(), ChronicCertRow.id.desc()))

    def of_region(self, region: str, states: Collection[CertState], *, limit: int = 100) -> list[Certification]:
        q = self._query().where(ChronicCertRow.insured_region == region, ChronicCertRow.state.in_(list(states)))
        return self._rows(q.order_by(ChronicCertRow.applied_on, ChronicCertRow.id).limit(limit))

    def save(self, cert: Certification) -> None:
        row = self.s.scalar(select(ChronicCertRow).where(ChronicCertRow.cert_id == cert.cert_id))
        if row is None:
            person = self.s.scalar(select(PersonRow.id).where(PersonRow.citizen_id == cert.citizen_id))
            row = ChronicCertRow(cert_id=cert.cert_id, person_id=person, insured_region=cert.insured_region,
                                 disease=cert.disease, applied_on=cert.applied_on)
            self.s.add(row)
        row.hospital, row.diagnosed_on, row.state = cert.hospital, cert.diagnosed_on, cert.state
        row.decided_on, row.valid_from, row.valid_until, row.reason = (cert.decided_on, cert.valid_from,
                                                                       cert.valid_until, cert.reason)
        self.s.flush()  # the partial unique index speaks now, inside the service's error handling

    def add_paper(self, cert_id: str, paper: CertPaper) -> int:
        row = ChronicPaperRow(cert_id=cert_id, sha256=paper.sha256, size=paper.size, kind=paper.kind,
                              filename=paper.filename, uploaded_at=paper.uploaded_at)
        self.s.add(row)
        self.s.flush()
        return row.id

    def papers(self, cert_id: str) -> list[CertPaper]:
        q = select(ChronicPaperRow).where(ChronicPaperRow.cert_id == cert_id).order_by(ChronicPaperRow.id)
        return [CertPaper(r.id, r.sha256, r.size, r.kind, r.filename, r.uploaded_at) for r in self.s.scalars(q)]

    def record_event(self, cert: Certification, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None:
        seq = self.s.scalar(select(func.coalesce(func.max(ChronicEventRow.seq), 0))
                            .where(ChronicEventRow.cert_id == cert.cert_id)) or 0
        self.s.add(ChronicEventRow(cert_id=cert.cert_id, seq=seq + 1, action=action, state=cert.state,
                                   actor_role=actor_role, actor=actor[:40], on_day=on_day, note=note))

    def events(self, cert_id: str) -> list[CertEvent]:
        q = select(ChronicEventRow).where(ChronicEventRow.cert_id == cert_id).order_by(ChronicEventRow.seq)
        return [CertEvent(r.cert_id, r.seq, r.action, r.state, r.actor_role, r.actor, r.on_day, r.note)
                for r in self.s.scalars(q)]
