"""In-memory twin of the personal data repository: the person's rows of the in-memory tables."""

from __future__ import annotations

import dataclasses
from typing import Any

from yidi.store.memory.tables import Tables
from yidi.store.repositories.personal_data import SKIP_COLUMNS, plain


def _values(value: Any) -> dict[str, Any]:
    return {k: plain(v) if not isinstance(v, (tuple, frozenset)) else sorted(plain(x) for x in v)
            for k, v in dataclasses.asdict(value).items() if k not in SKIP_COLUMNS}


class MemoryPersonalData:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def export(self, citizen_id: str) -> dict[str, Any] | None:
        person = self.t.persons.get(citizen_id)
        if person is None:
            return None
        filings = [f for f in self.t.filings.values() if f.person_id_number == citizen_id]
        links = [k for k in self.t.family_links.values() if citizen_id in (k.requester, k.relative)]
        return {
            "person": _values(person) | {"citizen_id": citizen_id},
            "filings": [_values(f) for f in filings],
            "filing_events": [_values(e) for f in filings for e in self.t.filing_events.get(f.filing_id, [])],
            "visits": [_values(v) | {"status": status} for _i, (cid, v, status) in sorted(self.t.visits.items())
                       if cid == citizen_id],
            "family_links": [_values(k) | {"my_side": "REQUESTER" if k.requester == citizen_id else "RELATIVE"}
                             for k in links],
            "family_link_events": [_values(e) for k in links for e in self.t.family_link_events.get(k.link_id, [])],
            "auth_users": [_values(u) for u in self.t.users.values() if u.role == "person" and u.subject == citizen_id],
        }
