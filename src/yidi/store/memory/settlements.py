"""In-memory twins of the settlement aggregate's repositories: fee lines, settlements, messages, ledger, audit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

from yidi.domain.bill import YearAccumulators
from yidi.domain.enums import Scheme
from yidi.domain.reference import Person
from yidi.store.memory.accumulators import MemoryAccumulators
from yidi.store.memory.filings import MemoryFilings
from yidi.store.memory.tables import Tables
from yidi.store.memory.visits import MemoryVisits
from yidi.store.repositories.accumulators import HeldAccumulators
from yidi.store.repositories.ledger import StoredAccumulators
from yidi.store.repositories.lines import Line
from yidi.store.repositories.messages import Message
from yidi.store.repositories.settlements import SettleInputs, Settlement
from yidi.store.repositories.visits import HospitalVisit


class MemoryLines:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def of_visit(self, visit_id: int, *, active: bool = False) -> list[Line]:
        return [dataclasses.replace(ln) for _i, ln in sorted(self.t.fee_lines.items())
                if ln.visit_id == visit_id and (not active or ln.status == "ACTIVE")]

    def save(self, lines: Iterable[Line], *, at_commit: bool = False) -> None:
        for ln in lines:  # numbered at once either way (`at_commit` allows it, it does not ask to wait)
            if ln.id is None:
                if any((x.visit_id, x.line_id) == (ln.visit_id, ln.line_id) for x in self.t.fee_lines.values()):
                    raise LookupError(f"line {ln.line_id} taken")  # the database's unique key
                ln.id = max(self.t.fee_lines, default=0) + 1
            self.t.fee_lines[ln.id] = dataclasses.replace(ln)


class MemorySettlements:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, id_: int) -> Settlement:
        return dataclasses.replace(self.t.settlements[id_])

    def by_setl_id(self, setl_id: str) -> Settlement | None:
        found = next((s for s in self.t.settlements.values() if s.setl_id == setl_id), None)
        return None if found is None else dataclasses.replace(found)

    def reread(self, s: Settlement) -> Settlement:
        assert s.id is not None
        return self.get(s.id)

    def by_key_and_message(self, institution: str, key: str, msgid: str) -> tuple[Settlement | None, Message | None]:
        found = next((s for s in self.t.settlements.values()
                      if (s.institution, s.idempotency_key) == (institution, key)), None)
        msg = self.t.messages.get((institution, msgid))
        return (None if found is None else dataclasses.replace(found)), (None if msg is None else dataclasses.replace(msg))

    def lock_and_inputs(self, visit_id: int, person: int, institution: str, key: str | None,
                        msgid: str | None) -> tuple[HospitalVisit, Person, SettleInputs]:
        visit, p = MemoryVisits(self.t).lock_with_person(visit_id)
        return visit, p, self.inputs(institution, key, msgid, visit_id, person, p.citizen_id.number)

    def inputs(self, institution: str, key: str | None, msgid: str | None, visit_id: int, person: int,
               citizen_id: str) -> SettleInputs:
        found, msg = (None, None) if key is None and msgid is None else \
            self.by_key_and_message(institution, key or "", msgid or "")
        admissions = [(v.institution, v.admitted_on) for v, _md in MemoryVisits(self.t).open_admissions(person, besides=visit_id)]
        p = self.t.persons[citizen_id]
        bounds = {code: (start, until) for code, start, until in p.chronic_periods}
        diseases = [SimpleNamespace(disease=d, valid_from=bounds.get(d, (None, None))[0],
                                    valid_until=bounds.get(d, (None, None))[1]) for d in sorted(p.chronic_diseases)]
        return SettleInputs(found, msg, diseases,
                            MemoryLines(self.t).of_visit(visit_id, active=True),
                            MemoryFilings(self.t).of_person(citizen_id), admissions, 0)

    def quote_inputs(self, mdtrt_id: str, year: int) -> tuple[HospitalVisit, Person, HeldAccumulators, SettleInputs] | None:
        found = MemoryVisits(self.t).with_person(mdtrt_id)
        if found is None:
            return None
        visit, person = found
        held = MemoryAccumulators(self.t).get(visit.person, person.scheme, year)
        return visit, person, held, self.inputs(visit.institution, None, None, visit.visit_id, visit.person,
                                                person.citizen_id.number)

    def of_visit(self, visit_id: int) -> list[Settlement]:
        return [dataclasses.replace(s) for _i, s in sorted(self.t.settlements.items()) if s.visit_id == visit_id]

    def of_person(self, person: int, limit: int) -> list[Settlement]:
        mine = [s for _i, s in sorted(self.t.settlements.items(), reverse=True) if s.person_id == person]
        return [dataclasses.replace(s) for s in mine[:limit]]

    def of_day(self, institution: str, day: dt.date) -> list[Settlement]:
        return [dataclasses.replace(s) for _i, s in sorted(self.t.settlements.items())
                if s.institution == institution and day in (s.settlement_date, s.revoked_on)]

    def settled_count(self, person: int, year: int) -> int:
        return sum(1 for s in self.t.settlements.values() if (s.person_id, s.year, s.status) == (person, year, "SETTLED"))

    def all(self) -> Iterator[Settlement]:
        for _i, s in sorted(self.t.settlements.items()):
            yield dataclasses.replace(s)

    def _check(self, s: Settlement) -> None:
        # the database's unique keys: one per (institution, key), one standing settlement per visit and part
        for o in self.t.settlements.values():
            if o.id != s.id and ((o.institution, o.idempotency_key) == (s.institution, s.idempotency_key)
                                 or ((o.visit_id, o.part) == (s.visit_id, s.part) and o.status == s.status == "SETTLED")):
                raise LookupError(f"settlement {s.setl_id} breaks a unique key")

    def add(self, s: Settlement) -> Settlement:
        s.id = max(self.t.settlements, default=0) + 1
        self._check(s)
        self.t.settlements[s.id] = dataclasses.replace(s)
        return s

    def save(self, s: Settlement) -> None:
        assert s.id is not None
        self._check(s)
        self.t.settlements[s.id] = dataclasses.replace(s)


class MemoryMessages:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, institution: str, msgid: str) -> Message | None:
        m = self.t.messages.get((institution, msgid))
        return None if m is None else dataclasses.replace(m)

    def add(self, m: Message) -> None:
        if (m.institution, m.msgid) in self.t.messages:
            raise LookupError(f"msgid {m.msgid} taken")  # the database's unique key
        m.id = len(self.t.messages) + 1
        self.t.messages[(m.institution, m.msgid)] = dataclasses.replace(m)

    def save(self, m: Message) -> None:
        self.t.messages[(m.institution, m.msgid)] = dataclasses.replace(m)


class MemoryLedger:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def post(self, settlement_id: int, posting: str, kind: str, legs: Sequence[tuple[str, int]], day: dt.date,
             at: dt.datetime) -> None:
        self.t.ledger.extend((settlement_id, posting, kind, a, amt, day) for a, amt in legs)

    def postings_of(self, settlement_id: int) -> int:
        return len({e[1] for e in self.t.ledger if e[0] == settlement_id})

    def posting_totals(self) -> Iterator[tuple[str, int, int]]:
        totals: dict[str, tuple[int, int]] = {}
        for e in self.t.ledger:
            s, n = totals.get(e[1], (0, 0))
            totals[e[1]] = (s + e[4], n + 1)
        for posting, (s, n) in totals.items():
            yield posting, s, n

    def claim_posting_totals(self) -> Iterator[tuple[str, int, int]]:
        return iter(())  # manual claims have no memory twin yet

    def nets_by_settlement(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for sid, _p, _k, account, amt, _d in self.t.ledger:
            legs = out.setdefault(sid, {})
            legs[account] = legs.get(account, 0) + amt
        return out

    def consuming_claims(self) -> Iterator[tuple[int, Scheme, int, YearAccumulators, YearAccumulators]]:
        return iter(())

    def stored_accumulators(self) -> Iterator[StoredAccumulators]:
        for key, held in self.t.accumulators.items():
            yield key, held.value


class MemoryAudit:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def record(self, actor_role: str, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any]) -> None:
        self.t.audit.append((actor_role, actor, action, object_type, object_id, detail))
