"""In-memory twin of the 门诊慢特病 certifications repository."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace

from yidi.domain.chronic import OPEN_STATES, Certification, CertState
from yidi.store.memory.tables import Tables
from yidi.store.repositories.chronic import CertEvent, CertPaper
from yidi.store.uow import Conflict


class MemoryChronicCerts:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, cert_id: str, *, lock: bool = False) -> Certification | None:
        return self.t.chronic_certs.get(cert_id)

    def of_person(self, citizen_id: str) -> list[Certification]:
        mine = [(n, c) for n, c in enumerate(self.t.chronic_certs.values()) if c.citizen_id == citizen_id]
        mine.sort(key=lambda x: (x[1].applied_on, x[0]), reverse=True)
        return [c for _n, c in mine]

    def of_region(self, region: str, states: Collection[CertState], *, limit: int = 100) -> list[Certification]:
        found = [c for c in self.t.chronic_certs.values() if c.insured_region == region and c.state in states]
        return sorted(found, key=lambda c: c.applied_on)[:limit]

    def save(self, cert: Certification) -> None:
        if cert.state in OPEN_STATES and any(
                c.cert_id != cert.cert_id and c.citizen_id == cert.citizen_id and c.disease == cert.disease
                and c.state in OPEN_STATES for c in self.t.chronic_certs.values()):
            raise Conflict("uq_chronic_cert_open", None, Exception("one open application per disease"))
        self.t.chronic_certs[cert.cert_id] = cert

    def add_paper(self, cert_id: str, paper: CertPaper) -> int:
        number = sum(len(v) for v in self.t.chronic_papers.values()) + 1
        self.t.chronic_papers.setdefault(cert_id, []).append(replace(paper, paper_id=number))
        return number

    def papers(self, cert_id: str) -> list[CertPaper]:
        return list(self.t.chronic_papers.get(cert_id, []))

    def record_event(self, cert: Certification, *, action: str, actor_role: str, actor: str, on_day: dt.date,
                     note: str = "") -> None:
        history = self.t.chronic_events.setdefault(cert.cert_id, [])
        history.append(CertEvent(cert.cert_id, len(history) + 1, action, cert.state, actor_role, actor[:40], on_day,
                                 note))

    def events(self, cert_id: str) -> list[CertEvent]:
        return list(self.t.chronic_events.get(cert_id, []))
